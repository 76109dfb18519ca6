// Speculative decoding across the model families: greedy output with prompt lookup must be
// token-identical to plain decoding on every zoo and fixture model (random weights, so the
// drafts are whatever the output repeats), through Session and batched through the Scheduler.
// Models with recurrent layers (qwen35) must refuse to speculate with a reason and still decode.
// The zoo (build/zoo, `make zoo`) is made after the binaries: its models are skipped when absent.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "engine/runtime/scheduler.h"
#include "engine/runtime/session.h"

namespace inferno {
namespace {

struct Output {
  std::vector<int32_t> ids;
  Timings timings;
};

Output RunSession(const Model& model, const GenerateRequest& req, const SpecOptions& spec,
                  std::string* note = nullptr, const KvCacheTypes& kv_types = {}) {
  ThreadPool pool(2);
  SessionOptions so;
  so.n_ctx = 256;
  so.spec = spec;
  so.kv_types = kv_types;
  Session session(model, pool, so);
  if (note) *note = session.spec_note();
  Output out;
  const Status st = session.Generate(req, [&](const Event& e) {
    if (e.type == Event::Type::kToken) out.ids.push_back(e.id);
    if (e.type == Event::Type::kDone) out.timings = e.timings;
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

// Each request's tokens from a Scheduler decoding them together.
std::vector<std::vector<int32_t>> RunBatched(const Model& model,
                                             const std::vector<GenerateRequest>& reqs,
                                             const SpecOptions& spec,
                                             const KvCacheTypes& kv_types = {}) {
  SchedulerOptions so;
  so.n_slots = int(reqs.size());
  so.n_ctx = 256;
  so.n_threads = 2;
  so.spec = spec;
  so.kv_types = kv_types;
  Scheduler sched(model, so);
  std::mutex mu;
  std::condition_variable cv;
  int left = int(reqs.size());
  std::vector<std::vector<int32_t>> ids(reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    sched.Submit(reqs[i], [&, i](const Event& e) {
      std::lock_guard<std::mutex> lock(mu);
      if (e.type == Event::Type::kToken) ids[i].push_back(e.id);
      if (e.type == Event::Type::kDone || e.type == Event::Type::kError) {
        --left;
        cv.notify_all();
      }
      return true;
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(300), [&] { return left == 0; }));
  return ids;
}

GenerateRequest Greedy(const std::string& prompt) {
  GenerateRequest r;
  r.prompt = prompt;
  r.max_tokens = 48;
  r.sampling.temperature = 0;
  r.ignore_eos = true;
  return r;
}

const std::string kZoo = std::string(INFERNO_SOURCE_DIR) + "/build/zoo/zoo/";

class SpeculativeZooTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SpeculativeZooTest, GreedyLookupIsTokenIdentical) {
  if (!std::filesystem::exists(GetParam())) GTEST_SKIP() << GetParam() << " not made yet";
  Result<std::unique_ptr<Model>> m = Model::Load(GetParam());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Model& model = **m;
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  spec.ngram_min = 1;  // random weights repeat little: draft as often as possible
  const std::vector<GenerateRequest> reqs = {
      Greedy("one two three four one two three four one two three"),
      Greedy("The cat sat on the mat. The cat sat on the"), Greedy("a b a b a b a b")};
  std::string note;
  int drafted = 0;
  for (const GenerateRequest& req : reqs) {
    const Output plain = RunSession(model, req, {});
    const Output fast = RunSession(model, req, spec, &note);
    EXPECT_EQ(fast.ids, plain.ids) << req.prompt;
    EXPECT_EQ(plain.ids.size(), 48u);
    drafted += fast.timings.drafted_tokens;
  }
  // Random weights repeat little (gpt-oss's 200k vocabulary least): some prompt must draft.
  if (note.empty()) {
    EXPECT_GT(drafted, 0);
  }
  if (!SpecUnsupported(model.config()).empty()) {
    EXPECT_NE(note.find("recurrent"), std::string::npos) << note;
  } else {
    EXPECT_EQ(note, "");
  }
  // The same requests batched (several sequences in one pass, each with its own draft).
  const std::vector<std::vector<int32_t>> plain = RunBatched(model, reqs, {});
  const std::vector<std::vector<int32_t>> fast = RunBatched(model, reqs, spec);
  EXPECT_EQ(fast, plain);
}

// Quantized KV caches: a verification pass stores several drafted positions at once and a
// rejected draft's rows are overwritten later, block layout and rotation included; the output
// must still be what plain decoding with the same cache types gives.
TEST(SpeculativeKvTypesTest, GreedyLookupIsTokenIdenticalWithQuantizedCaches) {
  Result<std::unique_ptr<Model>> m =
      Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
  ASSERT_TRUE(m.ok()) << m.status().message();
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  spec.ngram_min = 1;
  const std::vector<GenerateRequest> reqs = {
      Greedy("one two three four one two three four one two three"), Greedy("a b a b a b a b")};
  for (const KvCacheTypes types :
       {KvCacheTypes{DType::kQ8_0, DType::kQ8_0}, KvCacheTypes{DType::kQ4_0, DType::kQ4_0},
        KvCacheTypes{DType::kQ8_0, DType::kF16}}) {
    SCOPED_TRACE(KvCacheTypeName(types.k) + std::string("/") + KvCacheTypeName(types.v));
    int drafted = 0;
    for (const GenerateRequest& req : reqs) {
      const Output plain = RunSession(**m, req, {}, nullptr, types);
      const Output fast = RunSession(**m, req, spec, nullptr, types);
      EXPECT_EQ(fast.ids, plain.ids) << req.prompt;
      drafted += fast.timings.drafted_tokens;
    }
    EXPECT_GT(drafted, 0);
    EXPECT_EQ(RunBatched(**m, reqs, spec, types), RunBatched(**m, reqs, {}, types));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, SpeculativeZooTest,
    ::testing::Values(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf",
                      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q4_K_M.gguf",
                      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/gemma3-tiny-Q8_0.gguf",
                      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/phi3-tiny-Q8_0.gguf",
                      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/qwen2-tiny-Q8_0.gguf",
                      kZoo + "qwen3-tiny-Q8_0.gguf", kZoo + "qwen3moe-tiny-Q8_0.gguf",
                      kZoo + "mistral3-tiny-Q8_0.gguf", kZoo + "gpt-oss-tiny-F16.gguf",
                      kZoo + "llama-tiny-IQ4_XS-Q8emb.gguf", kZoo + "qwen35-tiny-Q8_0.gguf",
                      std::string(INFERNO_SOURCE_DIR) + "/models/inferno-demo-Q8_0.gguf"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name = info.param.substr(info.param.rfind('/') + 1);
      name = name.substr(0, name.find(".gguf"));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace inferno
