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
  size_t start, len;  // byte range in the word; len 0 once merged into its left neighbour
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
  // llama.cpp decodes the text to code points before splitting (bad bytes become U+FFFD);
  // valid UTF-8 is already in that form.
  std::string canonical;
  if (!IsValidUtf8(text)) {
    canonical = CanonicalUtf8(text);
    text = canonical;
  }
  for (std::string_view raw_word : pre_tokenizer_->Split(text)) {
    EncodeWord(ByteLevelEncode(raw_word), out);
  }
}

void Tokenizer::EncodeWord(std::string_view word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const int32_t id = Lookup(word); id >= 0) {
      out->push_back(id);
      return;
    }
  }
  std::vector<Symbol> syms;
  syms.reserve(word.size() / 2 + 1);
  for (size_t pos = 0; pos < word.size();) {
    const size_t start = pos;
    NextCodepoint(word, &pos);  // the word is byte-level encoded, hence valid UTF-8
    syms.push_back(
        {int(syms.size()) - 1, pos < word.size() ? int(syms.size()) + 1 : -1, start, pos - start});
  }
  std::priority_queue<Pair> queue;
  std::string key;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    key.assign(word.substr(syms[left].start, syms[left].len));
    key += ' ';
    key.append(word.substr(syms[right].start, syms[right].len));
    auto it = merge_ranks_.find(std::string_view(key));
    if (it == merge_ranks_.end()) return;
    queue.push({left, right, it->second, syms[left].len + syms[right].len});
  };
  for (size_t i = 1; i < syms.size(); ++i) try_add(int(i) - 1, int(i));
  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    Symbol& left = syms[p.left];
    Symbol& right = syms[p.right];
    if (left.len == 0 || right.len == 0 || left.len + right.len != p.len || left.next != p.right) {
      continue;  // stale: one side has changed since this pair was queued
    }
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) syms[right.next].prev = p.left;
    try_add(left.prev, p.left);
    try_add(p.left, left.next);
  }
  for (int i = 0; i >= 0; i = syms[i].next) {
    const std::string_view piece = word.substr(syms[i].start, syms[i].len);
    if (const int32_t id = Lookup(piece); id >= 0) {
      out->push_back(id);
      continue;
    }
    // Not in the vocabulary: llama.cpp falls back to single-byte tokens, byte by byte of the
    // encoded text, and skips the bytes that have none.
    for (char c : piece) {
      if (const int32_t id = Lookup(std::string_view(&c, 1)); id >= 0) out->push_back(id);
    }
  }
}

}  // namespace inferno
