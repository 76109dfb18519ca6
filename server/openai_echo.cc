#include "server/openai_echo.h"

#include <cmath>

namespace inferno::server {

std::vector<EchoToken> EchoTokens(const Tokenizer& tok, const std::string& text,
                                  const std::vector<int32_t>& prompt,
                                  const std::vector<PromptScore>& scores) {
  std::vector<EchoToken> out;
  if (prompt.empty()) return out;
  const bool bos = tok.bos() >= 0 && prompt[0] == tok.bos();
  // Scores cover positions 1.. (position 0 has no context).
  if (!bos) out.push_back({tok.TokenToPiece(prompt[0]), std::nullopt, {}});
  for (const PromptScore& s : scores) {
    if (s.position <= 0 || size_t(s.position) >= prompt.size()) continue;
    out.push_back({tok.TokenToPiece(s.id), std::exp(s.logprob), s.top});
  }
  if (!out.empty() && tok.add_space_prefix() && out[0].piece.starts_with(' ') &&
      !text.starts_with(' ')) {
    out[0].piece.erase(0, 1);
  }
  return out;
}

}  // namespace inferno::server
