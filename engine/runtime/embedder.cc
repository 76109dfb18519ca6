#include "engine/runtime/embedder.h"

#include <memory>
#include <string>

#include "engine/runtime/kv_cache.h"

namespace inferno {
namespace {

// The part of one input a forward pass evaluates.
struct Part {
  size_t input;
  int first;  // position of its first token
  int count;
};

// Which parts of the inputs, from (*next, *offset) on, the next forward pass evaluates: whole
// inputs while they fit in `budget` rows; a causal model then starts the next one too (its
// remaining tokens follow in the next pass), a bidirectional one waits, except that an input
// alone larger than the budget goes whole (the caller makes room).
std::vector<Part> NextParts(const std::vector<std::vector<int32_t>>& inputs, bool causal,
                            int budget, size_t* next, int* offset) {
  std::vector<Part> parts;
  while (*next < inputs.size() && budget > 0) {
    const int remaining = int(inputs[*next].size()) - *offset;
    const bool whole = remaining <= budget || (!causal && parts.empty());
    if (!whole && !causal) break;
    const int count = whole ? remaining : budget;
    parts.push_back({*next, *offset, count});
    budget -= count;
    *offset += count;
    if (whole) {
      ++*next;
      *offset = 0;
    }
  }
  return parts;
}

// The inputs' state between passes: their caches and the final hidden states so far.
struct Pending {
  std::unique_ptr<KvCache> cache;  // sized to the input; made on its first pass
  std::vector<float> states;       // [tokens evaluated][n_embd]
};

// One forward pass over `parts`; appends each part's final hidden states to its input's.
void RunPass(const Model& model, ThreadPool& pool, ForwardState& state, const EmbedRequest& request,
             std::span<const Part> parts, std::vector<Pending>& pending) {
  const ModelConfig& c = model.config();
  std::vector<int32_t> tokens, positions, rows;
  std::vector<KvCache*> caches;
  for (const Part& part : parts) {
    const std::vector<int32_t>& input = request.inputs[part.input];
    Pending& p = pending[part.input];
    // Sized to the input rather than the context: the pass only ever holds these tokens.
    if (!p.cache) p.cache = std::make_unique<KvCache>(c, int(input.size()));
    for (int i = 0; i < part.count; ++i) {
      rows.push_back(int32_t(tokens.size()));
      tokens.push_back(input[part.first + i]);
      positions.push_back(part.first + i);
      caches.push_back(p.cache.get());
    }
  }
  // A bidirectional input longer than the batch gets a scratch of its own size.
  std::unique_ptr<ForwardState> larger;
  ForwardState* s = &state;
  if (int(tokens.size()) > state.max_tokens) {
    larger = std::make_unique<ForwardState>(c, int(tokens.size()));
    s = larger.get();
  }
  std::vector<float> hidden(tokens.size() * size_t(c.n_embd));
  ForwardHidden(model, pool, caches, tokens, positions, rows, *s, hidden.data());
  size_t row = 0;
  for (const Part& part : parts) {
    std::vector<float>& states = pending[part.input].states;
    const size_t n = size_t(part.count) * c.n_embd;
    states.insert(states.end(), hidden.begin() + row, hidden.begin() + row + n);
    row += n;
  }
}

// The pooled, normalised (and truncated) vector of a finished input; frees its state.
std::vector<float> Finish(Pending& p, Pooling pooling, int n_embd, int dimensions) {
  std::vector<float> v(n_embd);
  PoolStates(pooling, p.states.data(), int(p.states.size() / n_embd), v);
  L2Normalize(v);
  TruncateEmbedding(v, dimensions);
  p = Pending{};
  return v;
}

}  // namespace

std::vector<int32_t> EmbeddingTokens(const Tokenizer& tokenizer, std::string_view text) {
  return tokenizer.Encode(text, /*add_special=*/true, /*parse_special=*/true);
}

Status CheckEmbedRequest(const EmbedRequest& request, const ModelConfig& config, int n_ctx) {
  if (request.inputs.empty()) return Status::InvalidArgument("input is empty");
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    const std::vector<int32_t>& input = request.inputs[i];
    const std::string name = "input[" + std::to_string(i) + "]";
    if (input.empty()) return Status::InvalidArgument(name + " is empty");
    if (int(input.size()) > n_ctx) {
      return Status::InvalidArgument(name + " has " + std::to_string(input.size()) +
                                     " tokens, more than the context of " + std::to_string(n_ctx));
    }
    for (int32_t id : input) {
      if (id < 0 || id >= config.n_vocab) {
        return Status::InvalidArgument(name + ": token id " + std::to_string(id) +
                                       " is outside the vocabulary (0.." +
                                       std::to_string(config.n_vocab - 1) + ")");
      }
    }
  }
  if (request.dimensions < 0 || request.dimensions > config.n_embd) {
    return Status::InvalidArgument("dimensions " + std::to_string(request.dimensions) +
                                   " is outside 1.." + std::to_string(config.n_embd) +
                                   " (the model's embedding size)");
  }
  return EffectivePooling(config.pooling, request.pooling).status();
}

Result<EmbedResult> Embed(const Model& model, ThreadPool& pool, ForwardState& state,
                          const EmbedRequest& request) {
  const ModelConfig& c = model.config();
  Result<Pooling> pooling = EffectivePooling(c.pooling, request.pooling);
  if (!pooling.ok()) return pooling.status();
  EmbedResult result;
  result.pooling = *pooling;
  result.embeddings.resize(request.inputs.size());
  std::vector<Pending> pending(request.inputs.size());
  size_t next = 0;
  int offset = 0;
  while (next < request.inputs.size()) {
    const std::vector<Part> parts =
        NextParts(request.inputs, c.causal_attention, state.max_tokens, &next, &offset);
    RunPass(model, pool, state, request, parts, pending);
    for (const Part& part : parts) {
      result.prompt_tokens += part.count;
      if (part.first + part.count == int(request.inputs[part.input].size())) {
        result.embeddings[part.input] =
            Finish(pending[part.input], *pooling, c.n_embd, request.dimensions);
      }
    }
  }
  return result;
}

void TruncateEmbedding(std::vector<float>& v, int dimensions) {
  if (dimensions <= 0 || dimensions >= int(v.size())) return;
  v.resize(dimensions);
  L2Normalize(v);
}

}  // namespace inferno
