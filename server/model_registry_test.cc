// ModelRegistry's per-model load options in-process: defaults and ranges, a change that
// rebuilds a loaded model's Scheduler while a generation on the old one finishes, concurrent
// changes, and the memory budget across reloads. Fixture models in a temporary models dir.
#include "server/model_registry.h"

#include <gtest/gtest.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

namespace inferno::server {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(INFERNO_SHARED_DIR) + "/fixtures/models/";

int HardwareThreads() { return std::max(1, int(std::thread::hardware_concurrency())); }

class RegistryOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_registry_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
    fs::copy_file(kFixtures + "llama-tiny-Q8_0.gguf", dir_ / "tiny.gguf");
    fs::copy_file(kFixtures + "llama-tiny-Q4_0.gguf", dir_ / "sub" / "tiny4.gguf");
    std::ofstream(dir_ / "broken.gguf") << "not a model";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RegistryOptions Options(uint64_t budget = 0) {
    RegistryOptions o;
    o.models_dir = dir_.string();
    o.scheduler.n_ctx = 4096;  // more than the fixtures' trained 2048: capped
    o.scheduler.n_threads = 1;
    o.scheduler.n_slots = 2;
    o.memory_budget = budget;
    return o;
  }

  fs::path dir_;
};

// Greedy text of `prompt` on a loaded model, collected from its scheduler.
std::vector<int32_t> Greedy(LoadedModel& lm, const std::string& prompt, int n) {
  GenerateRequest req;
  req.prompt = prompt;
  req.max_tokens = n;
  req.sampling.temperature = 0;
  req.ignore_eos = true;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::vector<int32_t> ids;
  lm.scheduler->Submit(req, [&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    if (e.type == Event::Type::kToken) ids.push_back(e.id);
    if (e.type == Event::Type::kDone || e.type == Event::Type::kError) {
      done = true;
      cv.notify_all();
    }
    return true;
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return ids;
}

// OpenAI's `created` of a model: the file's modification time, in Unix seconds.
TEST_F(RegistryOptionsTest, ListReportsEachFilesModificationTime) {
  const timeval times[2] = {{1700000000, 0}, {1600000000, 0}};  // access, modification
  ASSERT_EQ(utimes((dir_ / "tiny.gguf").c_str(), times), 0);
  const timeval later[2] = {{1700000000, 0}, {1650000000, 0}};
  ASSERT_EQ(utimes((dir_ / "sub" / "tiny4.gguf").c_str(), later), 0);
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  std::map<std::string, int64_t> modified;
  for (const ModelInfo& m : reg.List()) modified[m.id] = m.modified;
  EXPECT_EQ(modified["tiny"], 1600000000);
  EXPECT_EQ(modified["sub/tiny4"], 1650000000);
}

TEST_F(RegistryOptionsTest, DefaultsAndRangesComeFromTheServerAndTheModel) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  Result<ModelOptions> o = reg.Options("tiny");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->id, "tiny");
  EXPECT_FALSE(o->loaded);
  EXPECT_EQ(o->defaults, (LoadOptions{2048, 1}));
  EXPECT_EQ(o->effective, (LoadOptions{2048, 1}));
  EXPECT_EQ(o->min_context_size, 16);
  EXPECT_EQ(o->max_context_size, 2048);
  EXPECT_EQ(o->max_threads, HardwareThreads());

  // Loading builds the Scheduler with exactly what Options() reported.
  Result<std::shared_ptr<LoadedModel>> lm = reg.Acquire("tiny");
  ASSERT_TRUE(lm.ok());
  EXPECT_EQ((*lm)->scheduler->n_ctx(), 2048);
  EXPECT_TRUE(reg.Options("tiny")->loaded);

  EXPECT_EQ(reg.Options("nope").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(reg.Options("../tiny").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(reg.Options("/etc/passwd").status().code(), Status::Code::kNotFound);
  Result<ModelOptions> broken = reg.Options("broken");
  EXPECT_EQ(broken.status().code(), Status::Code::kCorruption);
  bool reloaded = true;
  EXPECT_EQ(reg.SetOptions("../tiny", 64, 1, &reloaded).status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(reloaded);
}

TEST_F(RegistryOptionsTest, OutOfRangeValuesAreRefusedAndChangeNothing) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  bool reloaded = false;
  for (auto [ctx, threads] : std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>>{
           {15, std::nullopt},
           {2049, std::nullopt},
           {-1, std::nullopt},
           {INT64_MAX, std::nullopt},
           {std::nullopt, 0},
           {std::nullopt, HardwareThreads() + 1},
           {64, -3}}) {
    Result<ModelOptions> r = reg.SetOptions("tiny", ctx, threads, &reloaded);
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(
        r.status().message().find(ctx && (*ctx < 16 || *ctx > 2048) ? "context_size" : "threads"),
        std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(reg.Options("tiny")->effective, (LoadOptions{2048, 1}));
  // The ends of the ranges are fine.
  EXPECT_TRUE(reg.SetOptions("tiny", 16, HardwareThreads(), &reloaded).ok());
  EXPECT_TRUE(reg.SetOptions("tiny", 2048, 1, &reloaded).ok());
}

TEST_F(RegistryOptionsTest, UnloadedModelTakesItsOptionsAtItsNextLoad) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  bool reloaded = true;
  Result<ModelOptions> r = reg.SetOptions("sub/tiny4", 64, std::nullopt, &reloaded);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(reloaded);
  EXPECT_FALSE(r->loaded);
  EXPECT_EQ(r->effective, (LoadOptions{64, 1}));
  Result<std::shared_ptr<LoadedModel>> lm = reg.Acquire("sub/tiny4");
  ASSERT_TRUE(lm.ok());
  EXPECT_EQ((*lm)->scheduler->n_ctx(), 64);
  EXPECT_EQ((*lm)->options, (LoadOptions{64, 1}));
  // /v1/models reports the same.
  for (const ModelInfo& m : reg.List()) {
    if (m.id == "sub/tiny4") {
      EXPECT_EQ(m.context_size, 64);
      EXPECT_EQ(m.threads, 1);
      EXPECT_EQ(m.context_length, 2048);
    }
    if (m.id == "tiny") {
      EXPECT_EQ(m.context_size, 2048);
    }
  }
  // Kept across an unload.
  ASSERT_TRUE(reg.Unload("sub/tiny4").ok());
  EXPECT_EQ((*reg.Acquire("sub/tiny4"))->scheduler->n_ctx(), 64);
}

// Cache types per model: a loaded model gets a new Scheduler whose caches use them, and the
// listing reports them with the bytes of every slot's cache.
TEST_F(RegistryOptionsTest, KvCacheTypesReloadAndShowTheirBytes) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  ASSERT_TRUE(reg.Acquire("tiny").ok());
  bool reloaded = false;
  Result<ModelOptions> r =
      reg.SetOptions("tiny", 64, std::nullopt, &reloaded, {DType::kQ8_0, DType::kQ4_0});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(reloaded);
  EXPECT_EQ(r->effective.kv_types, (KvCacheTypes{DType::kQ8_0, DType::kQ4_0}));
  EXPECT_EQ(r->defaults.kv_types, KvCacheTypes{});
  Result<std::shared_ptr<LoadedModel>> lm = reg.Acquire("tiny");
  ASSERT_TRUE(lm.ok());
  EXPECT_EQ((*lm)->scheduler->kv_types(), (KvCacheTypes{DType::kQ8_0, DType::kQ4_0}));
  EXPECT_FALSE(Greedy(**lm, "Hello", 3).empty());
  const ModelConfig& c = (*lm)->model->config();
  for (const ModelInfo& m : reg.List()) {
    if (m.id != "tiny") continue;
    EXPECT_EQ(m.kv_types, (KvCacheTypes{DType::kQ8_0, DType::kQ4_0}));
    // Two slots of 64 positions: Q8_0 keys (34 bytes per 32) and Q4_0 values (18 per 32).
    const uint64_t row = uint64_t(c.n_head_kv) * c.head_dim / 32 * (34 + 18);
    EXPECT_EQ(m.kv_bytes, 2 * 64 * uint64_t(c.n_layer) * row);
  }
  // Only one given: the other keeps its value.
  r = reg.SetOptions("tiny", std::nullopt, std::nullopt, &reloaded, {std::nullopt, DType::kF16});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->effective.kv_types, (KvCacheTypes{DType::kQ8_0, DType::kF16}));
}

TEST_F(RegistryOptionsTest, ChangeReloadsWhileARunningGenerationFinishesOnTheOldInstance) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  std::shared_ptr<LoadedModel> old = *reg.Acquire("tiny");
  const std::vector<int32_t> reference = Greedy(*old, "Once upon a time", 24);
  ASSERT_EQ(reference.size(), 24u);

  // A generation on the old instance; the change lands after its third token.
  GenerateRequest req;
  req.prompt = "Once upon a time";
  req.max_tokens = 24;
  req.sampling.temperature = 0;
  req.ignore_eos = true;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int32_t> ids;
  bool done = false;
  std::atomic<bool> go{false};
  old->scheduler->Submit(
      req,
      [&](const Event& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (e.type == Event::Type::kToken) ids.push_back(e.id);
        if (e.type == Event::Type::kDone || e.type == Event::Type::kError) done = true;
        cv.notify_all();
        return true;
      },
      // Paused after three tokens until the new options are in: the change surely happens
      // mid-generation.
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return ids.size() < 3 || go.load();
      });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ids.size() >= 3; });
  }
  bool reloaded = false;
  Result<ModelOptions> r = reg.SetOptions("tiny", 128, std::nullopt, &reloaded);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(reloaded);
  EXPECT_EQ(r->effective, (LoadOptions{128, 1}));
  go = true;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  EXPECT_EQ(ids, reference);

  std::shared_ptr<LoadedModel> fresh = *reg.Acquire("tiny");
  EXPECT_NE(fresh, old);
  EXPECT_EQ(fresh->model, old->model);  // the weights are not loaded twice
  EXPECT_EQ(fresh->scheduler->n_ctx(), 128);
  EXPECT_EQ(old->scheduler->n_ctx(), 2048);
  EXPECT_EQ(Greedy(*fresh, "Once upon a time", 24), reference);

  // The same values again, or only threads restated: nothing to rebuild.
  EXPECT_TRUE(reg.SetOptions("tiny", 128, 1, &reloaded).ok());
  EXPECT_FALSE(reloaded);
  EXPECT_EQ(*reg.Acquire("tiny"), fresh);
  // One field at a time keeps the other.
  if (HardwareThreads() > 1) {
    r = reg.SetOptions("tiny", std::nullopt, 2, &reloaded);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(reloaded);
    EXPECT_EQ(r->effective, (LoadOptions{128, 2}));
    EXPECT_EQ((*reg.Acquire("tiny"))->options, (LoadOptions{128, 2}));
  }
}

