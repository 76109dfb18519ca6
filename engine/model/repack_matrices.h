// Repacking a model's matrices into the layouts the kernels prefer (ops::ShouldRepack), for
// binders that own more matrices than Weights lists (the experts of MoE layers: one slice per
// expert, engine/model/moe.h).
#pragma once

#include <span>

#include "engine/gguf/gguf_file.h"
#include "engine/ops/matmul.h"
#include "engine/ops/repack.h"

namespace inferno {

// Repacks each of `matrices` for which ops::ShouldRepack holds into one new allocation,
// `storage`, on all cores, and points it there. The file pages each was copied from are then
// released (`file` may be null: nothing to release), so RSS does not count them twice.
// Returns how many were repacked.
size_t RepackMatrices(const gguf::File* file, std::span<ops::WeightMatrix* const> matrices,
                      ops::AlignedBytes* storage);

}  // namespace inferno
