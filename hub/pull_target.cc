#include "hub/pull_target.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace inferno::hub {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ContainsNoCase(const std::string& hay, const std::string& needle) {
  return Lower(hay).find(Lower(needle)) != std::string::npos;
}

// hf.co/OWNER/REPO[:QUANT] -> OWNER/REPO and QUANT.
Result<PullTarget> ParseOllamaName(std::string rest) {
  PullTarget t;
  const size_t colon = rest.find(':');
  if (colon != std::string::npos) {
    t.quant = rest.substr(colon + 1);
    rest.resize(colon);
    if (Lower(t.quant) == "latest") t.quant.clear();
  }
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size() ||
      rest.find('/', slash + 1) != std::string::npos) {
    return Status::InvalidArgument("expected hf.co/OWNER/REPO[:QUANT]");
  }
  t.repo = rest;
  return t;
}

}  // namespace

bool EndsWithGguf(const std::string& path) {
  return path.size() >= 5 && Lower(path.substr(path.size() - 5)) == ".gguf";
}

Result<PullTarget> ParsePullTarget(const std::string& target) {
  for (const char* host : {"hf.co/", "huggingface.co/"}) {
    if (target.rfind(host, 0) == 0) return ParseOllamaName(target.substr(std::string(host).size()));
  }
  const size_t first = target.find('/');
  const size_t second = first == std::string::npos ? first : target.find('/', first + 1);
  if (first == std::string::npos || first == 0 || second == first + 1 || target.back() == '/') {
    return Status::InvalidArgument("expected OWNER/REPO or OWNER/REPO/FILE.gguf, got '" + target +
                                   "'");
  }
  PullTarget t;
  t.repo = target.substr(0, second);
  t.file = second == std::string::npos ? "" : target.substr(second + 1);
  if (!t.file.empty() && !EndsWithGguf(t.file)) {
    return Status::InvalidArgument("'" + t.file +
                                   "' is not a .gguf file; inferno runs GGUF models");
  }
  return t;
}

GgufChoice ChooseGguf(const std::vector<HubFile>& files, const PullTarget& target) {
  GgufChoice c;
  for (const HubFile& f : files) {
    if (EndsWithGguf(f.path)) c.ggufs.push_back(f);
  }
  auto choose = [&c](const HubFile& f) {
    c.outcome = GgufChoice::Outcome::kChosen;
    c.chosen = f;
    return c;
  };
  if (!target.file.empty()) {
    for (const HubFile& f : c.ggufs) {
      if (f.path == target.file) return choose(f);
    }
    c.outcome = GgufChoice::Outcome::kNoSuchFile;
    return c;
  }
  if (c.ggufs.empty()) return c;  // kNoGguf
  if (c.ggufs.size() == 1 && target.quant.empty()) return choose(c.ggufs[0]);
  std::vector<const HubFile*> matching;
  for (const HubFile& f : c.ggufs) {
    if (ContainsNoCase(f.path, target.quant.empty() ? "q4_k_m" : target.quant)) {
      matching.push_back(&f);
    }
  }
  if (matching.size() != 1) {
    c.outcome = GgufChoice::Outcome::kAmbiguous;
    return c;
  }
  c.among_several = c.ggufs.size() > 1;
  return choose(*matching[0]);
}

std::string ChoiceMessage(const GgufChoice& choice, const PullTarget& target) {
  std::string names;
  for (const HubFile& f : choice.ggufs) names += (names.empty() ? "" : ", ") + f.path;
  switch (choice.outcome) {
    case GgufChoice::Outcome::kChosen:
      return "";
    case GgufChoice::Outcome::kNoSuchFile:
      return target.repo + " has no file '" + target.file + "'" +
             (names.empty() ? " (and no GGUF files at all)" : "; its GGUF files: " + names);
    case GgufChoice::Outcome::kNoGguf:
      return target.repo +
             " has no .gguf files (it may hold safetensors weights); pick a repo "
             "with GGUF files";
    case GgufChoice::Outcome::kAmbiguous:
      return target.repo + " has " + std::to_string(choice.ggufs.size()) + " GGUF files" +
             (target.quant.empty() ? "" : " and not one named '" + target.quant + "'") +
             "; choose one: " + names;
  }
  return "";
}

Result<bool> AlreadyDownloaded(const std::string& dest, const HubFile& file) {
  std::error_code ec;
  if (!fs::exists(dest, ec)) return false;
  bool same = file.size == 0 || fs::file_size(dest, ec) == file.size;
  if (same && !file.sha256.empty()) {
    Result<std::string> sha = FileSha256(dest);
    same = sha.ok() && *sha == file.sha256;
  }
  if (same) return true;
  return Status::AlreadyExists(dest + " exists and is not the same file");
}

}  // namespace inferno::hub
