#include "server/event_queue.h"

namespace inferno::server {
namespace {

size_t TopBytes(const std::vector<TopToken>& top) {
  size_t n = top.size() * sizeof(TopToken);
  for (const TopToken& t : top) n += t.text.size();
  return n;
}

}  // namespace

size_t EventBytes(const Event& e) {
  size_t n =
      sizeof(Event) + e.piece.size() + e.text.size() + e.reasoning.size() + e.finish_reason.size();
  n += e.prompt_tokens.size() * sizeof(int32_t);
  n += TopBytes(e.top);
  n += e.logits.size() * sizeof(float);
  for (const AttentionHead& h : e.attention) n += sizeof(h) + h.weights.size() * sizeof(float);
  for (const LensLayer& l : e.logit_lens) n += sizeof(l) + TopBytes(l.top);
  n += e.prompt_scores.size() * sizeof(PromptScore);
  n += e.attention_map.weights.size() * sizeof(float);
  for (const RouterRow& r : e.router)
    n += sizeof(r) + r.experts.size() * (sizeof(int32_t) + sizeof(float));
  return n;
}

}  // namespace inferno::server
