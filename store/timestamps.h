// Times as the store keeps them (milliseconds since the Unix epoch, UTC) and as the REST API
// shows them (ISO-8601 UTC strings such as "2026-11-25T08:30:00.123Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inferno::store {

int64_t NowMs();

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatIso8601(int64_t ms);

// Accepts "YYYY-MM-DDTHH:MM:SS" with optional fraction and a "Z" or "+HH:MM"/"-HH:MM"
// offset (what our exports and most tools write). nullopt when malformed or out of range.
std::optional<int64_t> ParseIso8601(std::string_view text);

}  // namespace inferno::store
