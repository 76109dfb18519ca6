// Repacking a model's matrices into the layouts the kernels prefer (ops::ShouldRepack), for
// binders that own more matrices than Weights lists (the experts of MoE layers: one slice per
// expert, engine/model/moe.h).
#pragma once

#include <span>
#include <string>

#include "engine/gguf/gguf_file.h"
#include "engine/model/repack_cache.h"
#include "engine/ops/matmul.h"
#include "engine/ops/repack.h"

namespace inferno {

// Where a model's repacked matrices came from.
enum class RepackSource {
  kNone,          // nothing to repack
  kRepacked,      // repacked into fresh memory (cache off, too small, or not writable)
  kCacheHit,      // mapped from a valid cache entry
  kCacheWritten,  // repacked into a new cache entry
};
const char* RepackSourceName(RepackSource source);

struct RepackInfo {
  RepackSource source = RepackSource::kNone;
  size_t matrices = 0;
  size_t bytes = 0;
  std::string cache_path;  // the entry read or written
  std::string note;        // why an entry was rebuilt or not written (empty when all went well)
};

// Repacks each of `matrices` for which ops::ShouldRepack holds into one block of memory,
// `storage`, on all cores, and points it there. With the repack cache on (repack_cache.h) and
// a mapped file, the block is the model's cache entry: mapped when valid, else written anew.
// The file pages each matrix was copied from are then released (`file` may be null: nothing to
// release, no cache), so RSS does not count them twice.
RepackInfo RepackMatrices(const gguf::File* file, std::span<ops::WeightMatrix* const> matrices,
                          RepackedBytes* storage);

}  // namespace inferno
