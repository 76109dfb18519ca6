#include "server/speech_model_json.h"

#include "store/timestamps.h"

namespace inferno::server {

namespace json = boost::json;

namespace {

json::array Capabilities(const SpeechModelInfo& m) {
  json::array caps{json::string("transcription")};
  if (m.multilingual) caps.push_back("translation");
  return caps;
}

}  // namespace

json::object SpeechModelObject(const SpeechModelInfo& m) {
  json::object o{{"id", m.id},
                 {"object", "model"},
                 {"created", m.modified},
                 {"owned_by", "inferno"},
                 {"type", "speech"},
                 {"kind", "speech"},
                 {"capabilities", Capabilities(m)},
                 {"size_bytes", m.size_bytes},
                 {"quant", m.quant},
                 {"architecture", "whisper"},
                 {"size", m.size_name},
                 {"multilingual", m.multilingual},
                 {"loaded", m.loaded}};
  if (!m.error.empty()) o["error"] = m.error;
  return o;
}

json::object SpeechOllamaModel(const SpeechModelInfo& m) {
  return json::object{{"name", m.id},
                      {"model", m.id},
                      {"modified_at", store::FormatIso8601(m.modified * 1000)},
                      {"size", m.size_bytes},
                      {"kind", "speech"},
                      {"capabilities", Capabilities(m)},
                      {"details", json::object{{"parent_model", ""},
                                               {"format", "ggml"},
                                               {"family", "whisper"},
                                               {"families", json::array{json::string("whisper")}},
                                               {"parameter_size", m.size_name},
                                               {"quantization_level", m.quant}}}};
}

}  // namespace inferno::server
