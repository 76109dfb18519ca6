#include "engine/tokenizer/byte_level.h"

#include <array>
#include <unordered_map>

#include "engine/util/utf8.h"

namespace inferno {
namespace {

struct Tables {
  std::array<std::string, 256> encoded;
  std::unordered_map<uint32_t, uint8_t> decode;

  Tables() {
    // Printable Latin-1 bytes map to themselves; the other 68 bytes are shifted to
    // U+0100 and up, in byte order.
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      const uint32_t cp = printable ? b : next++;
      AppendUtf8(cp, &encoded[b]);
      decode[cp] = uint8_t(b);
    }
  }
};

const Tables& GetTables() {
  static const Tables t;
  return t;
}

}  // namespace

std::string ByteLevelEncode(std::string_view bytes) {
  const Tables& t = GetTables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.encoded[static_cast<uint8_t>(c)];
  return out;
}

std::string ByteLevelDecode(std::string_view text) {
  const Tables& t = GetTables();
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const uint32_t cp = NextCodepoint(text, &pos);
    auto it = t.decode.find(cp);
    if (it != t.decode.end()) {
      out += char(it->second);
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

}  // namespace inferno