TEST_F(RegistryOptionsTest, ConcurrentChangesLeaveOneConsistentState) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  ASSERT_TRUE(reg.Acquire("tiny").ok());
  const int hw = HardwareThreads();
  for (int round = 0; round < 5; ++round) {
    std::vector<LoadOptions> asked;
    for (int i = 0; i < 6; ++i) asked.push_back({32 + 16 * i + round, 1 + i % hw});
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (const LoadOptions& o : asked) {
      threads.emplace_back([&, o] {
        bool reloaded = false;
        if (!reg.SetOptions("tiny", o.context_size, o.threads, &reloaded).ok()) ++failures;
        // Requests racing with the changes always get a working instance.
        Result<std::shared_ptr<LoadedModel>> lm = reg.Acquire("tiny");
        if (!lm.ok() || (*lm)->scheduler == nullptr) ++failures;
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures, 0);
    const ModelOptions now = *reg.Options("tiny");
    std::shared_ptr<LoadedModel> lm = *reg.Acquire("tiny");
    EXPECT_NE(std::find(asked.begin(), asked.end(), now.effective), asked.end());
    EXPECT_EQ(lm->options, now.effective);
    EXPECT_EQ(lm->scheduler->n_ctx(), now.effective.context_size);
    EXPECT_EQ(reg.loaded_ids(), std::vector<std::string>{"tiny"});
  }
}

TEST_F(RegistryOptionsTest, MemoryBudgetStillEvictsLeastRecentlyUsedAcrossReloads) {
  const uint64_t one = fs::file_size(dir_ / "tiny.gguf");
  const uint64_t other = fs::file_size(dir_ / "sub" / "tiny4.gguf");
  ModelRegistry reg(Options(std::max(one, other) + 1));  // room for one model
  ASSERT_TRUE(reg.Init().ok());
  ASSERT_TRUE(reg.Acquire("tiny").ok());
  bool reloaded = false;
  ASSERT_TRUE(reg.SetOptions("tiny", 64, std::nullopt, &reloaded).ok());
  EXPECT_TRUE(reloaded);
  // The reload replaced the entry: still one model's bytes, still one model loaded.
  EXPECT_EQ(reg.loaded_ids(), std::vector<std::string>{"tiny"});
  ASSERT_TRUE(reg.Acquire("sub/tiny4").ok());
  EXPECT_EQ(reg.loaded_ids(), std::vector<std::string>{"sub/tiny4"});
  // An evicted model is not brought back by a change; its next load uses it.
  ASSERT_TRUE(reg.SetOptions("tiny", 96, std::nullopt, &reloaded).ok());
  EXPECT_FALSE(reloaded);
  EXPECT_EQ(reg.loaded_ids(), std::vector<std::string>{"sub/tiny4"});
  std::shared_ptr<LoadedModel> lm = *reg.Acquire("tiny");
  EXPECT_EQ(lm->scheduler->n_ctx(), 96);
  EXPECT_EQ(reg.loaded_ids(), std::vector<std::string>{"tiny"});
}

}  // namespace
}  // namespace inferno::server

