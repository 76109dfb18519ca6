// Downloads from a Hugging Face-compatible hub with libcurl: the file list of a model repo
// (with sizes and LFS SHA-256s) and one file into a directory, resumable and verified.
//
// A download goes to DEST.part, resumes from its size with an HTTP Range request (a server
// that ignores the range gets a fresh start), is checked against the expected size and
// SHA-256, fsynced and renamed to DEST, so DEST is either absent or complete and verified.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::hub {

struct HubFile {
  std::string path;  // inside the repo, e.g. "model-Q4_K_M.gguf"
  uint64_t size = 0;
  std::string sha256;  // lowercase hex; empty when the hub gives none (not an LFS file)
};

struct Hub {
  std::string endpoint;  // "https://huggingface.co" unless INFERNO_HF_ENDPOINT says otherwise
  std::string token;     // HF_TOKEN, for gated and private repos; may be empty
};

// The hub from the environment (INFERNO_HF_ENDPOINT, HF_TOKEN).
Hub HubFromEnvironment();

// Every file of `repo` ("owner/name") at `revision`.
Result<std::vector<HubFile>> ListRepoFiles(const Hub& hub, const std::string& repo,
                                           const std::string& revision);

struct DownloadProgress {
  uint64_t done = 0;   // bytes in the .part file so far
  uint64_t total = 0;  // 0 when unknown
  uint64_t resumed_from = 0;
};

struct DownloadRequest {
  std::string url;
  std::string dest;             // final path; the download goes to dest + ".part"
  uint64_t expected_size = 0;   // 0: unknown
  std::string expected_sha256;  // empty: unknown
  int retries = 3;              // further attempts after a transfer breaks off, each resuming
  std::function<void(const DownloadProgress&)> progress;  // called often; may be empty
};

struct DownloadResult {
  uint64_t bytes = 0;         // size of the finished file
  uint64_t downloaded = 0;    // bytes fetched by this call (less than `bytes` after a resume)
  uint64_t resumed_from = 0;  // size of the .part file found at the start
  std::string sha256;
};

// {endpoint}/{repo}/resolve/{revision}/{path}, each path segment URL-encoded.
std::string ResolveUrl(const Hub& hub, const std::string& repo, const std::string& revision,
                       const std::string& path);

Result<DownloadResult> DownloadFile(const Hub& hub, const DownloadRequest& request);

// SHA-256 of a whole file, lowercase hex.
Result<std::string> FileSha256(const std::string& path);

}  // namespace inferno::hub
