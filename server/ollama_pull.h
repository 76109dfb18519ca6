// Ollama's POST /api/pull through the download code of `inferno pull` (hub/): the model named
// as `inferno pull` takes it (OWNER/REPO[/FILE.gguf]) or as Ollama names Hugging Face models
// (hf.co/OWNER/REPO[:QUANT]), fetched into the models dir, resumable and checked against the
// hub's SHA-256. Its progress as Ollama reports it: {"status": "pulling manifest"}, then
// {"status": "pulling <digest>", "digest", "total", "completed"} while downloading,
// {"status": "verifying sha256 digest"} and {"status": "success"}.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "engine/util/status.h"
#include "hub/hf_hub.h"
#include "hub/pull_target.h"

namespace inferno::server {

// One progress object while `file` downloads.
boost::json::object PullProgress(const hub::HubFile& file, uint64_t completed, uint64_t total);

// Pulls `target` into `models_dir`, handing each progress object to `emit` (never more than a
// few per second while downloading). An error names what failed: NotFound (no such repo or
// file), InvalidArgument (no GGUF to choose, or several), AlreadyExists (another file has its
// name), IoError (the transfer).
Status PullModel(const hub::Hub& hub, const std::string& models_dir, const hub::PullTarget& target,
                 const std::function<void(const boost::json::object&)>& emit);

}  // namespace inferno::server
