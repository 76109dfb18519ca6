#include "cli/model_files.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cli/bench_suite.h"

namespace inferno::cli {

std::string DefaultDataDir() {
  if (const char* env = std::getenv("INFERNO_DATA_DIR"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/inferno";
}

std::string ResolveModelsDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("INFERNO_MODELS_DIR"); env && *env) return env;
  return DefaultDataDir() + "/models";
}

namespace {

// models/NAME as DemoModelPath() describes it.
std::string BundledModelPath(const char* name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Installed: <prefix>/bin/inferno beside <prefix>/share/inferno/models (the .deb's /usr).
  const fs::path exe_dir = fs::path(SelfBinaryPath()).parent_path();
  const fs::path installed = exe_dir.parent_path() / "share" / "inferno" / "models" / name;
  if (fs::is_regular_file(installed, ec)) return installed.string();
#ifdef INFERNO_SOURCE_MODELS_DIR
  // A build in a checkout: the committed model, while the checkout is there.
  const fs::path in_tree = fs::path(INFERNO_SOURCE_MODELS_DIR) / name;
  if (fs::is_regular_file(in_tree, ec)) return in_tree.string();
#endif
  return "";
}

}  // namespace

std::string DemoModelPath() { return BundledModelPath("inferno-demo-Q8_0.gguf"); }

std::string SpeechModelPath() { return BundledModelPath("inferno-speech.bin"); }

std::string VisionDemoPath() { return BundledModelPath("vision/inferno-demo-vision-Q8_0.gguf"); }

std::string ToolsDemoPath() { return BundledModelPath("inferno-demo-tools-Q8_0.gguf"); }

std::string ShippedPluginsDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe_dir = fs::path(SelfBinaryPath()).parent_path();
  const fs::path installed = exe_dir.parent_path() / "share" / "inferno" / "plugins";
  if (fs::is_directory(installed, ec)) return installed.string();
#ifdef INFERNO_SOURCE_PLUGINS_DIR
  if (fs::is_directory(INFERNO_SOURCE_PLUGINS_DIR, ec)) return INFERNO_SOURCE_PLUGINS_DIR;
#endif
  return "";
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.2f} {}", b, units[u]);
}

std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace inferno::cli
