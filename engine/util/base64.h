// Standard base64 (RFC 4648, '+' and '/'), both ways: images sent inline in requests (data URLs,
// Ollama's `images`) and OpenAI's base64 embeddings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/util/status.h"

namespace inferno {

// With '=' padding.
std::string EncodeBase64(std::span<const uint8_t> bytes);

// '=' padding optional, ASCII whitespace ignored (clients wrap long lines); InvalidArgument
// naming the offending character otherwise.
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace inferno
