// Comparing two next-token distributions of which only the most likely tokens are known: what
// the OpenAI API's top_logprobs (at most 20) gives of a remote model (issue 23). Pure: the
// per-step divergence, and the reading of those lists from the answers of OpenAI-compatible
// servers (llama.cpp's server, vLLM, OpenAI's legacy completions, another inferno), so both are
// unit-tested without a socket; server/model_compare.h runs the comparisons.
//
// The tail: each side's listed probabilities leave a mass 1 - sum beyond its list. Both
// distributions are coarse-grained onto the same cells: every token either side lists, plus
// one cell for all the others. A token one side does not list gets an even share of that
// side's tail, but never more than the side's last listed probability (it would have been
// listed otherwise); what is left of the tail is the "others" cell. KL over a coarse-graining
// is never more than the full-vocabulary KL (data processing), so with exact cells the figure
// is a lower bound; the shares make it an estimate, close when the tails are small.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::server {

struct TokenAlt {
  int32_t id = -1;   // -1: the server gave no id (then tokens are matched by text)
  std::string text;  // the token's bytes
  double logprob = 0;
};

// One generated (or teacher-forced) step of one side: the token there and the side's most
// likely tokens at that step, best first.
struct StepTopK {
  int32_t id = -1;
  std::string text;
  double logprob = 0;  // of that token
  std::vector<TokenAlt> top;
};

struct TopKDivergence {
  double kl_ab = 0;  // KL(A || B), nats, over the shared cells (see the top of this file)
  double kl_ba = 0;
  double tail_a = 0;  // probability mass beyond each side's list
  double tail_b = 0;
  bool top1_agree = false;
  bool by_id = false;  // tokens matched by id (every listed token had one), else by text
};

// `a` and `b` best first. Empty lists compare as disagreeing with KL 0.
TopKDivergence CompareTopK(const std::vector<TokenAlt>& a, const std::vector<TokenAlt>& b);

// The steps of the first choice of a /v1/completions (or chat) answer's "logprobs", in either
// shape servers use: {"content":[{id?, token, bytes?, logprob, top_logprobs:[...]}]} (llama.cpp,
// OpenAI chat) or OpenAI's legacy {"tokens", "token_logprobs", "top_logprobs":[{text: lp}]}
// (vLLM, inferno). Ids come from "id", or from vLLM's "token_id:N" tokens
// (return_tokens_as_token_ids). InvalidArgument naming what is missing when the answer has no
// logprobs.
Result<std::vector<StepTopK>> ParseCompletionLogprobs(const boost::json::object& answer);

}  // namespace inferno::server
