#include "server/output_tokens.h"

namespace inferno::server {

std::vector<Event> OutputTokens::Take(const Event& token) {
  if (token.end_of_generation) return {};
  if (token.text.empty() && !token.in_reasoning) {
    held_.push_back(token);
    return {};
  }
  std::vector<Event> out = std::move(held_);
  held_.clear();
  out.push_back(token);
  return out;
}

std::vector<Event> OutputTokens::Finish(const Event& done) {
  std::vector<Event> out;
  if (!done.text.empty()) out = std::move(held_);
  held_.clear();
  return out;
}

}  // namespace inferno::server
