#include "engine/audio/transcript_format.h"

#include <cstdio>

namespace inferno::audio {

namespace {

// Segment text without the leading space Whisper's tokens carry.
std::string Trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b);
}

}  // namespace

std::string Timestamp(int64_t cs, bool comma) {
  const int64_t ms = cs * 10;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld%c%03lld", (long long)(ms / 3600000),
                (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), comma ? ',' : '.',
                (long long)(ms % 1000));
  return buf;
}

std::string FormatLines(const Transcript& t) {
  if (t.no_timestamps) return t.segments.empty() ? "" : t.Text() + "\n";
  std::string out;
  for (const Segment& s : t.segments) {
    out += '[';  // not `"[" + ...`: GCC 12 warns falsely (-Wrestrict) on that form
    out += Timestamp(s.t0, false) + " --> " + Timestamp(s.t1, false) + "]  " + s.text + "\n";
  }
  return out;
}

std::string FormatSrt(const Transcript& t) {
  std::string out;
  for (size_t i = 0; i < t.segments.size(); ++i) {
    const Segment& s = t.segments[i];
    out += std::to_string(i + 1) + "\n" + Timestamp(s.t0, true) + " --> " + Timestamp(s.t1, true) +
           "\n" + Trimmed(s.text) + "\n\n";
  }
  return out;
}

std::string FormatVtt(const Transcript& t) {
  std::string out = "WEBVTT\n\n";
  for (const Segment& s : t.segments) {
    out +=
        Timestamp(s.t0, false) + " --> " + Timestamp(s.t1, false) + "\n" + Trimmed(s.text) + "\n\n";
  }
  return out;
}

}  // namespace inferno::audio
