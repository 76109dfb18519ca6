// Whisper in GGUF: the same hyper-parameters, mel filterbank, vocabulary and tensors as
// whisper.cpp's .bin (whisper_file.h), as GGUF metadata and tensors, so one loader reads both and
// they transcribe identically. Keys (docs/speech.md):
//   general.architecture       "whisper"
//   general.file_type          whisper.cpp's ftype (0 F32, 1 F16, 8 Q5_0, 7 Q8_0, ...)
//   whisper.vocab_size          n_vocab
//   whisper.audio.context_length / embedding_length / head_count / block_count
//                               n_audio_ctx / n_audio_state / n_audio_head / n_audio_layer
//   whisper.text.context_length / embedding_length / head_count / block_count
//                               n_text_ctx / n_text_state / n_text_head / n_text_layer
//   whisper.audio.mel_count     n_mels
//   whisper.mel_filters         float32 array [n_mels][201], the filterbank of the .bin
//   tokenizer.ggml.model        "whisper"
//   tokenizer.ggml.tokens       the .bin's byte-level tokens as GPT-2's printable characters
//                               (the bytes are not always UTF-8; GGUF strings must be)
// Tensors keep whisper.cpp's names, shapes (fastest dimension first) and types.
#pragma once

#include <memory>
#include <string>

#include "engine/audio/whisper_file.h"
#include "engine/gguf/gguf_file.h"

namespace inferno::audio {

inline constexpr const char* kWhisperArch = "whisper";

// Writes f as GGUF to path (tensors streamed from f's mapping).
Status WriteWhisperGguf(const WhisperFile& f, const std::string& path);

// Reads the hyper-parameters, filterbank and vocabulary from an open GGUF of the form above.
Status ReadWhisperGgufHeader(const gguf::File& g, WhisperHparams* hp, MelFilters* filters,
                             WhisperVocab* vocab);

}  // namespace inferno::audio
