// whisper.cpp as the speech oracle: built by tools/zoo/whisper.sh against the peer's sources (its
// src/whisper.cpp is compiled into this program so that the mel and the encoder output, which
// whisper.h does not expose, can be read from its state). Flash attention off: whisper.cpp's
// other path (F16 K/V, F16-rounded Q and probabilities) is the one the engine mirrors.
//
// usage: whisper_oracle MODEL AUDIO N_STEPS OUT_PREFIX REPEAT RUNS
// writes OUT_PREFIX.pcm.f32   the 16 kHz mono samples whisper.cpp's reader (miniaudio) decoded,
//                             REPEAT times end to end
//        OUT_PREFIX.mel.f32   the log-mel [n_mel][n_len] of those samples
//        OUT_PREFIX.enc.f32   the encoder output [n_audio_ctx][n_state] of the first window
//        OUT_PREFIX.logits.f32 raw decoder logits [N_STEPS][n_vocab] of greedy argmax decoding
//                             after the prompt <|startoftranscript|><|en|><|transcribe|>
//        OUT_PREFIX.json      sizes, the prompt, the argmax tokens, the detected language
//                             (whisper_lang_auto_detect on the first window), and under "runs"
//                             whisper_full's results (language en, timestamps, previous-window
//                             prompt) for the RUNS named (greedy and beam search 5, with and
//                             without fallback, e.g. "greedy,beam_nofallback"; then "_nt" sets
//                             no_timestamps, whisper-cli's -nt, and "_prompt" sets
//                             initial_prompt, whisper-cli's --prompt, to kPrompt): segments with
//                             t0/t1 and tokens (id, p, plog, t0, t1), and whether whisper_full
//                             said it forced no_timestamps (its rule for distilled models)
#include <cstdio>
#include <cstring>

#include "../src/whisper.cpp"  // NOLINT: the oracle reads whisper.cpp's internal state

// examples/common-whisper.cpp (miniaudio); its header clashes with whisper.cpp's statics.
bool read_audio_data(const std::string& fname, std::vector<float>& pcmf32,
                     std::vector<std::vector<float>>& pcmf32s, bool stereo);

namespace {

// The initial prompt of the "_prompt" runs (tests/whisper_parity_test.cc passes the same text).
// Apostrophes, digits, runs of spaces, punctuation and bytes past ASCII exercise every branch
// of whisper.cpp's word pattern.
const char* const kPrompt =
    "Speech parity, with an initial prompt: it's 2026 --  Inferno's and whisper.cpp's "
    "caf\u00e9 \u6771\u4eac\t\n  ok";

// Set when whisper_full logs that it forced no_timestamps (a first-release distilled model:
// two decoder layers): the oracle's own evidence that the rule fired, not our reading of it.
bool g_forced_no_timestamps = false;

void LogCallback(ggml_log_level level, const char* text, void*) {
  if (strstr(text, "forcing no_timestamps") != nullptr) g_forced_no_timestamps = true;
  if (level >= GGML_LOG_LEVEL_WARN) fputs(text, stderr);
}

void WriteF32(const std::string& path, const float* data, size_t n) {
  FILE* f = fopen(path.c_str(), "wb");
  if (!f || fwrite(data, sizeof(float), n, f) != n) {
    fprintf(stderr, "cannot write %s\n", path.c_str());
    exit(1);
  }
  fclose(f);
}

std::string JsonString(const char* s) {
  std::string out = "\"";
  for (const unsigned char* p = (const unsigned char*)s; *p; ++p) {
    if (*p == '"' || *p == '\\') {
      out += '\\';
      out += char(*p);
    } else if (*p < 0x20) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", *p);
      out += buf;
    } else {
      out += char(*p);
    }
  }
  return out + "\"";
}

