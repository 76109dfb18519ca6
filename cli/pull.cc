// `inferno pull OWNER/REPO[/FILE.gguf]`: downloads a GGUF model from Hugging Face into the
// models dir, with a progress bar on a terminal, resume of an interrupted download, and a
// SHA-256 check against the hub's LFS checksum. Without FILE it picks the repo's only GGUF
// (or its Q4_K_M, the usual default), and otherwise lists the choices.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "engine/gguf/gguf_file.h"
#include "hub/hf_hub.h"
#include "hub/pull_target.h"

namespace inferno::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hub::DownloadProgress;
using hub::DownloadRequest;
using hub::DownloadResult;
using hub::GgufChoice;
using hub::Hub;
using hub::HubFile;
using hub::HubFromEnvironment;
using hub::ParsePullTarget;
using hub::PullTarget;

struct PullOptions {
  std::string target;
  std::string models_dir;
  std::string revision = "main";
  int retries = 3;
  bool force = false;
  bool quiet = false;
};

// Draws "  42% [#########           ] 1.20 GiB / 2.87 GiB  31.5 MiB/s  ETA 0:54" on stderr,
// at most ten times a second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void Update(const DownloadProgress& p, bool force = false) {
    if (!enabled_) return;
    last_p_ = p;
    const auto now = Clock::now();
    if (!started_) {
      started_ = true;
      start_ = last_ = now;
      start_bytes_ = last_bytes_ = p.done;
    }
    const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
    if (!force && since_draw < 0.1) return;
    last_draw_ = now;
    // Rate over the last few seconds (smoothed), so a stall shows quickly.
    const double dt = std::chrono::duration<double>(now - last_).count();
    if (dt >= 0.5) {
      const double instant = double(p.done - std::min(p.done, last_bytes_)) / dt;
      rate_ = rate_ <= 0 ? instant : 0.7 * rate_ + 0.3 * instant;
      last_ = now;
      last_bytes_ = p.done;
    } else if (rate_ <= 0) {
      const double total_dt = std::chrono::duration<double>(now - start_).count();
      if (total_dt > 0) rate_ = double(p.done - std::min(p.done, start_bytes_)) / total_dt;
    }
    std::string line;
    if (p.total > 0) {
      const double frac = std::min(1.0, double(p.done) / double(p.total));
      constexpr int kWidth = 24;
      const int filled = int(frac * kWidth);
      const double eta = rate_ > 0 ? double(p.total - std::min(p.total, p.done)) / rate_ : -1;
      line = fmt::format("{:5.1f}% [{}{}] {} / {}  {}/s  ETA {}", frac * 100,
                         std::string(size_t(filled), '#'),
                         std::string(size_t(kWidth - filled), ' '), HumanBytes(double(p.done)),
                         HumanBytes(double(p.total)), HumanBytes(rate_), HumanDuration(eta));
    } else {
      line = fmt::format("{}  {}/s", HumanBytes(double(p.done)), HumanBytes(rate_));
    }
    fmt::print(stderr, "\r\033[K{}", line);
    std::fflush(stderr);
  }
  // Draws the final state (100% after a success) and ends the line.
  void Finish() {
    if (!enabled_ || !started_) return;
    const double total = std::chrono::duration<double>(Clock::now() - start_).count();
    if (total > 0) rate_ = double(last_p_.done - std::min(last_p_.done, start_bytes_)) / total;
    last_ = Clock::now();  // keep the whole-run average on the last line
    Update(last_p_, true);
    fmt::print(stderr, "\n");
  }

 private:
  bool enabled_;
  bool started_ = false;
  Clock::time_point start_, last_, last_draw_;
  uint64_t start_bytes_ = 0, last_bytes_ = 0;
  double rate_ = 0;
  DownloadProgress last_p_;
};

// Prints why no file was chosen; the exit code (2: the user must choose).
int ReportChoice(const GgufChoice& c, const PullTarget& t) {
  using Outcome = GgufChoice::Outcome;
  if (c.outcome == Outcome::kNoSuchFile) {
    fmt::print(stderr, "error: {} has no file '{}'", t.repo, t.file);
    if (!c.ggufs.empty()) fmt::print(stderr, "; its GGUF files:\n");
    for (const HubFile& f : c.ggufs) {
      fmt::print(stderr, "  {}  ({})\n", f.path, HumanBytes(double(f.size)));
    }
    if (c.ggufs.empty()) fmt::print(stderr, " (and no GGUF files at all)\n");
    return 1;
  }
  if (c.outcome == Outcome::kNoGguf) {
    fmt::print(stderr, "error: {}\n", ChoiceMessage(c, t));
    return 1;
  }
  fmt::print(stderr, "{} has {} GGUF files; choose one:\n", t.repo, c.ggufs.size());
  for (const HubFile& f : c.ggufs) {
    fmt::print(stderr, "  inferno pull {}/{}  ({})\n", t.repo, f.path, HumanBytes(double(f.size)));
  }
  return 2;
}

