#include "engine/model/repack_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/ops/cpu_features.h"
#include "engine/ops/r4.h"
#include "engine/runtime/kv_cache.h"
#include "engine/threads/thread_pool.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(INFERNO_SHARED_DIR) + "/fixtures/models/";

// Each test has its own directory with a writable copy of a fixture (its mtime can change) and
// an empty cache directory, and the process's settings back as they were afterwards.
class RepackCacheTest : public ::testing::Test {
 protected:
  static bool Repacks() { return ops::GetR4Kernels(ops::WeightLayout::kQ8_0R4).available(); }
  void SetUp() override {
    if (!Repacks()) GTEST_SKIP() << "no R4 kernel for the Q8_0 fixture on this CPU";
    saved_ = GetRepackCacheSettings();
    dir_ = fs::temp_directory_path() /
           ("repack_cache_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "cache");
    model_ = (dir_ / "model.gguf").string();
    CopyModel("llama-tiny-Q8_0.gguf");
    RepackCacheSettings s;
    s.dir = (dir_ / "cache").string();
    s.min_bytes = 0;  // the fixture is small
    SetRepackCacheSettings(s);
  }
  void TearDown() override {
    if (!Repacks()) return;
    SetRepackCacheSettings(saved_);
    fs::remove_all(dir_);
  }

  void CopyModel(const std::string& fixture) {
    fs::copy_file(kFixtures + fixture, model_, fs::copy_options::overwrite_existing);
    fs::permissions(model_, fs::perms::owner_read | fs::perms::owner_write);
  }

  std::string Entry() const { return RepackCachePath(GetRepackCacheSettings(), model_); }

  // Loads the model; its last-token logits of a short prompt, and how it got its weights.
  std::vector<float> Logits(RepackInfo* info) {
    Result<std::unique_ptr<Model>> m = Model::Load(model_);
    EXPECT_TRUE(m.ok()) << m.status().message();
    if (!m.ok()) return {};
    *info = (*m)->weights().repack;
    const ModelConfig& c = (*m)->config();
    ThreadPool pool(2);
    KvCache cache(c, 32);
    const std::vector<int32_t> tokens = {1, 72, 101, 108, 108, 111};
    std::vector<int32_t> positions(tokens.size());
    for (size_t i = 0; i < positions.size(); ++i) positions[i] = int32_t(i);
    ForwardState state(c, int(tokens.size()));
    std::vector<float> logits(size_t(c.n_vocab));
    Forward(**m, pool, cache, tokens, positions, state, logits.data());
    return logits;
  }

  // Reference logits with the cache off.
  std::vector<float> Uncached() {
    RepackCacheSettings s = GetRepackCacheSettings();
    s.enabled = false;
    SetRepackCacheSettings(s);
    RepackInfo info;
    std::vector<float> logits = Logits(&info);
    EXPECT_EQ(info.source, RepackSource::kRepacked);
    s.enabled = true;
    SetRepackCacheSettings(s);
    return logits;
  }

  // Overwrites `bytes` at `offset` of the cache entry (negative: from its end).
  void Scribble(int64_t offset, const std::string& bytes) {
    const std::string path = Entry();
    const int64_t at = offset >= 0 ? offset : int64_t(fs::file_size(path)) + offset;
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(at);
    f.write(bytes.data(), std::streamsize(bytes.size()));
  }

  // After the entry was damaged by `damage`: the next load says why and rebuilds it with the
  // same logits, and the load after maps it.
  void ExpectRebuilt(const std::vector<float>& want, const std::string& why) {
    RepackInfo info;
    EXPECT_EQ(Logits(&info), want);
    EXPECT_EQ(info.source, RepackSource::kCacheWritten);
    EXPECT_NE(info.note.find(why), std::string::npos) << info.note;
    EXPECT_EQ(Logits(&info), want);
    EXPECT_EQ(info.source, RepackSource::kCacheHit) << info.note;
  }

  RepackCacheSettings saved_;
  fs::path dir_;
  std::string model_;
};

TEST_F(RepackCacheTest, WritesOnceThenMapsWithTheSameLogits) {
  const std::vector<float> want = Uncached();
  EXPECT_FALSE(fs::exists(Entry()));
  RepackInfo info;
  EXPECT_EQ(Logits(&info), want);
  EXPECT_EQ(info.source, RepackSource::kCacheWritten);
  EXPECT_EQ(info.cache_path, Entry());
  EXPECT_TRUE(info.note.empty()) << info.note;
  EXPECT_GT(info.matrices, 0u);
  ASSERT_TRUE(fs::exists(Entry()));
  EXPECT_GT(fs::file_size(Entry()), info.bytes);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Logits(&info), want);
    EXPECT_EQ(info.source, RepackSource::kCacheHit) << info.note;
  }
  // Only the entry is left: no temporary files.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "cache"), fs::directory_iterator()), 1);
}

TEST_F(RepackCacheTest, CorruptDataIsDetectedAndRebuilt) {
  const std::vector<float> want = Uncached();
  RepackInfo info;
  Logits(&info);
  Scribble(-100, std::string("\x5a"));
  ExpectRebuilt(want, "checksum mismatch in chunk");
}

