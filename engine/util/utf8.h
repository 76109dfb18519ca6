// UTF-8 helpers shared by the GGUF reader, tokenizers and streaming output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inferno {

// True if s is well-formed UTF-8 (no overlongs, no surrogates, max U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Length of the UTF-8 sequence introduced by lead byte c (1..4), or 0 if c cannot start one.
size_t Utf8SequenceLength(unsigned char c);

// Number of bytes at the end of s that form an incomplete (but so far valid) sequence;
// used to hold back half characters while streaming.
size_t IncompleteUtf8Suffix(std::string_view s);

// Copy of s with every byte that is not part of a well-formed sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view s);

// Appends code point cp (<= U+10FFFF) to out as UTF-8; a surrogate is encoded as it is (3 bytes).
void AppendUtf8(uint32_t cp, std::string* out);

// Decodes the code point at s[*pos] and advances *pos; malformed bytes decode as U+FFFD
// one byte at a time.
uint32_t NextCodepoint(std::string_view s, size_t* pos);

}  // namespace inferno
