// GPT-2's reversible mapping between bytes and printable Unicode characters, which lets
// byte-level BPE vocabularies store arbitrary bytes as text (a space is "Ġ", U+0120).
#pragma once

#include <string>
#include <string_view>

namespace inferno {

// Each byte of `bytes` as its mapped character, UTF-8 encoded.
std::string ByteLevelEncode(std::string_view bytes);
// Inverse of ByteLevelEncode; characters outside the mapping are kept as they are.
std::string ByteLevelDecode(std::string_view text);

}  // namespace inferno
