// SentencePiece-style BPE: start from single characters and repeatedly merge the adjacent
// pair whose merged text is the highest-scoring vocabulary entry (ties: leftmost). Pieces
// that end up outside the vocabulary are split back along their merge history and, at the
// bottom, spelled as byte tokens <0xXX>.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include "engine/tokenizer/tokenizer.h"
#include "engine/util/utf8.h"

namespace inferno {
namespace {

// Length of the UTF-8 sequence a byte starts, judged by its high nibble only, exactly as
// llama.cpp splits text into symbols (stray continuation bytes count as one byte, 0xF8..0xFF
// as four).
size_t SymbolLength(uint8_t lead) {
  static constexpr uint8_t kByNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByNibble[lead >> 4];
}

struct Symbol {
  int prev, next;
  size_t start, len;  // byte range in the text; len 0 once merged into its left neighbour
};

struct Bigram {
  int left, right;
  float score;
  size_t len;
  bool operator<(const Bigram& o) const {  // priority_queue top = best
    return score < o.score || (score == o.score && left > o.left);
  }
};

}  // namespace

void Tokenizer::EncodeSentencePiece(std::string_view text, std::vector<int32_t>* out) const {
  std::vector<Symbol> syms;
  for (size_t pos = 0; pos < text.size();) {
    const size_t len = std::min(SymbolLength(static_cast<uint8_t>(text[pos])), text.size() - pos);
    syms.push_back({int(syms.size()) - 1, -1, pos, len});
    pos += len;
    if (pos < text.size()) syms.back().next = int(syms.size());
  }
  if (syms.empty()) return;

  std::priority_queue<Bigram> queue;
  // Which two symbols formed each merged text, to undo merges of out-of-vocabulary pieces.
  std::unordered_map<std::string_view, std::pair<int, int>> history;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const std::string_view merged = text.substr(syms[left].start, syms[left].len + syms[right].len);
    const int32_t id = Lookup(merged);
    if (id < 0) return;
    queue.push({left, right, scores_[id], merged.size()});
    history[merged] = {left, right};
  };
  for (size_t i = 1; i < syms.size(); ++i) try_add(int(i) - 1, int(i));

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = syms[b.left];
    Symbol& right = syms[b.right];
    if (left.len == 0 || right.len == 0 || left.len + right.len != b.len) continue;  // stale
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) syms[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  // Emits a symbol, splitting it along the merges that built it if it is not a token.
  auto emit = [&](auto&& self, int index, size_t len) -> void {
    const std::string_view piece = text.substr(syms[index].start, len);
    if (const int32_t id = Lookup(piece); id >= 0) {
      out->push_back(id);
      return;
    }
    auto h = history.find(piece);
    if (h == history.end()) {
      for (char c : piece) out->push_back(ByteToken(static_cast<uint8_t>(c)));
      return;
    }
    const auto [l, r] = h->second;
    const size_t left_len = syms[r].start - syms[l].start;
    self(self, l, left_len);
    self(self, r, len - left_len);
  };
  for (int i = 0; i >= 0; i = syms[i].next) emit(emit, i, syms[i].len);
}

}  // namespace inferno