TEST_F(RepackCacheTest, CorruptHeaderIsDetectedAndRebuilt) {
  const std::vector<float> want = Uncached();
  RepackInfo info;
  Logits(&info);
  Scribble(0, "GGUFxxxx");
  ExpectRebuilt(want, "not a repack cache file");
  Scribble(104, std::string(8, '\x01'));  // the first chunk checksum, after the 104-byte header
  ExpectRebuilt(want, "header checksum mismatch");
}

TEST_F(RepackCacheTest, TruncatedOrEmptyEntryIsRebuilt) {
  const std::vector<float> want = Uncached();
  RepackInfo info;
  Logits(&info);
  fs::resize_file(Entry(), fs::file_size(Entry()) / 2);
  ExpectRebuilt(want, "bytes, expected");
  fs::resize_file(Entry(), 0);
  ExpectRebuilt(want, "truncated header");
}

TEST_F(RepackCacheTest, ChangedModelFileIsStale) {
  RepackInfo info;
  Logits(&info);
  ASSERT_EQ(info.source, RepackSource::kCacheWritten);
  // Same bytes, new mtime: the entry cannot know the contents are the same.
  const timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, model_.c_str(), times, 0), 0);
  ExpectRebuilt(Uncached(), "stale: the model file changed");
  // Other contents at the same path.
  CopyModel("llama-tiny-Q4_0.gguf");
  const std::vector<float> q4 = Uncached();
  ExpectRebuilt(q4, "stale");
}

TEST_F(RepackCacheTest, UnwritableDirectoryFallsBackToMemory) {
  const std::vector<float> want = Uncached();
  std::ofstream(dir_ / "not-a-dir") << "x";
  RepackCacheSettings s = GetRepackCacheSettings();
  s.dir = (dir_ / "not-a-dir" / "cache").string();
  SetRepackCacheSettings(s);
  RepackInfo info;
  EXPECT_EQ(Logits(&info), want);
  EXPECT_EQ(info.source, RepackSource::kRepacked);
  EXPECT_NE(info.note.find("cannot create"), std::string::npos) << info.note;
}

TEST_F(RepackCacheTest, OffOrTooSmallWritesNothing) {
  RepackCacheSettings s = GetRepackCacheSettings();
  s.enabled = false;
  SetRepackCacheSettings(s);
  RepackInfo info;
  Logits(&info);
  EXPECT_EQ(info.source, RepackSource::kRepacked);
  s.enabled = true;
  s.min_bytes = uint64_t(1) << 40;
  SetRepackCacheSettings(s);
  Logits(&info);
  EXPECT_EQ(info.source, RepackSource::kRepacked);
  EXPECT_TRUE(info.note.empty()) << info.note;
  EXPECT_TRUE(fs::is_empty(dir_ / "cache"));
}

TEST_F(RepackCacheTest, PruneRemovesLeastRecentlyUsedAndCrashedWriters) {
  const fs::path cache = dir_ / "cache";
  auto make = [&](const std::string& name, size_t bytes, int64_t age_s) {
    std::ofstream(cache / name) << std::string(bytes, 'x');
    const timespec t{time(nullptr) - age_s, 0};
    const timespec times[2] = {t, t};
    utimensat(AT_FDCWD, (cache / name).c_str(), times, 0);
  };
  make("old-1.r4", 1000, 300);
  make("mid-2.r4", 1000, 200);
  make("new-3.r4", 1000, 100);
  make("kept-0.r4", 1000, 400);  // the oldest, but just written
  make("x.r4.tmp.1.0", 10, 7200);
  make("y.r4.tmp.2.0", 10, 10);  // a writer still at work
  make("unrelated.txt", 10, 9999);
  PruneRepackCache(cache.string(), 2500, (cache / "kept-0.r4").string());
  EXPECT_FALSE(fs::exists(cache / "old-1.r4"));
  EXPECT_FALSE(fs::exists(cache / "mid-2.r4"));
  EXPECT_TRUE(fs::exists(cache / "new-3.r4"));
  EXPECT_TRUE(fs::exists(cache / "kept-0.r4"));
  EXPECT_FALSE(fs::exists(cache / "x.r4.tmp.1.0"));
  EXPECT_TRUE(fs::exists(cache / "y.r4.tmp.2.0"));
  EXPECT_TRUE(fs::exists(cache / "unrelated.txt"));
}

TEST(RepackChecksum, EveryByteCounts) {
  std::vector<uint8_t> bytes(300);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 7);
  const uint64_t base = RepackChecksum(bytes.data(), bytes.size());
  EXPECT_EQ(RepackChecksum(bytes.data(), bytes.size()), base);
  EXPECT_NE(RepackChecksum(bytes.data(), bytes.size() - 1), base);
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] ^= 1;
    EXPECT_NE(RepackChecksum(bytes.data(), bytes.size()), base) << "byte " << i;
    bytes[i] ^= 1;
  }
}

TEST(RepackCacheSettings, DirectoryFollowsXdg) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CACHE_HOME", "/tmp/xdg-cache", 1);
  EXPECT_EQ(DefaultRepackCacheDir(), "/tmp/xdg-cache/inferno/repack");
  RepackCacheSettings s;
  s.dir = "/c";
  const std::string path = RepackCachePath(s, "/models/a.gguf");
  EXPECT_EQ(path.rfind("/c/a-", 0), 0u) << path;
  EXPECT_NE(path, RepackCachePath(s, "/other/a.gguf"));
  if (old) {
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
}

}  // namespace
}  // namespace inferno
