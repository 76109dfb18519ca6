// Helpers shared by the CLI subcommands.
#pragma once

#include <string>
#include <string_view>

#include "engine/util/status.h"

namespace inferno::cli {

// Replaces bytes that are not part of well-formed UTF-8 with U+FFFD so the text can go
// into JSON (a token piece may be a lone byte of a multi-byte character).
std::string ToValidUtf8(std::string_view s);

// Reads a whole file (prompt files).
Result<std::string> ReadFile(const std::string& path);

// Default worker count: the machine's hardware threads.
int DefaultThreads();

}  // namespace inferno::cli
