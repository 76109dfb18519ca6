// Byte-level BPE: the pre-tokenizer splits text into words; each word is mapped to GPT-2's
// byte characters and merged pair by pair in merge-rank order (lowest rank first, ties
// leftmost) until no ranked pair remains.
#include <queue>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/util/utf8.h"

namespace inferno {
namespace {

struct Symbol {
  int prev, next;
  size_t start, len;
};

struct Pair {
  int left, right;
  int rank;
  size_t len;
  bool operator<(const Pair& o) const {  // priority_queue top = lowest rank, then leftmost
    return rank > o.rank || (rank == o.rank && left > o.left);
  }
};

}  // namespace

void Tokenizer::EncodeByteLevel(std::string_view text, std::vector<int32_t>* out) const {
  std::string key;
  for (std::string_view raw_word : pre_tokenizer_->Split(text)) {
    const std::string word = ByteLevelEncode(raw_word);
    if (ignore_merges_) {
      auto it = token_ids_.find(word);
      if (it != token_ids_.end()) {
        out->push_back(it->second);
        continue;
      }
    }
    std::vector<Symbol> syms;
    for (size_t pos = 0; pos < word.size();) {
      const size_t start = pos;
      NextCodepoint(word, &pos);
      syms.push_back({int(syms.size()) - 1, pos < word.size() ? int(syms.size()) + 1 : -1, start,
                      pos - start});
    }
    std::priority_queue<Pair> queue;
    auto try_add = [&](int left, int right) {
      if (left < 0 || right < 0) return;
      key.assign(word, syms[left].start, syms[left].len);
      key += ' ';
      key.append(word, syms[right].start, syms[right].len);
      auto it = merge_ranks_.find(key);
      if (it == merge_ranks_.end()) return;
      queue.push({left, right, it->second, syms[left].len + syms[right].len});
    };
    for (size_t i = 1; i < syms.size(); ++i) try_add(int(i) - 1, int(i));
    while (!queue.empty()) {
      const Pair p = queue.top();
      queue.pop();
      Symbol& left = syms[p.left];
      Symbol& right = syms[p.right];
      if (left.len == 0 || right.len == 0 || left.len + right.len != p.len ||
          left.next != p.right) {
        continue;  // stale: one side has changed since this pair was queued
      }
      left.len += right.len;
      right.len = 0;
      left.next = right.next;
      if (right.next >= 0) syms[right.next].prev = p.left;
      try_add(left.prev, p.left);
      try_add(p.left, left.next);
    }
    for (int i = syms.empty() ? -1 : 0; i >= 0; i = syms[i].next) {
      const std::string piece = word.substr(syms[i].start, syms[i].len);
      auto it = token_ids_.find(piece);
      if (it != token_ids_.end()) {
        out->push_back(it->second);
        continue;
      }
      // Not in the vocabulary: fall back to one token per byte character, skipping any the
      // vocabulary lacks (as the reference does).
      for (size_t pos = 0; pos < piece.size();) {
        const size_t start = pos;
        NextCodepoint(piece, &pos);
        auto ch = token_ids_.find(piece.substr(start, pos - start));
        if (ch != token_ids_.end()) out->push_back(ch->second);
      }
    }
  }
}

}  // namespace inferno
