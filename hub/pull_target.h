// What a pull fetches, shared by `inferno pull` and Ollama's POST /api/pull: the target's
// repo and file or quantization, which GGUF file of the repo's listing it means, and whether
// the file is already in the models dir. No network here (hub/hf_hub.h downloads).
#pragma once

#include <string>
#include <vector>

#include "engine/util/status.h"
#include "hub/hf_hub.h"

namespace inferno::hub {

struct PullTarget {
  std::string repo;   // "owner/name"
  std::string file;   // a .gguf path in the repo, or "" to choose one
  std::string quant;  // choose the file whose name holds it ("Q4_K_M"); "" for the default
};

// OWNER/REPO[/PATH/FILE.gguf], or Ollama's Hugging Face names hf.co/OWNER/REPO[:QUANT] (also
// huggingface.co/...; the tag "latest" means no quantization named). InvalidArgument saying
// what is expected otherwise.
Result<PullTarget> ParsePullTarget(const std::string& target);

bool EndsWithGguf(const std::string& path);

// Which GGUF file of a repo's listing a target means: the one named; else the only GGUF; else
// the one whose name holds the quantization asked for (case-insensitive) or, when none is
// asked, Q4_K_M, the usual default.
struct GgufChoice {
  enum class Outcome { kChosen, kNoSuchFile, kNoGguf, kAmbiguous };
  Outcome outcome = Outcome::kNoGguf;
  HubFile chosen;              // kChosen
  bool among_several = false;  // kChosen by quantization among several GGUF files
  std::vector<HubFile> ggufs;  // the repo's GGUF files
};
GgufChoice ChooseGguf(const std::vector<HubFile>& files, const PullTarget& target);

// The choice's failure as one message (the CLI lists the files its own way).
std::string ChoiceMessage(const GgufChoice& choice, const PullTarget& target);

// Whether `dest` already holds `file` (its size and, when the hub lists one, its SHA-256).
// kAlreadyExists when another file has that name.
Result<bool> AlreadyDownloaded(const std::string& dest, const HubFile& file);

}  // namespace inferno::hub
