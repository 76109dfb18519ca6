#include "engine/grammar/token_trie.h"

#include <algorithm>
#include <limits>

namespace inferno::grammar {

TokenTrie::TokenTrie(const std::vector<std::string>& pieces, const std::vector<bool>& included)
    : pieces_(pieces), included_(pieces.size(), false) {
  // Longer pieces would not fit the depth field; no real vocabulary has them.
  constexpr size_t kMaxPiece = std::numeric_limits<uint16_t>::max();
  std::vector<int32_t> order;
  for (int32_t id = 0; id < int32_t(pieces.size()); ++id) {
    if (id < int32_t(included.size()) && included[id] && !pieces[id].empty() &&
        pieces[id].size() <= kMaxPiece) {
      order.push_back(id);
      included_[id] = true;
    }
  }
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return pieces[a] != pieces[b] ? pieces[a] < pieces[b] : a < b;
  });
  // In sorted order each piece adds the nodes past its common prefix with the previous one;
  // nodes deeper than that prefix are complete and get their subtree end.
  std::vector<uint32_t> open;  // open[d - 1]: the node at depth d on the current path
  std::string_view prev;
  for (int32_t id : order) {
    const std::string_view p = pieces[id];
    size_t common = 0;
    while (common < std::min(p.size(), prev.size()) && p[common] == prev[common]) ++common;
    while (open.size() > common) {
      nodes_[open.back()].end = uint32_t(nodes_.size());
      open.pop_back();
    }
    for (size_t d = common; d < p.size(); ++d) {
      open.push_back(uint32_t(nodes_.size()));
      nodes_.push_back(
          {uint8_t(p[d]), uint16_t(d + 1), 0, uint32_t(tokens_.size()), uint32_t(tokens_.size())});
    }
    tokens_.push_back(id);  // sorted order: this node's tokens are contiguous and last
    nodes_[open.back()].tok_end = uint32_t(tokens_.size());
    max_depth_ = std::max(max_depth_, int(p.size()));
    prev = p;
  }
  for (uint32_t n : open) nodes_[n].end = uint32_t(nodes_.size());
}

}  // namespace inferno::grammar
