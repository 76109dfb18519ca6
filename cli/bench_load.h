// `inferno bench --url URL --model M --concurrency 1,4,16,64`: a load sweep against an
// OpenAI-compatible server (cli/bench_load.cc).
#pragma once

#include <string>

namespace inferno::cli {

struct LoadCliOptions {
  std::string url;    // the server's base URL (a trailing /v1 is dropped)
  std::string model;  // the id that server knows the model by
  std::string concurrency = "1,4,16,64";
  int requests = 0;  // per level; 0: max(8, 2 x the level)
  int prompt_words = 64;
  int max_tokens = 64;
  double timeout_s = 120;  // silence after which a request is given up
  std::string key_env, key_file;
  std::string data_dir;  // the run is stored in <data_dir>/inferno.db when it exists
  bool no_store = false;
  bool json = false;
};

int RunLoadCli(const LoadCliOptions& options);

}  // namespace inferno::cli