namespace inferno::server {
namespace {

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ModelInfo InfoOf(ModelRegistry& reg, const std::string& id) {
  for (const ModelInfo& m : reg.List()) {
    if (m.id == id) return m;
  }
  return ModelInfo{};
}

// Ollama's keep_alive: 0 unloads at once (a request holding the model finishes on it), a
// duration unloads after it (the timer thread), none keeps the model; /api/ps shows when.
TEST_F(RegistryOptionsTest, KeepAliveUnloadsIdleModels) {
  ModelRegistry reg(Options());
  ASSERT_TRUE(reg.Init().ok());
  EXPECT_EQ(reg.KeepAlive("tiny", std::chrono::hours(1)).code(), Status::Code::kNotFound);

  Result<std::shared_ptr<LoadedModel>> held = reg.Acquire("tiny");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(reg.KeepAlive("tiny", std::chrono::hours(1)).ok());
  const int64_t now = NowUnixMs();
  const ModelInfo info = InfoOf(reg, "tiny");
  EXPECT_TRUE(info.loaded);
  EXPECT_GT(info.expires_at_ms, now + 3600000 - 60000);
  EXPECT_LE(info.expires_at_ms, now + 3600000 + 1000);

  ASSERT_TRUE(reg.KeepAlive("tiny", std::nullopt).ok());
  EXPECT_EQ(InfoOf(reg, "tiny").expires_at_ms, 0);

  ASSERT_TRUE(reg.KeepAlive("tiny", std::chrono::seconds(0)).ok());
  EXPECT_TRUE(reg.loaded_ids().empty());
  EXPECT_EQ(Greedy(**held, "Hello", 2).size(), 2u);  // the holder finishes on it

  ASSERT_TRUE(reg.Acquire("tiny").ok());
  ASSERT_TRUE(reg.KeepAlive("tiny", std::chrono::milliseconds(1)).ok());
  // The timer unloads it; waited for, not timed.
  for (int i = 0; i < 3000 && !reg.loaded_ids().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(reg.loaded_ids().empty());
}

}  // namespace
}  // namespace inferno::server

namespace inferno::server {
namespace {

// AddFile (`inferno app`'s opened files): a model outside the dir is listed and served under
// its stem, a taken stem gets "-2", the same file again keeps its id, a file in the dir keeps
// the dir's id, and what is not a GGUF model is refused with the reason.
TEST_F(RegistryOptionsTest, AddFileServesAModelOutsideTheDir) {
  const fs::path outside = dir_.string() + "_outside";
  fs::create_directories(outside);
  fs::copy_file(kFixtures + "llama-tiny-Q8_0.gguf", outside / "tiny.gguf");
  fs::copy_file(kFixtures + "llama-tiny-Q8_0.gguf", outside / "other.GGUF");
  std::ofstream(outside / "junk.gguf") << "not a model";
  std::ofstream(outside / "notes.txt") << "text";
  ModelRegistry registry(Options());
  ASSERT_TRUE(registry.Init().ok());

  Result<std::string> id = registry.AddFile((outside / "tiny.gguf").string());
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, "tiny-2");  // "tiny" is the dir's tiny.gguf
  EXPECT_EQ(*registry.AddFile((outside / "tiny.gguf").string()), "tiny-2");
  EXPECT_EQ(*registry.AddFile((outside / "other.GGUF").string()), "other");
  EXPECT_EQ(*registry.AddFile((dir_ / "sub" / "tiny4.gguf").string()), "sub/tiny4");

