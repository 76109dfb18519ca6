// `inferno inspect` on an mmproj file (the vision half of a multimodal model): what the
// encoder and projector are and what they hand the language model.
#pragma once

#include <string>

#include "engine/gguf/gguf_file.h"

namespace inferno::cli {

// Prints the description (text, or one JSON object) and returns the exit code: 1 when the
// file cannot be run (unknown projector, missing keys or tensors), with the error on stderr.
int InspectMmproj(const gguf::File& f, bool json);

}  // namespace inferno::cli
