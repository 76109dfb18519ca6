// Helpers shared by the CLI subcommands.
#pragma once

#include <string>
#include <string_view>

#include "engine/util/status.h"
#include "engine/util/utf8.h"

namespace inferno::cli {

// Reads a whole file (prompt files).
Result<std::string> ReadFile(const std::string& path);

// Default worker count: the machine's hardware threads.
int DefaultThreads();

}  // namespace inferno::cli