  std::map<std::string, std::string> listed;
  for (const ModelInfo& m : registry.List()) listed[m.id] = m.path;
  EXPECT_EQ(listed["tiny-2"], fs::canonical(outside / "tiny.gguf").string());
  EXPECT_EQ(listed["tiny"], fs::canonical(dir_ / "tiny.gguf").string());
  Result<std::shared_ptr<LoadedModel>> lm = registry.Acquire("tiny-2.gguf");
  ASSERT_TRUE(lm.ok()) << lm.status().message();
  EXPECT_EQ((*lm)->id, "tiny-2");

  EXPECT_EQ(registry.AddFile((outside / "missing.gguf").string()).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(registry.AddFile((outside / "notes.txt").string()).status().code(),
            Status::Code::kInvalidArgument);
  Result<std::string> junk = registry.AddFile((outside / "junk.gguf").string());
  EXPECT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("junk.gguf"), std::string::npos)
      << junk.status().message();
  fs::remove_all(outside);
}

// `make run` (no -m, an empty models dir): the bundled demo model is served and the bundled
// extras (the tools and vision demos) are listed beside it; an extra that is missing is left
// out and one that does not parse does not stop the server. A models dir with a model of its
// own wins over all of them.
TEST_F(RegistryOptionsTest, FallbackModelComesWithItsExtrasOnlyWhenTheDirIsEmpty) {
  const fs::path bundled = dir_.string() + "_bundled";
  const fs::path empty = dir_.string() + "_empty";
  fs::create_directories(bundled);
  fs::create_directories(empty);
  fs::copy_file(kFixtures + "llama-tiny-Q8_0.gguf", bundled / "demo.gguf");
  fs::copy_file(kFixtures + "llama-tiny-Q4_0.gguf", bundled / "demo-tools.gguf");
  std::ofstream(bundled / "demo-broken.gguf") << "not a model";
  RegistryOptions o = Options();
  o.fallback_model = (bundled / "demo.gguf").string();
  o.fallback_extras = {(bundled / "demo-tools.gguf").string(), (bundled / "missing.gguf").string(),
                       (bundled / "demo-broken.gguf").string()};
  {
    o.models_dir = empty.string();
    ModelRegistry registry(o);
    ASSERT_TRUE(registry.Init().ok());
    std::map<std::string, std::string> listed;
    for (const ModelInfo& m : registry.List()) listed[m.id] = m.path;
    EXPECT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed["demo"], fs::canonical(bundled / "demo.gguf").string());
    EXPECT_EQ(listed["demo-tools"], fs::canonical(bundled / "demo-tools.gguf").string());
    Result<std::shared_ptr<LoadedModel>> lm = registry.Acquire("demo-tools");
    ASSERT_TRUE(lm.ok()) << lm.status().message();
  }
  {
    o.models_dir = dir_.string();  // has tiny.gguf
    ModelRegistry registry(o);
    ASSERT_TRUE(registry.Init().ok());
    for (const ModelInfo& m : registry.List()) {
      EXPECT_EQ(m.path.find(bundled.string()), std::string::npos) << m.id;
    }
  }
  fs::remove_all(bundled);
  fs::remove_all(empty);
}

}  // namespace
}  // namespace inferno::server
