// Whisper's languages in token order (OpenAI's whisper/tokenizer.py LANGUAGES, as whisper.cpp's
// g_lang): language i is token sot + 1 + i.
#pragma once

#include <span>
#include <string_view>

namespace inferno::audio {

std::span<const std::string_view> LanguageCodes();
// Whisper's English names of the languages, in the same order ("english", as OpenAI's
// verbose_json reports the language).
std::span<const std::string_view> LanguageNames();
// Index of a code ("en"), or -1.
int LanguageIndex(std::string_view code);

}  // namespace inferno::audio
