// Runs the `inferno` binary (or any program) as a child process for end-to-end tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace inferno::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 if it did not exit normally (signal)
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs argv[0] with arguments (no shell), capturing stdout and stderr.
ProcessResult RunProcess(const std::vector<std::string>& argv);

// Path of the built `inferno` binary (compile definition INFERNO_BINARY).
std::string InfernoBinary();
// Path of ../shared (compile definition INFERNO_SHARED_DIR).
std::string SharedDir();
// Path of a fixture GGUF in ../shared/fixtures/models, by file stem.
std::string FixtureModel(const std::string& stem = "llama-tiny-Q8_0");
// An empty directory <tmp>/inferno_<suite>_<name>_<pid> (cleared if it existed).
std::filesystem::path FreshTempDir(const std::string& suite, const std::string& name);
// The bytes of a file ("" when it cannot be read).
std::string ReadAll(const std::filesystem::path& path);
// `s` without the spaces and newlines at its ends: how a reply that `inferno run` printed is
// compared with a reference reply.
std::string TrimReply(const std::string& s);

}  // namespace inferno::testing
