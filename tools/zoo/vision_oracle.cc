// vision_oracle: what llama.cpp's mtmd makes of an image with an mmproj and a language model,
// for tests/vision_parity_test.cc. Built by tools/zoo/vision.sh against the peer's static
// libraries (libmtmd, libllama, ggml); it only calls their public API.
//
// usage: vision_oracle LM.gguf MMPROJ.gguf IMAGE PROMPT N_PREDICT OUT.json OUT.rgb
//
// OUT.rgb: the pixels mtmd decoded (stb_image, RGB8, rows top to bottom). OUT.json: the image
// size, the prompt's chunks (text token ids; image token count), the image embeddings
// mtmd_encode_chunk computes (one row per image token), and greedy decoding after the whole
// prompt: each step's token, its logit and the gap to the runner-up. Flash attention is off in
// the encoder and the language model (the f32 attention path, as oracle_dump uses), 2 threads.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "llama.h"
#include "mtmd-helper.h"
#include "mtmd.h"

namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "vision_oracle: %s\n", why.c_str());
  std::exit(1);
}

void PrintFloats(FILE* f, const float* v, size_t n) {
  std::fputc('[', f);
  for (size_t i = 0; i < n; ++i) std::fprintf(f, "%s%.9g", i ? "," : "", v[i]);
  std::fputc(']', f);
}

struct Step {
  llama_token token;
  float logit, gap;
};

// Greedy steps after the prompt; `lctx` holds the prompt's logits for the last position.
std::vector<Step> Greedy(llama_context* lctx, const llama_vocab* vocab, int n_predict) {
  std::vector<Step> steps;
  const int n_vocab = llama_vocab_n_tokens(vocab);
  for (int i = 0; i < n_predict; ++i) {
    const float* logits = llama_get_logits_ith(lctx, -1);
    int best = 0, second = -1;
    for (int t = 1; t < n_vocab; ++t) {
      if (logits[t] > logits[best]) {
        second = best;
        best = t;
      } else if (second < 0 || logits[t] > logits[second]) {
        second = t;
      }
    }
    steps.push_back({best, logits[best], logits[best] - logits[second]});
    if (llama_vocab_is_eog(vocab, best)) break;
    llama_token tok = best;
    if (llama_decode(lctx, llama_batch_get_one(&tok, 1)) != 0) Die("decode failed");
  }
  return steps;
}

void WriteRgb(const char* path, const mtmd_bitmap* bmp) {
  FILE* f = std::fopen(path, "wb");
  if (f == nullptr) Die(std::string("cannot write ") + path);
  std::fwrite(mtmd_bitmap_get_data(bmp), 1, mtmd_bitmap_get_n_bytes(bmp), f);
  std::fclose(f);
}

// The chunks, with the embeddings of each image chunk.
void WriteChunks(FILE* f, mtmd_context* mctx, const mtmd_input_chunks* chunks, int n_embd) {
  std::fprintf(f, "\"chunks\":[");
  for (size_t c = 0; c < mtmd_input_chunks_size(chunks); ++c) {
    const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks, c);
    std::fprintf(f, "%s{", c ? "," : "");
    if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
      size_t n = 0;
      const llama_token* toks = mtmd_input_chunk_get_tokens_text(chunk, &n);
      std::fprintf(f, "\"type\":\"text\",\"tokens\":[");
      for (size_t i = 0; i < n; ++i) std::fprintf(f, "%s%d", i ? "," : "", toks[i]);
      std::fprintf(f, "]}");
      continue;
    }
    const size_t n_tok = mtmd_input_chunk_get_n_tokens(chunk);
    if (mtmd_encode_chunk(mctx, chunk) != 0) Die("mtmd_encode_chunk failed");
    const float* embd = mtmd_get_output_embd(mctx);
    std::fprintf(f, "\"type\":\"image\",\"n_tokens\":%zu,\"embeddings\":[", n_tok);
    for (size_t t = 0; t < n_tok; ++t) {
      if (t) std::fputc(',', f);
      PrintFloats(f, embd + t * n_embd, size_t(n_embd));
    }
    std::fprintf(f, "]}");
  }
  std::fprintf(f, "],");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) Die("usage: LM MMPROJ IMAGE PROMPT N_PREDICT OUT.json OUT.rgb");
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (model == nullptr) Die(std::string("cannot load ") + argv[1]);
  mtmd_context_params vp = mtmd_context_params_default();
  vp.use_gpu = false;
  vp.n_threads = 2;
  vp.print_timings = false;
  vp.warmup = false;
  vp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  mtmd_context* mctx = mtmd_init_from_file(argv[2], model, vp);
  if (mctx == nullptr) Die(std::string("cannot load mmproj ") + argv[2]);
  mtmd_helper_bitmap_wrapper bmp = mtmd_helper_bitmap_init_from_file(mctx, argv[3], false);
  if (bmp.bitmap == nullptr) Die(std::string("cannot decode ") + argv[3]);
  WriteRgb(argv[7], bmp.bitmap);

  const std::string prompt = argv[4];
  mtmd_input_text text{prompt.c_str(), prompt.size(), true, true};
  mtmd_input_chunks* chunks = mtmd_input_chunks_init();
  const mtmd_bitmap* bitmaps[] = {bmp.bitmap};
  if (mtmd_tokenize(mctx, chunks, &text, bitmaps, 1) != 0) Die("mtmd_tokenize failed");

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 1024;
  cp.n_batch = 512;
  cp.n_threads = cp.n_threads_batch = 2;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  llama_context* lctx = llama_init_from_model(model, cp);
  const int n_embd = llama_model_n_embd_inp(model);

  FILE* f = std::fopen(argv[6], "w");
  if (f == nullptr) Die(std::string("cannot write ") + argv[6]);
  std::fprintf(f, "{\"image\":{\"width\":%u,\"height\":%u},\"n_embd\":%d,\"prompt\":\"",
               mtmd_bitmap_get_nx(bmp.bitmap), mtmd_bitmap_get_ny(bmp.bitmap), n_embd);
  for (char ch : prompt)
    std::fprintf(f, ch == '"' || ch == '\\' ? "\\%c" : ch == '\n' ? "\\n" : "%c", ch);
  std::fprintf(f, "\",");
  WriteChunks(f, mctx, chunks, n_embd);

  llama_pos n_past = 0;
  if (mtmd_helper_eval_chunks(mctx, lctx, chunks, 0, 0, cp.n_batch, true, &n_past) != 0) {
    Die("mtmd_helper_eval_chunks failed");
  }
  const std::vector<Step> steps = Greedy(lctx, llama_model_get_vocab(model), std::atoi(argv[5]));
  std::fprintf(f, "\"n_past\":%d,\"greedy\":[", int(n_past));
  for (size_t i = 0; i < steps.size(); ++i) {
    std::fprintf(f, "%s{\"token\":%d,\"logit\":%.9g,\"gap\":%.9g}", i ? "," : "", steps[i].token,
                 steps[i].logit, steps[i].gap);
  }
  std::fprintf(f, "]}\n");
  std::fclose(f);
  mtmd_input_chunks_free(chunks);
  mtmd_bitmap_free(bmp.bitmap);
  llama_free(lctx);
  mtmd_free(mctx);
  llama_model_free(model);
  return 0;
}
