#include "engine/audio/languages.h"

#include <algorithm>
#include <array>

namespace inferno::audio {

namespace {
constexpr std::array<std::string_view, 100> kCodes = {
    "en", "zh", "de", "es",  "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
    "it", "id", "hi", "fi",  "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
    "th", "ur", "hr", "bg",  "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
    "az", "sl", "kn", "et",  "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
    "gl", "mr", "pa", "si",  "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
    "am", "yi", "lo", "uz",  "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
    "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue"};
constexpr std::array<std::string_view, 100> kNames = {
    "english",  "chinese",    "german",         "spanish",     "russian",    "korean",
    "french",   "japanese",   "portuguese",     "turkish",     "polish",     "catalan",
    "dutch",    "arabic",     "swedish",        "italian",     "indonesian", "hindi",
    "finnish",  "vietnamese", "hebrew",         "ukrainian",   "greek",      "malay",
    "czech",    "romanian",   "danish",         "hungarian",   "tamil",      "norwegian",
    "thai",     "urdu",       "croatian",       "bulgarian",   "lithuanian", "latin",
    "maori",    "malayalam",  "welsh",          "slovak",      "telugu",     "persian",
    "latvian",  "bengali",    "serbian",        "azerbaijani", "slovenian",  "kannada",
    "estonian", "macedonian", "breton",         "basque",      "icelandic",  "armenian",
    "nepali",   "mongolian",  "bosnian",        "kazakh",      "albanian",   "swahili",
    "galician", "marathi",    "punjabi",        "sinhala",     "khmer",      "shona",
    "yoruba",   "somali",     "afrikaans",      "occitan",     "georgian",   "belarusian",
    "tajik",    "sindhi",     "gujarati",       "amharic",     "yiddish",    "lao",
    "uzbek",    "faroese",    "haitian creole", "pashto",      "turkmen",    "nynorsk",
    "maltese",  "sanskrit",   "luxembourgish",  "myanmar",     "tibetan",    "tagalog",
    "malagasy", "assamese",   "tatar",          "hawaiian",    "lingala",    "hausa",
    "bashkir",  "javanese",   "sundanese",      "cantonese"};
}  // namespace

std::span<const std::string_view> LanguageCodes() { return kCodes; }
std::span<const std::string_view> LanguageNames() { return kNames; }

int LanguageIndex(std::string_view code) {
  auto it = std::find(kCodes.begin(), kCodes.end(), code);
  return it == kCodes.end() ? -1 : int(it - kCodes.begin());
}

}  // namespace inferno::audio
