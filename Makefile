# Thin front over CMake presets. `make run` and `make test` work on a fresh Debian 12.
JOBS ?= $(shell nproc)
PRESET ?= release
BUILD_DIR = build/$(PRESET)
MODEL ?= ../shared/fixtures/models/llama-tiny-Q8_0.gguf
PROMPT ?= Once upon a time

.PHONY: all deps configure build run test package zoo test-asan bench bench-kernels bench-peer bench-vision format fuzz fuzz-build clean \
  demo-model demo-model-deps vision-demo speech-model deps-arm64 build-arm64 test-arm64 package-arm64 \
  test-arm64-kernels

all: build

deps:
	@bash scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

# `make run` serves the web UI and the API at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it),
# with the bundled demo model when it exists, else the tiny fixture model; MODEL=... on the
# command line always wins.
PORT ?= 8080
DEMO_MODEL = models/inferno-demo-Q8_0.gguf
SERVE_MODEL = $(if $(filter command line,$(origin MODEL)),$(MODEL),$(if $(wildcard $(DEMO_MODEL)),,$(MODEL)))
.PHONY: generate web

run: build
	$(BUILD_DIR)/inferno serve --port $(PORT) $(if $(SERVE_MODEL),-m $(SERVE_MODEL))

# One completion on the command line.
generate: build
	$(BUILD_DIR)/inferno run -m $(MODEL) -p "$(PROMPT)" -n 32

# Only the web UI (web/dist and the source that compiles it into the binary), e.g. after
# editing web/src; `make build` relinks inferno with it. While working on the UI,
# `inferno serve --web-root web/dist` serves the files from disk instead.
web: configure
	@cmake --build --preset $(PRESET) --target web

# build/inferno_<version>_<arch>.deb and, with WebKitGTK, inferno-app_<version>_<arch>.deb (the
# window of `inferno app`) (cmake/package.cmake, docs/install.md), checked by lintian when it
# is installed.
package: configure
	@cmake --build --preset $(PRESET) -j $(JOBS) --target inferno package_files
	@cd $(BUILD_DIR) && cpack -G DEB
	@if command -v lintian >/dev/null; then lintian --pedantic build/inferno_*_$$(dpkg --print-architecture).deb \
		$$(ls build/inferno-app_*_$$(dpkg --print-architecture).deb 2>/dev/null); fi

# Random-weight models of the newer families and types with llama.cpp's oracles (tools/zoo),
# read by the parity tests beside ../shared/fixtures. The families llama.cpp's fixturegen lacks
# are made by our own generator (tools/fixturegen), built here first.
ZOO_DIR = build/zoo
zoo: configure
	@cmake --build --preset $(PRESET) -j $(JOBS) --target hybrid_fixturegen mmproj_fixturegen \
	  image_fixturegen
	@INFERNO_HYBRID_FIXTUREGEN=$(BUILD_DIR)/hybrid_fixturegen bash tools/zoo/make.sh $(ZOO_DIR)

# With the ARM64 cross toolchain installed (scripts/install-arm64-deps; CI does not install it),
# `make test` also runs the NEON kernel suite under qemu on the three CPU models (~2-4 min with
# the build of that one test program); without it, that part is left out. `make test-arm64`
# runs all the ARM64 suites, parity included. ARM64_KERNELS=0 leaves that part out.
ARM64_KERNELS ?= 1
test: build zoo
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@if [ "$(ARM64_KERNELS)" != 0 ] && bash scripts/install-arm64-deps --check; then $(MAKE) --no-print-directory test-arm64-kernels; \
	else echo "make test: ARM64 kernel suite left out (ARM64_KERNELS=0, or no cross toolchain: scripts/install-arm64-deps)"; fi

# ARM64 (docs/arm64.md): cross-compiled by Debian's aarch64 GCC into build/arm64 (preset arm64),
# only the programs its tests need, and run under qemu-user: the kernel suite on CPU models of
# each NEON level, the model suite, and the llama.cpp parity suite (which reads the zoo).
ARM64_TARGETS = inferno package_files inferno_base_tests inferno_gguf_tests \
  inferno_tokenizer_tests inferno_model_tests inferno_integration_tests
deps-arm64:
	@bash scripts/install-arm64-deps

# The web UI is the native build's bundle (the same on every architecture), compiled in.
build-arm64: deps-arm64 web
	@cmake --preset arm64 -DINFERNO_WEB_DIST=$(CURDIR)/web/dist >/dev/null
	@cmake --build --preset arm64 -j $(JOBS) --target $(ARM64_TARGETS)

