// The command line's reader of the request schema (engine/request/fields.h): one flag per
// table field, named, documented and bounded by its row, so `run` and `debug` accept the same
// values as the HTTP and WebSocket APIs, with the same messages.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/request/fields.h"
#include "engine/util/status.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace inferno::cli {

class RequestFlags {
 public:
  struct Options {
    std::vector<request::Group> groups;                   // which fields get a flag
    std::vector<const request::Field*> skip;              // none for these
    std::map<const request::Field*, std::string> rename;  // a command's own flag names
  };

  // Adds the flags to `cmd`; their help shows `defaults`' values (the command's defaults).
  void Add(CLI::App* cmd, const GenerateRequest& defaults, const Options& options);
  // Sets every flag given on the command line on `req`; the error names the flag.
  Status Apply(GenerateRequest* req) const;

 private:
  struct Flag {
    const request::Field* field;
    CLI::Option* option;
    std::vector<std::string> text;  // what was given (bools: set by the flag)
    bool given = false;
  };
  std::deque<Flag> flags_;  // stable addresses: CLI11 writes into them
};

}  // namespace inferno::cli