// Greedy argmax decoding on the raw logits (no whisper_full filters).
std::string RawGreedy(whisper_context* ctx, int n_steps, const std::string& prefix) {
  const int n_vocab = whisper_n_vocab(ctx);
  std::vector<whisper_token> prompt = {whisper_token_sot(ctx), whisper_token_lang(ctx, 0),
                                       whisper_token_transcribe(ctx)};
  std::vector<float> all;
  std::string toks;
  std::vector<whisper_token> batch = prompt;
  int n_past = 0;
  for (int step = 0; step < n_steps; ++step) {
    if (whisper_decode(ctx, batch.data(), int(batch.size()), n_past, 2) != 0) exit(1);
    n_past += int(batch.size());
    const float* logits = whisper_get_logits(ctx) + size_t(batch.size() - 1) * n_vocab;
    all.insert(all.end(), logits, logits + n_vocab);
    const whisper_token best = whisper_token(std::max_element(logits, logits + n_vocab) - logits);
    toks += (step ? "," : "") + std::to_string(best);
    batch = {best};
  }
  WriteF32(prefix + ".logits.f32", all.data(), all.size());
  std::string p;
  for (size_t i = 0; i < prompt.size(); ++i) p += (i ? "," : "") + std::to_string(prompt[i]);
  return "\"prompt\":[" + p + "],\"raw_tokens\":[" + toks + "]";
}

// One whisper_full run, the way whisper-cli sets it up (beam search when beam_size > 1, best-of
// 5, fallback by +0.2 unless temperature_inc is 0), on a fresh state so that every decoder's
// random generator starts from its seed: segments with t0/t1 and tokens (id, p, plog, t0, t1).
std::string Full(whisper_context* ctx, const std::vector<float>& pcm, int beam_size,
                 float temperature_inc, bool no_timestamps, bool prompt) {
  whisper_full_params fp = whisper_full_default_params(beam_size > 1 ? WHISPER_SAMPLING_BEAM_SEARCH
                                                                     : WHISPER_SAMPLING_GREEDY);
  fp.n_threads = 2;
  fp.language = "en";
  fp.temperature = 0.0f;
  fp.temperature_inc = temperature_inc;
  fp.greedy.best_of = 5;
  fp.beam_search.beam_size = beam_size;
  fp.print_progress = false;
  fp.print_realtime = false;
  fp.print_timestamps = false;
  fp.initial_prompt = prompt ? kPrompt : nullptr;
  fp.no_timestamps = no_timestamps;
  g_forced_no_timestamps = false;
  whisper_state* st = whisper_init_state(ctx);
  if (!st || whisper_full_with_state(ctx, st, fp, pcm.data(), int(pcm.size())) != 0) exit(1);
  std::string out = std::string("{\"forced_no_timestamps\":") +
                    (g_forced_no_timestamps ? "true" : "false") + ",\"segments\":[";
  for (int s = 0; s < whisper_full_n_segments_from_state(st); ++s) {
    out += s ? "," : "";
    out += "{\"t0\":" + std::to_string(whisper_full_get_segment_t0_from_state(st, s)) +
           ",\"t1\":" + std::to_string(whisper_full_get_segment_t1_from_state(st, s)) +
           ",\"text\":" + JsonString(whisper_full_get_segment_text_from_state(st, s)) +
           ",\"tokens\":[";
    for (int t = 0; t < whisper_full_n_tokens_from_state(st, s); ++t) {
      const whisper_token_data d = whisper_full_get_token_data_from_state(st, s, t);
      char buf[160];
      snprintf(buf, sizeof(buf), "%s{\"id\":%d,\"p\":%.6f,\"plog\":%.6f,\"t0\":%lld,\"t1\":%lld}",
               t ? "," : "", d.id, d.p, d.plog, (long long)d.t0, (long long)d.t1);
      out += buf;
    }
    out += "]}";
  }
  whisper_free_state(st);
  return out + "]}";
}

// Strips `suffix` from the end of `name` and says whether it was there.
bool StripSuffix(std::string& name, const std::string& suffix) {
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  name.resize(name.size() - suffix.size());
  return true;
}

