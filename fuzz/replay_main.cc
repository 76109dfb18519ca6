// Replays the committed fuzz inputs (fuzz/seeds/<target>/ and fuzz/regressions/<target>/)
// through the fuzz targets' own entry functions, without libFuzzer, so that the normal test
// build keeps every finding fixed. Each fuzz/<target>_fuzz.cc is compiled a second time for
// this program with LLVMFuzzerTestOneInput renamed to inferno_fuzz_<target> (CMakeLists.txt).
//
// Usage: fuzz_replay <target> <fuzz dir>. A crash fails the test; so does a target with no
// inputs at all, which would mean the corpus was moved away from under the test.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using FuzzEntry = int (*)(const uint8_t*, size_t);

#define INFERNO_FUZZ_TARGET(name) extern "C" int inferno_fuzz_##name(const uint8_t*, size_t);
#include "fuzz_replay_targets.inc"
#undef INFERNO_FUZZ_TARGET

namespace {

namespace fs = std::filesystem;

struct Target {
  std::string_view name;
  FuzzEntry entry;
};

constexpr Target kTargets[] = {
#define INFERNO_FUZZ_TARGET(name) {#name, inferno_fuzz_##name},
#include "fuzz_replay_targets.inc"
#undef INFERNO_FUZZ_TARGET
};

// Every regular file below `dir`, sorted so that runs are repeatable.
std::vector<fs::path> Inputs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <target> <fuzz dir>\n", argv[0]);
    return 2;
  }
  const std::string_view name = argv[1];
  const fs::path fuzz_dir = argv[2];
  for (const Target& t : kTargets) {
    if (t.name != name) continue;
    int replayed = 0;
    for (const char* kind : {"seeds", "regressions"}) {
      for (const fs::path& p : Inputs(fuzz_dir / kind / std::string(name))) {
        std::ifstream in(p, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        std::printf("%s\n", p.string().c_str());
        std::fflush(stdout);  // a crash shows which input it was
        t.entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        ++replayed;
      }
    }
    std::printf("%s: %d inputs replayed\n", argv[1], replayed);
    return replayed > 0 ? 0 : 1;
  }
  std::fprintf(stderr, "no fuzz target named '%s'\n", argv[1]);
  return 2;
}
