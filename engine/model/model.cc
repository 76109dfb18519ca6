#include "engine/model/model.h"

#include <chrono>

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

}  // namespace inferno
