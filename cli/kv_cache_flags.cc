#include "cli/kv_cache_flags.h"

#include <CLI/CLI.hpp>

namespace inferno::cli {

namespace {

CLI::Validator KvTypeName() {
  return CLI::Validator(
      [](std::string& name) {
        Result<DType> t = ParseKvCacheType(name);
        return t.ok() ? std::string() : t.status().message();
      },
      "f16|q8_0|q4_0", "KV cache type");
}

DType Parsed(const std::string& name) {
  Result<DType> t = ParseKvCacheType(name);
  return t.ok() ? *t : DType::kF16;  // unreachable: the validator refused other names
}

}  // namespace

void KvCacheFlags::Add(CLI::App* cmd) {
  cmd->add_option("--cache-type-k", k, "KV cache type of keys: f16, q8_0 or q4_0")
      ->capture_default_str()
      ->check(KvTypeName());
  cmd->add_option("--cache-type-v", v, "KV cache type of values: f16, q8_0 or q4_0")
      ->capture_default_str()
      ->check(KvTypeName());
}

KvCacheTypes KvCacheFlags::Types() const { return {Parsed(k), Parsed(v)}; }

}  // namespace inferno::cli
