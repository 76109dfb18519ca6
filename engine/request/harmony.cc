#include "engine/request/harmony.h"

#include <algorithm>
#include <array>

namespace inferno {
namespace {

constexpr std::string_view kStart = "<|start|>";
constexpr std::string_view kChannel = "<|channel|>";
constexpr std::string_view kMessage = "<|message|>";
constexpr std::string_view kConstrain = "<|constrain|>";
constexpr std::string_view kEnd = "<|end|>";
constexpr std::string_view kReturn = "<|return|>";
constexpr std::string_view kCall = "<|call|>";
constexpr std::array<std::string_view, 7> kMarkers = {kStart, kChannel, kMessage, kConstrain,
                                                      kEnd,   kReturn,  kCall};

// How many bytes at the end of `s` could be the start of a marker still being generated.
size_t PartialMarkerLength(std::string_view s) {
  const size_t from = s.size() > 16 ? s.size() - 16 : 0;  // longer than any marker
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] != '<') continue;
    const std::string_view tail = s.substr(i);
    for (std::string_view m : kMarkers) {
      if (m.size() > tail.size() && m.substr(0, tail.size()) == tail) return tail.size();
    }
  }
  return 0;
}

bool StartsHeader(std::string_view s) { return s.starts_with(kStart) || s.starts_with(kChannel); }

// A header word ends at a space or the next marker.
std::string_view Word(std::string_view h, size_t* pos) {
  const size_t begin = *pos;
  while (*pos < h.size() && h[*pos] != ' ' && h[*pos] != '<') ++*pos;
  return h.substr(begin, *pos - begin);
}

// Parses "<|start|>ROLE[ to=R]<|channel|>CHANNEL[ to=R][ [<|constrain|>]FORMAT]" (any part
// may be missing) into m.
void ParseHeader(std::string_view h, HarmonyMessage* m) {
  size_t pos = 0;
  if (h.starts_with(kStart)) {
    pos = kStart.size();
    m->role = Word(h, &pos);
  }
  while (pos < h.size()) {
    const std::string_view rest = h.substr(pos);
    if (rest.starts_with(kChannel)) {
      pos += kChannel.size();
      m->channel = Word(h, &pos);
    } else if (rest.starts_with(" to=")) {
      pos += 4;
      m->recipient = Word(h, &pos);
    } else if (rest.starts_with(kConstrain)) {
      pos += kConstrain.size();
      m->format = Word(h, &pos);
    } else if (h[pos] == ' ') {
      ++pos;
    } else if (h[pos] == '<') {
      ++pos;  // an unknown marker: skip its bytes
    } else {
      m->format = Word(h, &pos);  // "commentary json": a format without <|constrain|>
    }
  }
}

// Reads a body starting at `pos` into m; returns where the next message starts.
size_t ReadBody(std::string_view text, size_t pos, HarmonyMessage* m) {
  size_t stop = std::string_view::npos, next = text.size();
  for (std::string_view end : {kEnd, kReturn, kCall, kStart, kChannel}) {
    const size_t at = text.find(end, pos);
    if (at >= stop) continue;
    stop = at;
    // Only the three end markers close a message; a header that starts inside a body means
    // the model skipped the end.
    m->complete = end == kEnd || end == kReturn || end == kCall;
    next = m->complete ? at + end.size() : at;
  }
  if (stop == std::string_view::npos) {
    m->complete = false;
    stop = text.size() - PartialMarkerLength(text.substr(pos));
  }
  m->text = std::string(text.substr(pos, stop - pos));
  return next;
}

// Text outside any message (before the first header, or a model ignoring the format): up to
// the next header, as a message without channel.
size_t ReadStray(std::string_view text, size_t pos, HarmonyMessage* m) {
  size_t stop = std::min(text.find(kStart, pos), text.find(kChannel, pos));
  size_t next = stop;
  if (stop == std::string_view::npos) {
    stop = text.size() - PartialMarkerLength(text.substr(pos));
    next = text.size();
  }
  m->text = std::string(text.substr(pos, stop - pos));
  m->complete = next != text.size();
  return next;
}

void Append(std::string* out, const std::string& text) {
  if (text.empty()) return;
  if (!out->empty()) *out += '\n';
  *out += text;
}

}  // namespace

HarmonyParse ParseHarmony(std::string_view text, const HarmonyOptions& options) {
  HarmonyParse out;
  size_t pos = 0;
  if (!options.open_channel.empty()) {
    HarmonyMessage m;
    m.channel = std::string(options.open_channel);
    pos = ReadBody(text, 0, &m);
    out.messages.push_back(std::move(m));
  }
  while (pos < text.size()) {
    HarmonyMessage m;
    const std::string_view rest = text.substr(pos);
    if (!StartsHeader(rest)) {
      pos = ReadStray(text, pos, &m);
    } else {
      const size_t body = text.find(kMessage, pos);
      if (body == std::string_view::npos) break;  // a header still being generated
      ParseHeader(text.substr(pos, body - pos), &m);
      pos = ReadBody(text, body + kMessage.size(), &m);
    }
    out.messages.push_back(std::move(m));
  }
  for (const HarmonyMessage& m : out.messages) {
    if (m.channel == "analysis" && m.recipient.empty()) {
      Append(&out.reasoning, m.text);
    } else if (m.channel.empty() && m.role.empty() &&
               m.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      continue;  // blank text between messages
    } else if (m.recipient.empty() &&
               (m.channel == "final" || m.channel == "commentary" || m.channel.empty())) {
      Append(&out.content, m.text);
    }
  }
  return out;
}

}  // namespace inferno
