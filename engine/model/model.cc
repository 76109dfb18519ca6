#include "engine/model/model.h"

#include <chrono>

#include "engine/grammar/grammar.h"
#include "engine/grammar/token_trie.h"

namespace inferno {

Result<std::unique_ptr<Model>> Model::Load(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Model> m(new Model());
  Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(path);
  if (!file.ok()) return file.status();
  m->file_ = std::move(file).value();
  Result<ModelConfig> config = ReadModelConfig(*m->file_);
  if (!config.ok()) return config.status();
  m->config_ = std::move(config).value();
  Result<Weights> weights = BindWeights(*m->file_, m->config_);
  if (!weights.ok()) return weights.status();
  m->weights_ = std::move(weights).value();
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::FromGguf(*m->file_);
  if (!tok.ok()) return tok.status();
  m->tokenizer_ = std::move(tok).value();
  if (m->tokenizer_->n_vocab() != m->config_.n_vocab) {
    return Status::Corruption(path + ": tokenizer has " + std::to_string(m->tokenizer_->n_vocab()) +
                              " tokens but 'token_embd.weight' has " +
                              std::to_string(m->config_.n_vocab) + " rows");
  }
  Result<std::string> tmpl = m->file_->GetStringOr("tokenizer.chat_template", "");
  if (!tmpl.ok()) return tmpl.status();
  m->chat_template_ = std::move(tmpl).value();
  m->load_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return m;
}

std::shared_ptr<const grammar::TokenTrie> Model::token_trie() const {
  std::call_once(trie_once_, [this] {
    const Tokenizer& tok = *tokenizer_;
    std::vector<std::string> pieces(size_t(tok.n_vocab()));
    std::vector<bool> text(pieces.size(), false);
    for (int32_t id = 0; id < tok.n_vocab(); ++id) {
      // End-of-generation tokens are left out (the grammar mask adds them by itself where the
      // grammar is complete); control tokens are spelled with grammar::kControlByte before
      // their text, so only a grammar naming them produces them; a text token with that byte
      // could never be valid UTF-8, and is left out so that it cannot pass for a mark.
      const TokenType t = tok.type(id);
      if (tok.IsEndOfGeneration(id)) continue;
      std::string piece = tok.TokenToPiece(id);
      if (t == TokenType::kControl) {
        piece.insert(piece.begin(), char(grammar::kControlByte));
      } else if ((t != TokenType::kNormal && t != TokenType::kByte &&
                  t != TokenType::kUserDefined) ||
                 piece.find(char(grammar::kControlByte)) != std::string::npos) {
        continue;
      }
      pieces[size_t(id)] = std::move(piece);
      text[size_t(id)] = true;
    }
    trie_ = std::make_shared<const grammar::TokenTrie>(pieces, text);
  });
  return trie_;
}

}  // namespace inferno
