// A transcript as text: whisper-cli's timestamped lines, SubRip (.srt) and WebVTT (.vtt), the
// formats `inferno transcribe` prints (and /v1/audio/transcriptions will return).
#pragma once

#include <cstdint>
#include <string>

#include "engine/audio/transcribe.h"

namespace inferno::audio {

// Centiseconds as HH:MM:SS.mmm ("," before the milliseconds when `comma`, as SRT wants).
std::string Timestamp(int64_t centiseconds, bool comma);

// "[00:00:00.000 --> 00:00:05.120]  text" per segment, as whisper-cli prints; a transcript
// decoded without timestamps is its text on one line, as whisper-cli -nt prints it.
std::string FormatLines(const Transcript& t);
// SubRip and WebVTT: one cue per segment (per 30 s window when decoded without timestamps).
std::string FormatSrt(const Transcript& t);
std::string FormatVtt(const Transcript& t);

}  // namespace inferno::audio