// The named runs of RUNS (comma-separated): greedy_nofallback, greedy, beam_nofallback, beam,
// each optionally with "_nt", then optionally with "_prompt".
std::string Runs(whisper_context* ctx, const std::vector<float>& pcm, const std::string& names) {
  std::string out;
  size_t start = 0;
  while (start <= names.size()) {
    const size_t end = std::min(names.find(',', start), names.size());
    const std::string name = names.substr(start, end - start);
    std::string base = name;
    const bool prompt = StripSuffix(base, "_prompt");
    const bool nt = StripSuffix(base, "_nt");
    const bool beam = base.rfind("beam", 0) == 0;
    const bool fallback = base.find("nofallback") == std::string::npos;
    if (base != "greedy" && base != "greedy_nofallback" && base != "beam" &&
        base != "beam_nofallback") {
      fprintf(stderr, "unknown run '%s'\n", name.c_str());
      exit(2);
    }
    out += (out.empty() ? "\"" : ",\"") + name +
           "\":" + Full(ctx, pcm, beam ? 5 : 1, fallback ? 0.2f : 0.0f, nt, prompt);
    start = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s MODEL AUDIO N_STEPS OUT_PREFIX REPEAT RUNS\n", argv[0]);
    return 2;
  }
  const std::string runs = argv[6];
  const std::string prefix = argv[4];
  std::vector<float> pcm;
  std::vector<std::vector<float>> stereo;
  if (!read_audio_data(argv[2], pcm, stereo, false)) return 1;
  const std::vector<float> once = pcm;  // REPEAT copies end to end: audio over several windows
  for (int r = 1; r < atoi(argv[5]); ++r) pcm.insert(pcm.end(), once.begin(), once.end());
  WriteF32(prefix + ".pcm.f32", pcm.data(), pcm.size());

  whisper_log_set(LogCallback, nullptr);
  whisper_context_params cp = whisper_context_default_params();
  cp.use_gpu = false;
  cp.flash_attn = false;
  whisper_context* ctx = whisper_init_from_file_with_params(argv[1], cp);
  if (!ctx) return 1;
  if (whisper_pcm_to_mel(ctx, pcm.data(), int(pcm.size()), 2) != 0) return 1;
  const whisper_mel& mel = ctx->state->mel;
  WriteF32(prefix + ".mel.f32", mel.data.data(), mel.data.size());
  if (whisper_encode(ctx, 0, 2) != 0) return 1;
  ggml_tensor* enc = ctx->state->embd_enc;
  std::vector<float> enc_data(ggml_nelements(enc));
  ggml_backend_tensor_get(enc, enc_data.data(), 0, ggml_nbytes(enc));
  WriteF32(prefix + ".enc.f32", enc_data.data(), enc_data.size());

  // whisper_lang_auto_detect on the first window (after the raw steps, which leave the mel).
  std::vector<float> lang_probs(whisper_lang_max_id() + 1);
  const int lang = whisper_lang_auto_detect(ctx, 0, 2, lang_probs.data());
  if (lang < 0) return 1;
  // whisper_tokenize of the "_prompt" runs' text.
  std::vector<whisper_token> ptoks(1024);
  ptoks.resize(std::max(0, whisper_tokenize(ctx, kPrompt, ptoks.data(), int(ptoks.size()))));
  std::string ptext;
  for (size_t i = 0; i < ptoks.size(); ++i) ptext += (i ? "," : "") + std::to_string(ptoks[i]);
  std::string json =
      "{\"detected_language\":\"" + std::string(whisper_lang_str(lang)) + "\"," +
      "\"initial_prompt\":" + JsonString(kPrompt) + ",\"initial_prompt_tokens\":[" + ptext +
      "],\"n_mel\":" + std::to_string(mel.n_mel) + ",\"n_len\":" + std::to_string(mel.n_len) +
      ",\"n_len_org\":" + std::to_string(mel.n_len_org) +
      ",\"n_samples\":" + std::to_string(pcm.size()) +
      ",\"enc_rows\":" + std::to_string(enc->ne[1]) +
      ",\"enc_cols\":" + std::to_string(enc->ne[0]) +
      ",\"n_vocab\":" + std::to_string(whisper_n_vocab(ctx)) + "," +
      RawGreedy(ctx, atoi(argv[3]), prefix) + ",\"runs\":{" + Runs(ctx, pcm, runs) + "}}\n";
  FILE* f = fopen((prefix + ".json").c_str(), "w");
  fputs(json.c_str(), f);
  fclose(f);
  whisper_free(ctx);
  return 0;
}
