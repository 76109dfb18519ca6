// Compare between any two models, local or remote (issue 23, docs/scale-out.md): one prompt,
// and the quantization report's prompt set, through two models by teacher forcing. The
// reference side's greedy continuation is the text both are read on; the other side's
// next-token distribution at each step of it comes, for a local model, from one pass over the
// prompt and the whole continuation (the engine's teacher-forced prompt scores), for a remote
// one, from a /v1/completions request per step (the prompt and the continuation so far as
// token ids, max_tokens 1, logprobs k: a server's prefix cache makes each cheap). Per step: the
// KL both ways from the top-k both sides give (server/topk_compare.h says how the tail beyond
// them counts), whether the most likely tokens agree; first divergence is the first step where
// they do not. The debugger's own `compare` (server/debugger_hub.cc) stays the exact
// full-vocabulary one for two local models generating in lockstep.
//
// The prompt is tokenized by a local side (the reference if it is local), chat messages
// rendered by its template, and a remote gets the ids: both sides read the same tokens, which
// needs one vocabulary (a quant and its full-precision original share it). Two remote models
// get the raw prompt as text and the continuation as text appended to it.
//
// Runs on the calling thread (an HTTP connection's own): remote calls block it, local passes go
// through the model's scheduler under the client's admission like any generation.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/tokenizer/chat_template.h"
#include "server/admission.h"
#include "server/model_registry.h"
#include "server/openai.h"
#include "server/remote_registry.h"

namespace inferno::server {

struct CompareSpec {
  std::string model_a, model_b;       // local ids or NAME/model ("" for a: the default model)
  std::string prompt;                 // a raw prompt, or
  std::vector<ChatMessage> messages;  // chat messages, rendered by a local side's template
  int max_tokens = 32;                // of the reference continuation
  int top_k = 20;                     // alternatives per step and side (OpenAI's limit is 20)
  int reference = 0;                  // whose greedy continuation is read: 0 = A, 1 = B
};

// What one comparison found (the figures of its "summary" event).
struct CompareTotals {
  int steps = 0;
  double kl_ab_sum = 0, kl_ba_sum = 0;
  int agree = 0;
  int first_divergence = -1;  // -1: the most likely tokens agree at every step
};

// An event to send; false when the client is gone (the comparison stops).
using CompareSink = std::function<bool(boost::json::object)>;

class ModelComparer {
 public:
  // `remotes` may be null (no remote endpoints).
  ModelComparer(ModelRegistry& registry, Admission& admission, RemoteRegistry* remotes)
      : registry_(registry), admission_(admission), remotes_(remotes) {}

  // Runs one comparison for `client`, sending "start", one "step" per step of the reference,
  // then "summary" (docs/server.md, "Compare"), each with "compare": id and "prompt":
  // prompt_index. On failure nothing more is sent: the error is returned.
  std::variant<CompareTotals, ApiError> Run(const std::string& client, const CompareSpec& spec,
                                            const std::string& id, int prompt_index,
                                            const CompareSink& sink);

  bool IsRemote(const std::string& model);

 private:
  ModelRegistry& registry_;
  Admission& admission_;
  RemoteRegistry* remotes_;
};

// The events' JSON, shared by the single comparison and the report.
boost::json::object CompareSummaryEvent(const std::string& id, int prompt_index,
                                        const CompareTotals& t);
// The built-in prompt set of the quantization report.
const std::vector<std::string>& BuiltinReportPrompts();

}  // namespace inferno::server