test-arm64: build-arm64 zoo
	@bash scripts/test-arm64

# build/inferno_<version>_arm64.deb: the same files as `make package`'s inferno package, with
# the cross-built binary (no inferno-app: WebKitGTK is not cross-built). `make test-arm64`
# installs it into a scratch root and serves from it under qemu (tests/package/install_test.sh).
package-arm64: build-arm64
	@cd build/arm64 && cpack -G DEB
	@if command -v lintian >/dev/null; then lintian --pedantic build/inferno_*_arm64.deb; fi

# Only the kernel suite (engine/ops, engine/tensor) at the three NEON levels.
test-arm64-kernels: deps-arm64
	@cmake --preset arm64 >/dev/null
	@cmake --build --preset arm64 -j $(JOBS) --target inferno_base_tests
	@KERNELS_ONLY=1 bash scripts/test-arm64

test-asan:
	@$(MAKE) test PRESET=asan

bench: build
	$(BUILD_DIR)/inferno bench -m $(MODEL) -p 64,256 -n 64 -r 3

# Google Benchmark over the hot kernels (decode/prompt matmuls, quantize, norms, bandwidth).
bench-kernels: build
	$(BUILD_DIR)/kernel_bench

# inferno bench beside llama.cpp's peer_bench on the same files, with ratios.
bench-peer: build
	tools/bench-vs-peer.sh

# A Gemma-3-shaped vision encoder (896 px SigLIP, 27 layers) in inferno and in llama.cpp's mtmd.
bench-vision: build
	tools/bench-vision-encoder.sh

format:
	@find engine cli tests fuzz bench server store -name '*.cc' -o -name '*.h' | xargs clang-format -i

# libFuzzer targets (fuzz/*_fuzz.cc, docs/fuzzing.md), each run for FUZZ_RUNS executions
# (default 1M) over its seeds and regressions; new inputs go to build/fuzz/corpus/<target>.
# `make fuzz-run-<target>` runs one.
FUZZ_RUNS ?= 1000000
FUZZ_TARGETS = gguf http_request json_routes ws_frame jinja grammar image image_ref
FUZZ_FLAGS_gguf = -max_len=131072
FUZZ_FLAGS_http_request = -dict=fuzz/dicts/http_request.dict
FUZZ_FLAGS_json_routes = -dict=fuzz/dicts/json_routes.dict
FUZZ_FLAGS_jinja = -dict=fuzz/dicts/jinja.dict -max_len=16384
fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target $(FUZZ_TARGETS:%=%_fuzz)

fuzz-run-%: fuzz-build
	mkdir -p build/fuzz/corpus/$*
	build/fuzz/$*_fuzz -runs=$(FUZZ_RUNS) -rss_limit_mb=4096 -print_final_stats=1 $(FUZZ_FLAGS_$*) \
	  build/fuzz/corpus/$* $(wildcard fuzz/seeds/$* fuzz/regressions/$*)

# Trains the tool-trained demo model from scratch (corpus, tokenizer, stage 1, the tool/JSON
# fine-tune: ~1.5 h on 2 cores), grades it through inferno and, when it meets the bars of
# models/TOOLS.md, writes models/inferno-demo-tools-Q8_0.gguf. Artifacts in DEMO_DIR (default
# build/demo-model); deterministic from DEMO_SEED. PyTorch is only needed here.
demo-model-deps:
	@bash scripts/install-demo-model-deps

demo-model: demo-model-deps build
	tools/demo-model/pipeline.sh $(BUILD_DIR)/inferno

# Trains the vision demo (a small ViT + LLaVA MLP projector, and the demo language model
# fine-tuned with it) on generated pictures, exports the mmproj and model GGUFs, grades
# held-out questions through inferno and llama-mtmd-cli and ships the pair to models/vision/
# when the bars are met (tools/vision-demo/pipeline.sh; artifacts in VISION_DIR, default
# build/vision-demo). Same Python packages as demo-model.
vision-demo: demo-model-deps build
	tools/vision-demo/pipeline.sh $(BUILD_DIR)/inferno

# Trains the speech model (a tiny Whisper on espeak-ng speech of the demo corpus's sentences)
# and, when it meets its word error rate, writes models/inferno-speech.bin. Artifacts in
# SPEECH_DIR (default build/speech-model); see tools/speech-model/README.md.
speech-model: demo-model-deps build
	tools/speech-model/pipeline.sh $(BUILD_DIR)/inferno

clean:
	rm -rf build
