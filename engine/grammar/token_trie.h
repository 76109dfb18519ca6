// The vocabulary as a byte trie, flattened in preorder: each node knows its depth and where
// its subtree ends, so a walk can skip a whole subtree (every token sharing a prefix the
// grammar refuses) with one jump. Built once per model (Model::token_trie()).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::grammar {

class TokenTrie {
 public:
  struct Node {
    uint8_t byte;
    uint16_t depth;      // 1 for the first byte of a token
    uint32_t end;        // index one past this node's subtree
    uint32_t tok_begin;  // tokens whose bytes end here: tokens()[tok_begin, tok_end)
    uint32_t tok_end;
  };

  TokenTrie() = default;
  // pieces[id]: the bytes of token id; tokens not `included`, or with no bytes, are left out
  // (control tokens: a grammar never produces them).
  TokenTrie(const std::vector<std::string>& pieces, const std::vector<bool>& included);

  const std::vector<Node>& nodes() const { return nodes_; }
  std::span<const int32_t> tokens(const Node& n) const {
    return {tokens_.data() + n.tok_begin, n.tok_end - n.tok_begin};
  }
  int max_depth() const { return max_depth_; }
  int32_t n_vocab() const { return int32_t(pieces_.size()); }
  bool included(int32_t id) const { return id >= 0 && id < n_vocab() && included_[id]; }
  std::string_view piece(int32_t id) const { return pieces_[id]; }

 private:
  std::vector<Node> nodes_;
  std::vector<int32_t> tokens_;
  std::vector<std::string> pieces_;
  std::vector<bool> included_;
  int max_depth_ = 0;
};

}  // namespace inferno::grammar