int RunPull(const PullOptions& o) {
  Result<PullTarget> target = ParsePullTarget(o.target);
  if (!target.ok()) {
    fmt::print(stderr, "error: {}\n", target.status().message());
    return 2;
  }
  const std::string& repo = target->repo;
  const Hub hub = HubFromEnvironment();
  const std::string models_dir = ResolveModelsDir(o.models_dir);

  Result<std::vector<HubFile>> files = ListRepoFiles(hub, repo, o.revision);
  if (!files.ok()) {
    fmt::print(stderr, "error: {}\n", files.status().message());
    return 1;
  }
  const GgufChoice choice = ChooseGguf(*files, *target);
  if (choice.outcome != GgufChoice::Outcome::kChosen) return ReportChoice(choice, *target);
  const HubFile* chosen = &choice.chosen;
  if (choice.among_several && !o.quiet) {
    fmt::print("{} has {} GGUF files; taking {} (name another to choose it)\n", repo,
               choice.ggufs.size(), chosen->path);
  }

  std::error_code ec;
  fs::create_directories(models_dir, ec);
  if (ec) {
    fmt::print(stderr, "error: models dir {}: {}\n", models_dir, ec.message());
    return 1;
  }
  const std::string dest = (fs::path(models_dir) / fs::path(chosen->path).filename()).string();
  if (!o.force) {
    // Already there: fine if it is the same file, refused if it is another one.
    Result<bool> same = AlreadyDownloaded(dest, *chosen);
    if (same.ok() && *same) {
      if (!o.quiet) fmt::print("{} is already downloaded\n", dest);
      return 0;
    }
    if (!same.ok()) {
      fmt::print(stderr,
                 "error: {} exists and is not {}/{}; remove it or pass --force to replace it\n",
                 dest, repo, chosen->path);
      return 1;
    }
  }

  const bool tty = isatty(STDERR_FILENO) && !o.quiet;
  if (!o.quiet) {
    fmt::print("pulling {}/{} ({}) into {}\n", repo, chosen->path,
               chosen->size ? HumanBytes(double(chosen->size)) : "size unknown", models_dir);
    std::fflush(stdout);
  }
  ProgressBar bar(tty);
  DownloadRequest req;
  req.url = ResolveUrl(hub, repo, o.revision, chosen->path);
  req.dest = dest;
  req.expected_size = chosen->size;
  req.expected_sha256 = chosen->sha256;
  req.retries = o.retries;
  req.progress = [&](const DownloadProgress& p) { bar.Update(p); };
  const auto start = Clock::now();
  Result<DownloadResult> done = DownloadFile(hub, req);
  bar.Finish();
  if (!done.ok()) {
    fmt::print(stderr, "error: {}\n", done.status().message());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!o.quiet) {
    if (done->resumed_from > 0) {
      fmt::print("resumed at {} of {}\n", HumanBytes(double(done->resumed_from)),
                 HumanBytes(double(done->bytes)));
    }
    fmt::print("downloaded {} in {:.1f} s ({}/s)\n", HumanBytes(double(done->downloaded)), seconds,
               HumanBytes(seconds > 0 ? double(done->downloaded) / seconds : 0));
    if (chosen->sha256.empty()) {
      fmt::print("checksum: none published for this file\n");
    } else {
      fmt::print("checksum: SHA-256 {} verified\n", done->sha256);
    }
    // The hub's checksum says it is what the repo holds; say so if inferno cannot use it.
    Result<std::unique_ptr<gguf::File>> gguf = gguf::File::Open(dest);
    if (!gguf.ok()) {
      fmt::print(stderr, "warning: {}\n", gguf.status().message());
    }
    fmt::print("saved {}\n  use it: inferno run -m {} -p \"Hello\"\n", dest, dest);
  }
  return 0;
}

}  // namespace

void AddPullCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<PullOptions>();
  CLI::App* cmd = root.add_subcommand(
      "pull", "Download a GGUF model from Hugging Face (resumable, checksum-verified)");
  cmd->add_option("target", o->target, "OWNER/REPO or OWNER/REPO/FILE.gguf")->required();
  cmd->add_option("--models-dir", o->models_dir,
                  "Where models go (default: ~/.local/share/inferno/models)");
  cmd->add_option("--revision", o->revision, "Branch, tag or commit")->capture_default_str();
  cmd->add_option("--retries", o->retries,
                  "Further attempts (each resuming) when a transfer breaks off")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  cmd->add_flag("--force", o->force, "Replace an existing file of the same name");
  cmd->add_flag("-q,--quiet", o->quiet, "Print errors only");
  cmd->footer(
      "Environment: HF_TOKEN for gated or private repos; INFERNO_HF_ENDPOINT for a mirror.");
  cmd->callback([o, exit_code] { *exit_code = RunPull(*o); });
}

}  // namespace inferno::cli
