#include "tests/oracle_compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "tests/subprocess.h"

namespace inferno::testing {
namespace {

namespace fs = std::filesystem;

std::vector<int32_t> IntArray(const boost::json::value& v) {
  std::vector<int32_t> out;
  for (const auto& x : v.as_array()) out.push_back(int32_t(x.to_number<int64_t>()));
  return out;
}

std::vector<fs::path> OracleFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<float> OracleLogits(const fs::path& json) {
  const std::string bytes = ReadAll(json.string().substr(0, json.string().size() - 5) + ".f32");
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

// oracle_dump writes each step's piece as raw bytes, and a byte-fallback token can be half a
// UTF-8 character; the pieces are only for messages, so such bytes are let through.
boost::json::object ReadOracle(const fs::path& path) {
  boost::json::parse_options raw_pieces;
  raw_pieces.allow_invalid_utf8 = true;
  return boost::json::parse(ReadAll(path.string()), {}, raw_pieces).as_object();
}

double MeanAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 1e30;
  return CompareLogits(a, b).mean_abs;
}

}  // namespace

std::vector<float> StepZeroLogits(const Model& m, const std::vector<int32_t>& prompt, int n_ctx,
                                  const KvCacheTypes& kv_types) {
  ThreadPool pool(2);
  KvCache cache(m.config(), std::max(int(prompt.size()) + 1, n_ctx), kv_types);
  ForwardState state(m.config(), int(prompt.size()));
  std::vector<int32_t> positions(prompt.size());
  for (size_t i = 0; i < positions.size(); ++i) positions[i] = int32_t(i);
  std::vector<float> logits(m.config().n_vocab);
  Forward(m, pool, cache, prompt, positions, state, logits.data());
  return logits;
}

std::vector<double> MeanLogitDistance(const std::string& model_path,
                                      const std::string& oracle_dir) {
  std::vector<double> out;
  Result<std::unique_ptr<Model>> model = Model::Load(model_path);
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return out;
  for (const fs::path& path : OracleFiles(oracle_dir)) {
    const boost::json::object oracle = ReadOracle(path);
    out.push_back(MeanAbsDiff(StepZeroLogits(**model, IntArray(oracle.at("prompt_tokens"))),
                              OracleLogits(path)));
  }
  return out;
}

std::vector<double> MeanOracleDistance(const std::string& oracle_a, const std::string& oracle_b) {
  std::vector<double> out;
  for (const fs::path& path : OracleFiles(oracle_a)) {
    out.push_back(
        MeanAbsDiff(OracleLogits(path), OracleLogits(fs::path(oracle_b) / path.filename())));
  }
  return out;
}

LogitDiff CompareLogits(const std::vector<float>& got, const std::vector<float>& want) {
  LogitDiff diff;
  double sum = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double d = std::fabs(double(want[i]) - got[i]);
    sum += d;
    if (d > diff.max_abs) {
      diff.max_abs = d;
      diff.worst = i;
    }
  }
  diff.mean_abs = got.empty() ? 0 : sum / double(got.size());
  return diff;
}

size_t ExpectGreedyMatches(const boost::json::array& steps, const std::vector<int32_t>& got,
                           double near_tie) {
  size_t checked = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    const auto& step = steps[s].as_object();
    if (step.at("gap").to_number<double>() < near_tie) break;
    if (s >= got.size()) {
      ADD_FAILURE() << "generation ended early at step " << s;
      break;
    }
    EXPECT_EQ(got[s], step.at("token").to_number<int64_t>())
        << "step " << s << " (oracle piece '" << step.at("piece").as_string() << "')";
    ++checked;
  }
  return checked;
}

double NearTieGap(double max_abs, double step0_max_diff) {
  return std::max({0.1, max_abs / 2, 2 * step0_max_diff});
}

OracleStats ExpectMatchesOracle(const std::string& model_path, const std::string& oracle_dir,
                                double max_abs, double mean_abs) {
  OracleStats stats;
  Result<std::unique_ptr<Model>> model = Model::Load(model_path);
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return stats;
  const Model& m = **model;
  const std::vector<fs::path> files = OracleFiles(oracle_dir);
  EXPECT_FALSE(files.empty()) << "no oracle in " << oracle_dir;
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.filename().string());
    const boost::json::object oracle = ReadOracle(path);
    const std::vector<int32_t> want_prompt = IntArray(oracle.at("prompt_tokens"));
    const auto& steps = oracle.at("steps").as_array();
    const ProcessResult r = RunProcess({InfernoBinary(), "run", "-m", model_path, "-p",
                                        std::string(oracle.at("prompt").as_string()), "--temp", "0",
                                        "-n", std::to_string(steps.size()), "--json", "-t", "2"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<int32_t> got_prompt, got_tokens;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      const boost::json::object e = boost::json::parse(line).as_object();
      if (e.at("type").as_string() == "prompt") got_prompt = IntArray(e.at("tokens"));
      if (e.at("type").as_string() == "token") {
        got_tokens.push_back(int32_t(e.at("id").to_number<int64_t>()));
      }
    }
    EXPECT_EQ(got_prompt, want_prompt) << "prompt tokens differ";
    const std::vector<float> logits = StepZeroLogits(m, want_prompt);
    const std::vector<float> want = OracleLogits(path);
    if (want.size() != logits.size()) {
      ADD_FAILURE() << path << ": oracle has " << want.size() << " logits, model " << logits.size();
      continue;
    }
    const LogitDiff diff = CompareLogits(logits, want);
    EXPECT_LE(diff.max_abs, max_abs) << "max |logit diff|";
    EXPECT_LE(diff.mean_abs, mean_abs) << "mean |logit diff|";
    stats.greedy_steps +=
        int(ExpectGreedyMatches(steps, got_tokens, NearTieGap(max_abs, diff.max_abs)));
    stats.max_abs = std::max(stats.max_abs, diff.max_abs);
    stats.mean_abs = std::max(stats.mean_abs, diff.mean_abs);
    ++stats.prompts;
  }
  return stats;
}

}  // namespace inferno::testing
