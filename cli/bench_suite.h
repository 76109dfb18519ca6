// `inferno bench --suite` / `--summary` and the hidden `bench-worker` it runs per model.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace inferno::cli {

struct SuiteCliOptions {
  std::vector<std::string> models;   // --models a.gguf,b.gguf
  bool all = false;                  // --all: every GGUF in the models dir
  bool images = false;               // --images: the image category
  bool audio = false;                // --audio: the audio category
  std::vector<std::string> mmprojs;  // --mmproj, one per model (--images)
  std::string media;                 // --media: the source picture or recording
  std::string models_dir;
  std::string prompt_sizes;  // empty: the category's defaults
  int generate = 64;
  int repetitions = 3;
  int threads = 0;
  std::string csv = "benchmarks/results.csv";
  std::string log_dir = "logs";
  std::string summary_out;  // also write the summary here after the run (optional)
  std::string data_dir;     // the run is also stored in <data_dir>/inferno.db if it exists
  bool no_store = false;
};

int RunSuiteCli(const SuiteCliOptions& options);
int RunSummaryCli(const std::string& csv_path, const std::string& md_path);
void AddBenchWorkerCommand(CLI::App& root, int* exit_code);

// This executable (/proc/self/exe), which runs the bench workers.
std::string SelfBinaryPath();

}  // namespace inferno::cli
