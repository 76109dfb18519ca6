#include "engine/util/base64.h"

#include <algorithm>
#include <array>

namespace inferno {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of a base64 digit, -1 for anything else.
constexpr std::array<int8_t, 256> DigitValues() {
  std::array<int8_t, 256> t{};
  for (int8_t& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[uint8_t(kAlphabet[i])] = int8_t(i);
  return t;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

std::string EncodeBase64(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t chunk = uint32_t(bytes[i]) << 16;
    if (n > 1) chunk |= uint32_t(bytes[i + 1]) << 8;
    if (n > 2) chunk |= bytes[i + 2];
    for (size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kAlphabet[(chunk >> (18 - 6 * k)) & 63] : '=');
    }
  }
  return out;
}

Result<std::string> DecodeBase64(std::string_view text) {
  static constexpr std::array<int8_t, 256> kTable = DigitValues();
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  uint32_t bits = 0;
  int n_bits = 0;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (IsSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int8_t v = kTable[uint8_t(c)];
    if (v < 0 || padding > 0) {
      return Status::InvalidArgument("invalid base64: unexpected character '" + std::string(1, c) +
                                     "' at offset " + std::to_string(i));
    }
    bits = (bits << 6) | uint32_t(v);
    n_bits += 6;
    if (n_bits >= 8) {
      n_bits -= 8;
      out.push_back(char((bits >> n_bits) & 0xff));
    }
  }
  // 6 leftover bits cannot end a byte: one character too many (or too few) in the last group.
  if (n_bits >= 6 || padding > 2) return Status::InvalidArgument("invalid base64: truncated");
  return out;
}

}  // namespace inferno
