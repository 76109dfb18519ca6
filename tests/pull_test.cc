// `inferno pull` against a loopback hub (tests/fake_hub.h) run by the test itself: choosing a
// file, download with checksum, resume after an interrupted transfer (in the same run and in
// a later run), servers that ignore Range, corrupt partial files, and every error the user
// can meet. SHA-256 oracle: the coreutils sha256sum program.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/fake_hub.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

using testing::ReadAll;

namespace fs = std::filesystem;
using testing::FakeHub;
using testing::ProcessResult;
using testing::RunProcess;

std::string Sha256Sum(const fs::path& p) {
  ProcessResult r = RunProcess({"sha256sum", p.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 64);
}

class PullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_pull_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    model_path_ = testing::SharedDir() + "/fixtures/models/llama-tiny-Q4_0.gguf";
    model_ = ReadAll(model_path_);
    sha_ = Sha256Sum(model_path_);
    setenv("INFERNO_HF_ENDPOINT", hub_.endpoint().c_str(), 1);
    unsetenv("HF_TOKEN");
  }
  void TearDown() override {
    unsetenv("INFERNO_HF_ENDPOINT");
    fs::remove_all(dir_);
  }
  ProcessResult Pull(const std::string& target, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {testing::InfernoBinary(), "pull", target, "--models-dir",
                                     (dir_ / "models").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv);
  }
  fs::path Models() const { return dir_ / "models"; }
  int CdnRequests() {
    int n = 0;
    for (const auto& s : hub_.requests()) n += s.target.rfind("/cdn/", 0) == 0;
    return n;
  }
  std::string LastRange() {
    std::string range;
    for (const auto& s : hub_.requests()) {
      if (s.target.rfind("/cdn/", 0) == 0) range = s.range;
    }
    return range;
  }

  FakeHub hub_;
  fs::path dir_;
  std::string model_path_, model_, sha_;
};

TEST_F(PullTest, DownloadsANamedFileAndVerifiesItsChecksum) {
  hub_.AddFile("acme/tiny-GGUF", "README.md", "# tiny\n", "");
  hub_.AddFile("acme/tiny-GGUF", "tiny-Q4_0.gguf", model_, sha_);
  ProcessResult r = Pull("acme/tiny-GGUF/tiny-Q4_0.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ReadAll(Models() / "tiny-Q4_0.gguf"), model_);
  EXPECT_FALSE(fs::exists(Models() / "tiny-Q4_0.gguf.part"));
  EXPECT_NE(r.out.find("SHA-256 " + sha_ + " verified"), std::string::npos) << r.out;
  // The resolve/ URL redirected to the CDN path, as the real hub does.
  std::vector<FakeHub::Seen> seen = hub_.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].target, "/api/models/acme/tiny-GGUF/tree/main?recursive=true");
  EXPECT_EQ(seen[1].status, 302);
  EXPECT_EQ(seen[2].status, 200);
  EXPECT_EQ(seen[2].range, "");

  // Pulling again finds it complete and downloads nothing.
  ProcessResult again = Pull("acme/tiny-GGUF/tiny-Q4_0.gguf");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("already downloaded"), std::string::npos) << again.out;
  EXPECT_EQ(CdnRequests(), 1);
  // The models listing sees it.
  ProcessResult list =
      RunProcess({testing::InfernoBinary(), "models", "--models-dir", Models().string()});
  EXPECT_NE(list.out.find("tiny-Q4_0"), std::string::npos) << list.out;
}

TEST_F(PullTest, ChoosesTheOnlyGgufOrTheQ4KMOrAsks) {
  hub_.AddFile("acme/one", "notes.txt", "x", "");
  hub_.AddFile("acme/one", "only.gguf", model_, sha_);
  ProcessResult one = Pull("acme/one");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_TRUE(fs::exists(Models() / "only.gguf"));

  hub_.AddFile("acme/many", "m-Q8_0.gguf", "not downloaded", "");
  hub_.AddFile("acme/many", "sub/m-Q4_K_M.gguf", model_, sha_);
  ProcessResult km = Pull("acme/many");
  ASSERT_EQ(km.exit_code, 0) << km.err;
  EXPECT_NE(km.out.find("taking sub/m-Q4_K_M.gguf"), std::string::npos) << km.out;
  EXPECT_EQ(ReadAll(Models() / "m-Q4_K_M.gguf"), model_);

  hub_.AddFile("acme/choice", "a-Q8_0.gguf", "aaaa", "");
  hub_.AddFile("acme/choice", "a-Q6_K.gguf", "bbbbbb", "");
  ProcessResult ask = Pull("acme/choice");
  EXPECT_EQ(ask.exit_code, 2);
  EXPECT_NE(ask.err.find("inferno pull acme/choice/a-Q8_0.gguf"), std::string::npos) << ask.err;
  EXPECT_NE(ask.err.find("inferno pull acme/choice/a-Q6_K.gguf"), std::string::npos) << ask.err;
  EXPECT_FALSE(fs::exists(Models() / "a-Q8_0.gguf"));
}

