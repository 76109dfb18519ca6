#include "engine/util/utf8.h"

namespace inferno {

size_t Utf8SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

namespace {
// Whether byte b may follow lead byte `lead` as the second byte of a sequence.
bool ValidSecond(unsigned char lead, unsigned char b) {
  if ((b & 0xC0) != 0x80) return false;
  if (lead == 0xE0) return b >= 0xA0;  // overlong
  if (lead == 0xED) return b < 0xA0;   // surrogates
  if (lead == 0xF0) return b >= 0x90;  // overlong
  if (lead == 0xF4) return b < 0x90;   // > U+10FFFF
  return true;
}
}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = Utf8SequenceLength(c);
    if (len == 0 || i + len > s.size()) return false;
    if (len > 1 && !ValidSecond(c, static_cast<unsigned char>(s[i + 1]))) return false;
    for (size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

size_t IncompleteUtf8Suffix(std::string_view s) {
  // Look back at most 3 bytes for a lead byte whose sequence is not finished.
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t len = Utf8SequenceLength(c);
    if (len > back) {
      if (back >= 2 && !ValidSecond(c, static_cast<unsigned char>(s[n - back + 1]))) return 0;
      return back;
    }
    return 0;
  }
  return 0;
}

}  // namespace inferno
