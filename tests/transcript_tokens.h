// The token ids of a transcript's segments, as the speech tests compare them with
// whisper.cpp's oracles (tools/zoo/whisper.sh).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <vector>

namespace inferno::testing {

// Every segment's "tokens", flattened: objects with an "id" (whisper.cpp's oracles, `inferno
// transcribe --json`) or plain ids (OpenAI's verbose_json).
inline std::vector<int64_t> SegmentTokenIds(const boost::json::array& segments) {
  std::vector<int64_t> ids;
  for (const boost::json::value& s : segments) {
    for (const boost::json::value& t : s.at("tokens").as_array()) {
      ids.push_back(t.is_object() ? t.at("id").as_int64() : t.as_int64());
    }
  }
  return ids;
}

}  // namespace inferno::testing
