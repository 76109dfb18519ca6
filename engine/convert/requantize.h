// `inferno quantize`: rewrites a GGUF with its matrices in another type (a FileType of
// quant_mix.h, with the same per-tensor recipe as conversion). All metadata is kept (the
// file type is updated); vectors (norms, biases) stay F32; tensors already in the chosen
// type are copied byte for byte.
#pragma once

#include <string>

#include "engine/convert/convert.h"
#include "engine/util/status.h"

namespace inferno::convert {

Status QuantizeGguf(const std::string& in_path, const std::string& out_path,
                    const std::string& type, const ProgressFn& progress = nullptr);

}  // namespace inferno::convert
