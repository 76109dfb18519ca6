// kvcache_oracle: llama.cpp's greedy decoding of a prompt with quantized KV caches, written as
// the parity oracle tests/parity_test.cc reads (../shared/fixtures/README.md, "oracle/"), plus
// the cache types it ran with. Built by tools/zoo/kvcache.sh against the peer's static
// libraries; it only calls llama.h.
//
// usage: kvcache_oracle MODEL.gguf PROMPT_FILE N_STEPS OUT.json CACHE_K CACHE_V
//   CACHE_K / CACHE_V: f16, q8_0 or q4_0.
//
// OUT.json: {model, prompt, prompt_tokens, eos, cache_type_k, cache_type_v, flash_attn,
// steps: [{token, piece, gap, top: [[id, logit] x 10]}]}; beside it OUT.f32, the float32
// logits after the prompt. llama.cpp runs a quantized V cache only with flash attention, so
// flash attention is on exactly when V is quantized; otherwise it is off, as for every other
// oracle of the zoo. n_ctx 1024, 2 threads; llama.cpp 2026 applies its Hadamard rotation to
// quantized caches by itself.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "llama.h"

namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "kvcache_oracle: %s\n", why.c_str());
  std::exit(1);
}

ggml_type CacheType(const std::string& name) {
  if (name == "f16") return GGML_TYPE_F16;
  if (name == "q8_0") return GGML_TYPE_Q8_0;
  if (name == "q4_0") return GGML_TYPE_Q4_0;
  Die("unknown cache type '" + name + "' (f16, q8_0, q4_0)");
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string Piece(const llama_vocab* vocab, llama_token t) {
  char buf[256];
  const int n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, true);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

std::string ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(std::string("cannot read ") + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<llama_token> Tokenize(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> toks(text.size() + 8);
  const int n = llama_tokenize(vocab, text.c_str(), int32_t(text.size()), toks.data(),
                               int32_t(toks.size()), true, true);
  if (n < 0) Die("tokenize failed");
  toks.resize(size_t(n));
  return toks;
}

// One step's JSON: the argmax (ties to the lower id), its gap to the runner-up and the top 10.
std::string StepJson(const llama_vocab* vocab, const float* logits, int n_vocab) {
  std::vector<int> idx(static_cast<size_t>(n_vocab));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + 10, idx.end(), [&](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  char num[64];
  std::snprintf(num, sizeof num, "%.6f", logits[idx[0]] - logits[idx[1]]);
  std::string js = "{\"token\":" + std::to_string(idx[0]) +
                   ",\"piece\":" + JsonString(Piece(vocab, idx[0])) + ",\"gap\":" + num +
                   ",\"top\":[";
  for (int k = 0; k < 10; ++k) {
    std::snprintf(num, sizeof num, "%s[%d,%.6f]", k ? "," : "", idx[k], logits[idx[k]]);
    js += num;
  }
  return js + "]}";
}

llama_context* NewContext(llama_model* model, ggml_type k, ggml_type v) {
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 1024;
  cp.n_batch = 1024;
  cp.n_threads = cp.n_threads_batch = 2;
  cp.type_k = k;
  cp.type_v = v;
  cp.flash_attn_type =
      v == GGML_TYPE_F16 ? LLAMA_FLASH_ATTN_TYPE_DISABLED : LLAMA_FLASH_ATTN_TYPE_ENABLED;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (ctx == nullptr) Die("cannot create a context with these cache types");
  return ctx;
}

void WriteLogits(const std::string& json_path, const float* logits, int n_vocab) {
  const std::string path = json_path.substr(0, json_path.size() - 5) + ".f32";
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(logits), std::streamsize(sizeof(float) * n_vocab));
  if (!f) Die("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) Die("usage: MODEL PROMPT_FILE N_STEPS OUT.json CACHE_K CACHE_V");
  const std::string prompt = ReadFile(argv[2]);
  const int n_steps = std::atoi(argv[3]);
  const std::string out = argv[4];
  if (out.size() < 5 || out.substr(out.size() - 5) != ".json") Die("OUT must end in .json");
  const ggml_type type_k = CacheType(argv[5]), type_v = CacheType(argv[6]);

  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (model == nullptr) Die(std::string("cannot load ") + argv[1]);
  const llama_vocab* vocab = llama_model_get_vocab(model);
  llama_context* ctx = NewContext(model, type_k, type_v);

  std::vector<llama_token> toks = Tokenize(vocab, prompt);
  std::string js = "{\"model\":" + JsonString(argv[1]) + ",\"prompt\":" + JsonString(prompt) +
                   ",\"prompt_tokens\":[";
  for (size_t i = 0; i < toks.size(); ++i) js += (i ? "," : "") + std::to_string(toks[i]);
  js += "],\"eos\":" + std::to_string(llama_vocab_eos(vocab)) +
        ",\"cache_type_k\":" + JsonString(argv[5]) + ",\"cache_type_v\":" + JsonString(argv[6]) +
        ",\"flash_attn\":" + (type_v == GGML_TYPE_F16 ? "false" : "true") + ",\"steps\":[";

  if (llama_decode(ctx, llama_batch_get_one(toks.data(), int32_t(toks.size()))) != 0) {
    Die("decode failed");
  }
  const int n_vocab = llama_vocab_n_tokens(vocab);
  for (int s = 0; s < n_steps; ++s) {
    const float* logits = llama_get_logits_ith(ctx, -1);
    if (s == 0) WriteLogits(out, logits, n_vocab);
    const std::string step = StepJson(vocab, logits, n_vocab);
    js += (s ? "," : "") + step;
    llama_token t = llama_token(std::max_element(logits, logits + n_vocab) - logits);
    if (llama_vocab_is_eog(vocab, t)) break;
    if (llama_decode(ctx, llama_batch_get_one(&t, 1)) != 0) Die("decode failed");
  }
  std::ofstream(out) << js << "]}\n";
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