TEST_F(PullTest, ResumesInALaterRunAfterAnInterruptedTransfer) {
  hub_.AddFile("acme/tiny", "tiny.gguf", model_, sha_);
  constexpr size_t kCut = 3000000;
  hub_.CutNextDownloads(1, kCut);
  ProcessResult first = Pull("acme/tiny/tiny.gguf", {"--retries", "0"});
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find("run the same command again to resume"), std::string::npos) << first.err;
  EXPECT_FALSE(fs::exists(Models() / "tiny.gguf"));
  ASSERT_EQ(fs::file_size(Models() / "tiny.gguf.part"), kCut);

  ProcessResult second = Pull("acme/tiny/tiny.gguf");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(LastRange(), "bytes=" + std::to_string(kCut) + "-");
  EXPECT_NE(second.out.find("resumed at"), std::string::npos) << second.out;
  EXPECT_EQ(ReadAll(Models() / "tiny.gguf"), model_);
  EXPECT_EQ(Sha256Sum(Models() / "tiny.gguf"), sha_);
  EXPECT_FALSE(fs::exists(Models() / "tiny.gguf.part"));
}

TEST_F(PullTest, RetriesABrokenTransferWithinOneRun) {
  hub_.AddFile("acme/tiny", "tiny.gguf", model_, sha_);
  hub_.CutNextDownloads(2, 1000000);
  ProcessResult r = Pull("acme/tiny/tiny.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CdnRequests(), 3);
  EXPECT_EQ(LastRange(), "bytes=2000000-");
  EXPECT_EQ(ReadAll(Models() / "tiny.gguf"), model_);
}

TEST_F(PullTest, AServerThatIgnoresRangeStillGivesTheRightFile) {
  hub_.AddFile("acme/tiny", "tiny.gguf", model_, sha_);
  fs::create_directories(Models());
  std::ofstream(Models() / "tiny.gguf.part", std::ios::binary) << model_.substr(0, 500000);
  hub_.IgnoreRange(true);
  ProcessResult r = Pull("acme/tiny/tiny.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LastRange(), "bytes=500000-");  // asked, but got the whole file
  EXPECT_EQ(ReadAll(Models() / "tiny.gguf"), model_);
}

TEST_F(PullTest, ChecksumMismatchKeepsNothing) {
  // A .part that is not a prefix of the file: resuming onto it cannot give the right bytes.
  hub_.AddFile("acme/tiny", "tiny.gguf", model_, sha_);
  fs::create_directories(Models());
  std::ofstream(Models() / "tiny.gguf.part", std::ios::binary) << std::string(1000, 'j');
  ProcessResult r = Pull("acme/tiny/tiny.gguf");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected SHA-256 " + sha_), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(Models() / "tiny.gguf"));
  EXPECT_FALSE(fs::exists(Models() / "tiny.gguf.part"));
  // Run again: a clean download.
  ProcessResult again = Pull("acme/tiny/tiny.gguf");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReadAll(Models() / "tiny.gguf"), model_);

  // The hub's checksum does not match what it serves.
  hub_.AddFile("acme/lies", "lies.gguf", model_, std::string(64, 'a'));
  ProcessResult lies = Pull("acme/lies/lies.gguf");
  EXPECT_EQ(lies.exit_code, 1);
  EXPECT_NE(lies.err.find("checksum mismatch"), std::string::npos) << lies.err;
  EXPECT_FALSE(fs::exists(Models() / "lies.gguf"));
}

TEST_F(PullTest, DiskFullIsReportedWithHowToResume) {
  hub_.AddFile("acme/tiny", "tiny.gguf", model_, sha_);
  fs::create_directories(Models());
  // Every write to /dev/full fails with ENOSPC, as on a full disk.
  fs::create_symlink("/dev/full", Models() / "tiny.gguf.part");
  ProcessResult r = Pull("acme/tiny/tiny.gguf");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("disk full while writing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run the same command again to resume"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(Models() / "tiny.gguf"));
}

TEST_F(PullTest, ClearErrors) {
  hub_.AddFile("acme/tiny", "tiny.gguf", model_, sha_);
  ProcessResult repo = Pull("acme/missing");
  EXPECT_EQ(repo.exit_code, 1);
  EXPECT_NE(repo.err.find("not found"), std::string::npos) << repo.err;
  ProcessResult file = Pull("acme/tiny/other.gguf");
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_NE(file.err.find("has no file 'other.gguf'"), std::string::npos) << file.err;
  EXPECT_NE(file.err.find("tiny.gguf"), std::string::npos) << file.err;  // lists the choices
  EXPECT_EQ(Pull("acme").exit_code, 2);
  EXPECT_EQ(Pull("acme/tiny/readme.md").exit_code, 2);

  // An existing different file is not overwritten without --force.
  fs::create_directories(Models());
  std::ofstream(Models() / "tiny.gguf") << "mine";
  ProcessResult exists = Pull("acme/tiny/tiny.gguf");
  EXPECT_EQ(exists.exit_code, 1);
  EXPECT_NE(exists.err.find("--force"), std::string::npos) << exists.err;
  EXPECT_EQ(ReadAll(Models() / "tiny.gguf"), "mine");
  ASSERT_EQ(Pull("acme/tiny/tiny.gguf", {"--force"}).exit_code, 0);
  EXPECT_EQ(ReadAll(Models() / "tiny.gguf"), model_);

  // Nothing listening: no network.
  std::string closed;
  {
    FakeHub gone;
    closed = gone.endpoint();
  }
  setenv("INFERNO_HF_ENDPOINT", closed.c_str(), 1);
  ProcessResult offline = Pull("acme/tiny/tiny.gguf");
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_NE(offline.err.find("cannot reach " + closed), std::string::npos) << offline.err;
}

}  // namespace
}  // namespace inferno
