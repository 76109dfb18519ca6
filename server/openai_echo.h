// Legacy completions' `echo`: the prompt returned before the completion, and with `logprobs`
// its tokens with their logprobs (from the engine's prompt scores, kPromptScores) listed before
// the completion's, as OpenAI's /v1/completions does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/events.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno::server {

struct EchoToken {
  std::string piece;
  std::optional<float> prob;  // none for the first token: nothing comes before it
  std::vector<TopToken> top;
};

// The prompt's tokens as echoed, their pieces joining to `text` (the prompt as sent): a leading
// BOS the tokenizer added is left out (it is no text the client sent), and so is the space a
// SentencePiece tokenizer put in front of the text. The first echoed token has no logprob
// unless a BOS preceded it.
std::vector<EchoToken> EchoTokens(const Tokenizer& tok, const std::string& text,
                                  const std::vector<int32_t>& prompt,
                                  const std::vector<PromptScore>& scores);

}  // namespace inferno::server
