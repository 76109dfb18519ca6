// `inferno inspect` on a whisper.cpp model file (ggml-*.bin) or its GGUF form: its
// hyper-parameters, vocabulary, tensor types, and whether every tensor Whisper needs is there
// with its shape.
#pragma once

#include <string>

namespace inferno::cli {

// Whether the file starts with whisper.cpp's "ggml" magic.
bool IsWhisperFile(const std::string& path);

// Prints the description (text, or one JSON object) and returns the exit code: 1 when the file
// cannot be run, with the error on stderr.
int InspectWhisper(const std::string& path, bool json);

}  // namespace inferno::cli
