// The benchmark routes of `inferno serve` over loopback: a run on fixture models streamed as
// SSE and stored (list, get, CSV), a corrupt model recorded as a failure while the run goes
// on, one run at a time (409), cancel, a client that leaves without stopping the run, bad
// requests, the API key, and `inferno bench --suite` storing into the same history.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/results_csv.h"
#include "store/store.h"
#include "tests/server_process.h"
#include "tests/subprocess.h"

extern char** environ;

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ErrorField;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;
using testing::ServerProcess;

constexpr const char* kModel = "llama-tiny-Q8_0";

double Num(const json::value& v) { return v.to_number<double>(); }

struct Sse {
  std::vector<std::string> names;
  std::vector<json::object> data;
  std::vector<json::object> Named(const std::string& name) const {
    std::vector<json::object> out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) out.push_back(data[i]);
    }
    return out;
  }
};

Sse ParseSse(const std::string& body) {
  Sse sse;
  for (const std::string& d : testing::SseData(body, &sse.names))
    sse.data.push_back(ParseJsonObject(d));
  return sse;
}

class BenchApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(testing::FreshTempDir("bench_api", "suite"));
    fs::create_directories(*dir_ / "models");
    // Copies, not symlinks: a link pointing out of the models dir is refused by design.
    fs::copy_file(testing::FixtureModel(kModel),
                  *dir_ / "models" / (std::string(kModel) + ".gguf"));
    std::ofstream(*dir_ / "models" / "broken.gguf") << "GGUF\x03\x00\x00\x00 not really a model";
    server_ = new ServerProcess({"--models-dir", (*dir_ / "models").string(), "--data-dir",
                                 (*dir_ / "data").string(), "--threads", "1"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static int port() { return server_->port(); }
  static HttpResponse PostBench(const std::string& body) {
    return HttpRequest(port(), "POST", "/bench", body);
  }
  // Polls the run until it leaves "running" (the worker runs take a few seconds at most).
  static json::object WaitFinished(int64_t id) {
    for (int i = 0; i < 600; ++i) {
      HttpResponse r = HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(id));
      json::object run = ParseJsonObject(r.body);
      if (r.status != 200 || run["status"] != "running") return run;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run " << id << " never finished";
    return {};
  }
  static int64_t NewestRunId() {
    json::object list = ParseJsonObject(HttpRequest(port(), "GET", "/bench/runs").body);
    if (list["data"].as_array().empty()) return 0;
    return list["data"].as_array()[0].as_object()["id"].as_int64();
  }

  static ServerProcess* server_;
  static fs::path* dir_;
};
ServerProcess* BenchApiTest::server_ = nullptr;
fs::path* BenchApiTest::dir_ = nullptr;

TEST_F(BenchApiTest, RunStreamsProgressAndResultsAndIsStored) {
  HttpResponse r = PostBench(std::string(R"({"models":[")") + kModel +
                             R"(","broken"],"prompt_sizes":[8,16],"repetitions":1,)"
                             R"("gen_tokens":4,"threads":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  const Sse sse = ParseSse(r.body);
  ASSERT_FALSE(sse.names.empty());
  EXPECT_EQ(sse.names.front(), "start");
  EXPECT_EQ(sse.names.back(), "done") << r.body;
  EXPECT_EQ(r.body.substr(r.body.rfind("event: done")).find(": keep-alive"), std::string::npos)
      << "the stream ends with the done event";
  const int64_t id = sse.data.front().at("run").as_object().at("id").as_int64();
  EXPECT_EQ(sse.data.front().at("run").as_object().at("status"), "running");

  // Progress: one event per repetition measured, with its prompt size, and a fraction that
  // never goes back and ends at 1.
  double last = -1;
  std::vector<int64_t> measured;
  for (const json::object& p : sse.Named("progress")) {
    EXPECT_EQ(p.at("run_id").as_int64(), id);
    const double f = Num(p.at("fraction"));
    EXPECT_GE(f, last);
    EXPECT_LE(f, 1.0);
    last = f;
    if (p.at("phase") == "measuring") {
      EXPECT_EQ(p.at("model"), kModel);
      EXPECT_EQ(p.at("rep").as_int64(), 0);
      measured.push_back(p.at("prompt_tokens").as_int64());
    }
  }
  EXPECT_EQ(measured, (std::vector<int64_t>{8, 16}));
  EXPECT_DOUBLE_EQ(last, 1.0);

  // Results: two rows for the model, then the corrupt file as a failure (the run went on).
  const std::vector<json::object> rows = sse.Named("result");
  ASSERT_EQ(rows.size(), 3u) << r.body;
  for (int i = 0; i < 2; ++i) {
    const json::object& row = rows[i].at("row").as_object();
    EXPECT_EQ(row.at("status"), "ok");
    EXPECT_EQ(row.at("model"), kModel);
    EXPECT_EQ(row.at("quant"), "Q8_0");
    EXPECT_EQ(row.at("architecture"), "llama");
    EXPECT_EQ(row.at("input_type"), "text");
    EXPECT_EQ(Num(row.at("prompt_tokens")), i == 0 ? 8 : 16);
    EXPECT_EQ(Num(row.at("generated_tokens")), 4);
    EXPECT_EQ(Num(row.at("threads")), 1);
    EXPECT_EQ(Num(row.at("size_bytes")), double(fs::file_size(testing::FixtureModel(kModel))));
    EXPECT_GT(Num(row.at("decode_tps")), 0);
    EXPECT_GT(Num(row.at("prefill_tps")), 0);
    EXPECT_GE(Num(row.at("total_ms")), Num(row.at("ttft_ms")));
    EXPECT_GT(Num(row.at("peak_rss_bytes")), Num(row.at("size_bytes")))
        << "measured in its own worker, which maps the whole file";
  }
  const json::object& failed = rows[2].at("row").as_object();
  EXPECT_EQ(failed.at("status"), "failed");
  EXPECT_EQ(failed.at("model"), "broken");
  EXPECT_NE(std::string(failed.at("error").as_string()).find("broken.gguf"), std::string::npos)
      << failed.at("error");
  const json::object done = sse.Named("done").at(0);
  EXPECT_EQ(done.at("run_id").as_int64(), id);
  EXPECT_EQ(done.at("status"), "done");
  EXPECT_EQ(done.at("rows").as_int64(), 3);

  // Stored: the list (newest first), the run with its rows, the CSV.
  EXPECT_EQ(NewestRunId(), id);
  HttpResponse got = HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(id));
  ASSERT_EQ(got.status, 200) << got.body;
  json::object run = ParseJsonObject(got.body);
  EXPECT_EQ(run["status"], "done");
  EXPECT_FALSE(run["finished_at"].is_null());
  EXPECT_EQ(run["row_count"].as_int64(), 3);
  EXPECT_EQ(run["models"], (json::array{kModel, "broken"}));
  EXPECT_EQ(run["prompt_sizes"], (json::array{8, 16}));
  EXPECT_EQ(run["threads"].as_int64(), 1);
  const json::array& stored = run["rows"].as_array();
  ASSERT_EQ(stored.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(stored[i], rows[i].at("row")) << i;

  HttpResponse csv = HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(id) + ".csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers["content-type"].rfind("text/csv", 0), 0u);
  EXPECT_NE(csv.headers["content-disposition"].find("attachment"), std::string::npos);
  Result<std::vector<std::vector<std::string>>> table = bench::ParseCsv(csv.body);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->size(), 4u);
  EXPECT_EQ((*table)[0], bench::SuiteColumns()) << "the same header as benchmarks/results.csv";
  const bench::SuiteRow first = bench::RowFromValues((*table)[0], (*table)[1]);
  EXPECT_EQ(first.model, kModel);
  EXPECT_EQ(first.prompt_tokens, 8);
  EXPECT_NEAR(first.decode_tps, Num(rows[0].at("row").at("decode_tps")), 1e-6 * first.decode_tps);
  EXPECT_EQ(bench::RowFromValues((*table)[0], (*table)[3]).status, "failed");
  // The raw worker logs are kept under the data dir.
  EXPECT_TRUE(fs::exists(*dir_ / "data" / "logs" / "bench" /
                         std::string(run["run_key"].as_string()) / "machine.json"));
}

TEST_F(BenchApiTest, OneRunAtATimeCancelAndTheServerKeepsServing) {
  // Enough work to still be running while we poke at it.
  const std::string body = std::string(R"({"models":[")") + kModel +
                           R"("],"prompt_sizes":[200,400],"repetitions":10,"gen_tokens":256})";
  const int fd = testing::OpenStreamAndRead(port(), "/bench", body, 1);
  ASSERT_GE(fd, 0);
  int64_t id = 0;
  for (int i = 0; i < 100 && id == 0; ++i) {
    const int64_t newest = NewestRunId();
    HttpResponse r = HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(newest));
    if (ParseJsonObject(r.body)["status"] == "running") id = newest;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(id, 0);

  HttpResponse again = PostBench(std::string(R"({"models":[")") + kModel + R"("]})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(ErrorField(again, "message").find("still running"), std::string::npos) << again.body;
  EXPECT_EQ(HttpRequest(port(), "DELETE", "/bench/runs/" + std::to_string(id)).status, 409);
  // Chat and the rest of the server go on meanwhile.
  EXPECT_EQ(HttpRequest(port(), "GET", "/health").status, 200);
  HttpResponse chat = HttpRequest(port(), "POST", "/v1/completions",
                                  std::string(R"({"model":")") + kModel +
                                      R"(","prompt":"Hello","max_tokens":3,"temperature":0})");
  EXPECT_EQ(chat.status, 200) << chat.body;

  HttpResponse cancel =
      HttpRequest(port(), "POST", "/bench/runs/" + std::to_string(id) + "/cancel");
  EXPECT_EQ(cancel.status, 202) << cancel.body;
  const json::object run = WaitFinished(id);
  EXPECT_EQ(run.at("status"), "cancelled");
  close(fd);
  // The slot is free again; a finished run can be deleted.
  HttpResponse next = PostBench(std::string(R"({"models":[")") + kModel +
                                R"("],"prompt_sizes":[4],"repetitions":1,"gen_tokens":2})");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(ParseSse(next.body).names.back(), "done") << next.body;
  EXPECT_EQ(HttpRequest(port(), "DELETE", "/bench/runs/" + std::to_string(id)).status, 204);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/runs/" + std::to_string(id)).status, 404);
  EXPECT_EQ(HttpRequest(port(), "POST", "/bench/runs/" + std::to_string(id) + "/cancel").status,
            409);
}

TEST_F(BenchApiTest, AClientThatLeavesDoesNotStopTheRun) {
  const int fd =
      testing::OpenStreamAndRead(port(), "/bench",
                                 std::string(R"({"models":[")") + kModel +
                                     R"("],"prompt_sizes":[8],"repetitions":2,"gen_tokens":4})",
                                 1);
  ASSERT_GE(fd, 0);
  close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t id = NewestRunId();
  ASSERT_GT(id, 0);
  const json::object run = WaitFinished(id);
  EXPECT_EQ(run.at("status"), "done") << json::serialize(run);
  EXPECT_EQ(run.at("row_count").as_int64(), 1);
  EXPECT_EQ(run.at("rows").as_array()[0].as_object().at("status"), "ok");
}

TEST_F(BenchApiTest, BadRequestsGetClearErrors) {
  struct Case {
    std::string body;
    int status;
    std::string message;
  };
  const std::string m = std::string(R"("models":[")") + kModel + R"("])";
  const std::vector<Case> cases = {
      {"{not json", 400, "not valid JSON"},
      {"[1]", 400, "must be a JSON object"},
      {"{}", 400, "models must be an array"},
      {R"({"models":[]})", 400, "models must be an array"},
      {R"({"models":[7]})", 400, "model ids"},
      {R"({"models":["nope"]})", 404, "'nope' not found"},
      {R"({"models":["../models/llama-tiny-Q8_0"]})", 404, "not a name inside the models dir"},
      {R"({"models":[")" + testing::FixtureModel(kModel) + R"("]})", 404,
       "not a name inside the models dir"},
      {R"({"models":["llama-tiny-Q8_0","llama-tiny-Q8_0"]})", 400, "listed twice"},
      {"{" + m + R"(,"prompt_sizes":[0]})", 400, "prompt_sizes must be"},
      {"{" + m + R"(,"prompt_sizes":[4096]})", 400, "from 1 to 2048"},
      {"{" + m + R"(,"prompt_sizes":"50"})", 400, "prompt_sizes must be"},
      {"{" + m + R"(,"repetitions":1000})", 400, "repetitions must be an integer from 1 to 10"},
      {"{" + m + R"(,"repetitions":1.5})", 400, "repetitions must be"},
      {"{" + m + R"(,"gen_tokens":0})", 400, "gen_tokens must be"},
      {"{" + m + R"(,"threads":100000})", 400, "threads must be"},
      {"{" + m + R"(,"prompt":"x"})", 400, "unknown field 'prompt'"},
  };
  for (const Case& c : cases) {
    HttpResponse r = PostBench(c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(ErrorField(r, "message").find(c.message), std::string::npos)
        << c.body << " -> " << r.body;
  }
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench").status, 405);
  EXPECT_EQ(HttpRequest(port(), "POST", "/bench/runs").status, 405);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/runs/999999").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/runs/999999.csv").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/runs/abc").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/runs/1/events").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/runs?limit=0").status, 400);
  EXPECT_EQ(HttpRequest(port(), "GET", "/bench/nope").status, 404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/health").status, 200);
}

// The image and audio categories over HTTP: a vision model (in a directory of its own with its
// mmproj, as the server pairs them) and the Whisper fixture of the zoo.
class BenchMediaApiTest : public ::testing::Test {
 protected:
  static fs::path Zoo(const std::string& name) { return fs::path(INFERNO_ZOO_DIR) / "zoo" / name; }
  static bool HaveZoo() {
    return fs::exists(Zoo("mmproj-gemma3-tiny.gguf")) && fs::exists(Zoo("whisper-rand-tiny.bin"));
  }
  static void SetUpTestSuite() {
    if (!HaveZoo()) return;  // each test skips
    dir_ = new fs::path(testing::FreshTempDir("bench_api", "media"));
    const fs::path models = *dir_ / "models";
    fs::create_directories(models / "vision");
    fs::copy_file(testing::FixtureModel("gemma3-tiny-Q8_0"),
                  models / "vision/gemma3-tiny-Q8_0.gguf");
    fs::copy_file(Zoo("mmproj-gemma3-tiny.gguf"), models / "vision/mmproj-gemma3-tiny.gguf");
    fs::copy_file(testing::FixtureModel(kModel), models / (std::string(kModel) + ".gguf"));
    fs::copy_file(Zoo("whisper-rand-tiny.bin"), models / "whisper-rand-tiny.bin");
    server_ = new ServerProcess({"--models-dir", models.string(), "--data-dir",
                                 (*dir_ / "data").string(), "--threads", "1"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    delete server_;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (!HaveZoo()) GTEST_SKIP() << "no zoo vision and speech models (make zoo)";
  }
  // Runs one request to its end (the POST streams until the run is over); the stored run.
  static json::object RunToEnd(const std::string& body) {
    HttpResponse r = HttpRequest(server_->port(), "POST", "/bench", body);
    EXPECT_EQ(r.status, 200) << r.body;
    const Sse sse = ParseSse(r.body);
    EXPECT_FALSE(sse.Named("done").empty()) << r.body;
    if (sse.Named("start").empty()) return {};
    const int64_t id = sse.Named("start")[0]["run"].as_object()["id"].as_int64();
    for (const json::object& p : sse.Named("progress")) {
      EXPECT_EQ(p.at("category"), json::parse(body).as_object().at("category"));
    }
    return ParseJsonObject(
        HttpRequest(server_->port(), "GET", "/bench/runs/" + std::to_string(id)).body);
  }
  static ServerProcess* server_;
  static fs::path* dir_;
};
ServerProcess* BenchMediaApiTest::server_ = nullptr;
fs::path* BenchMediaApiTest::dir_ = nullptr;

TEST_F(BenchMediaApiTest, ImageRunOfAVisionModelIsStoredWithItsColumns) {
  json::object run = RunToEnd(
      R"({"category":"image","models":["vision/gemma3-tiny-Q8_0"],"prompt_sizes":[64,200],)"
      R"("repetitions":1,"gen_tokens":4})");
  EXPECT_EQ(run["status"], "done") << json::serialize(run);
  EXPECT_EQ(run["category"], "image");
  EXPECT_EQ(run["prompt_sizes"], (json::array{64, 200}));
  const json::array& rows = run["rows"].as_array();
  ASSERT_EQ(rows.size(), 2u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const json::object& row = rows[i].as_object();
    EXPECT_EQ(row.at("status"), "ok") << json::serialize(row);
    EXPECT_EQ(row.at("input_type"), "image");
    EXPECT_EQ(Num(row.at("image_px")), i == 0 ? 64 : 200);
    EXPECT_GT(Num(row.at("image_tokens")), 0);
    EXPECT_GT(Num(row.at("prompt_tokens")), Num(row.at("image_tokens")));
    EXPECT_GT(Num(row.at("encoder_ms")), 0);
    EXPECT_GT(Num(row.at("decode_tps")), 0);
    EXPECT_NE(std::string(row.at("mmproj_path").as_string()).find("mmproj-gemma3-tiny.gguf"),
              std::string::npos);
  }
  // The CSV download has the appended columns.
  HttpResponse csv = HttpRequest(server_->port(), "GET",
                                 "/bench/runs/" + std::to_string(run["id"].as_int64()) + ".csv");
  EXPECT_NE(csv.body.find(",mmproj_path,image_px,image_tokens,encoder_ms,"), std::string::npos);
}

TEST_F(BenchMediaApiTest, AudioRunOfASpeechModel) {
  json::object run = RunToEnd(
      R"({"category":"audio","models":["whisper-rand-tiny"],"prompt_sizes":[2],"repetitions":1})");
  EXPECT_EQ(run["status"], "done") << json::serialize(run);
  EXPECT_EQ(run["category"], "audio");
  const json::array& rows = run["rows"].as_array();
  ASSERT_EQ(rows.size(), 1u);
  const json::object& row = rows[0].as_object();
  EXPECT_EQ(row.at("status"), "ok") << json::serialize(row);
  EXPECT_EQ(row.at("model"), "whisper-rand-tiny");
  EXPECT_EQ(Num(row.at("audio_seconds")), 2);
  EXPECT_GT(Num(row.at("rtf")), 0);
}

TEST_F(BenchMediaApiTest, CategoryErrors) {
  struct Case {
    std::string body;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"category":"video","models":["llama-tiny-Q8_0"]})", 400, "category must be"},
      {R"({"category":"image","models":["llama-tiny-Q8_0"]})", 400, "has no vision encoder"},
      {R"({"category":"image","models":["vision/gemma3-tiny-Q8_0"],"prompt_sizes":[5000]})", 400,
       "from 1 to 4096"},
      {R"({"category":"audio","models":["llama-tiny-Q8_0"]})", 404, "not found"},
      {R"({"category":"audio","models":["../whisper-rand-tiny"]})", 404, "not a name inside"},
      {R"({"category":"audio","models":["whisper-rand-tiny"],"prompt_sizes":[601]})", 400,
       "from 1 to 600"},
  };
  for (const Case& c : cases) {
    HttpResponse r = HttpRequest(server_->port(), "POST", "/bench", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(ErrorField(r, "message").find(c.message), std::string::npos)
        << c.body << " -> " << r.body;
  }
}

// With an API key the bench routes need it like /v1 and /api; the model the server was
// started with (-m, outside the models dir) can be benchmarked by its id.
TEST(BenchApiKey, RoutesNeedTheKeyAndThePreloadedModelCanBeMeasured) {
  const fs::path dir = testing::FreshTempDir("bench_api", "key");
  ServerProcess server({"-m", testing::FixtureModel(kModel), "--models-dir",
                        (dir / "models").string(), "--data-dir", (dir / "data").string(),
                        "--api-key", "sekrit"});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  const std::string body = std::string(R"({"models":[")") + kModel +
                           R"("],"prompt_sizes":[4],"repetitions":1,"gen_tokens":2})";
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/bench/runs").status, 401);
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/bench", body).status, 401);
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer sekrit"}};
  HttpResponse r = HttpRequest(server.port(), "POST", "/bench", body, auth);
  ASSERT_EQ(r.status, 200) << r.body;
  const Sse sse = ParseSse(r.body);
  ASSERT_EQ(sse.names.back(), "done") << r.body;
  ASSERT_EQ(sse.Named("result").size(), 1u);
  EXPECT_EQ(sse.Named("result")[0].at("row").at("status"), "ok") << r.body;
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/bench/runs", "", auth).status, 200);
  server.Stop();
  fs::remove_all(dir);
}

// `inferno bench --suite` stores its run in the server's database when it exists.
TEST(BenchSuiteHistory, CliRunIsStoredWhenTheDatabaseExists) {
  const fs::path dir = testing::FreshTempDir("bench_api", "cli");
  const std::string db_path = (dir / "data" / "inferno.db").string();
  ASSERT_TRUE(store::Store::Open(db_path).ok());
  const testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "bench", "--suite", "--models", testing::FixtureModel(kModel),
       "-p", "6", "-n", "2", "-r", "1", "-t", "1", "--csv", (dir / "results.csv").string(),
       "--log-dir", (dir / "logs").string(), "--data-dir", (dir / "data").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stored as benchmark run 1"), std::string::npos) << r.out;
  Result<std::unique_ptr<store::Store>> db = store::Store::Open(db_path);
  ASSERT_TRUE(db.ok());
  Result<store::BenchRun> run = (*db)->GetBenchRun(1);
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->source, "cli");
  EXPECT_EQ(run->status, "done");
  ASSERT_EQ(run->rows.size(), 1u);
  // Exactly the row the CSV got.
  Result<std::vector<bench::SuiteRow>> csv = bench::ReadRows((dir / "results.csv").string());
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(bench::CsvText(run->rows), bench::CsvText(*csv));
  EXPECT_EQ(run->run_key, run->rows[0].run_id);

  // Without a database (or with --no-store) nothing is created.
  const testing::ProcessResult none = testing::RunProcess(
      {testing::InfernoBinary(), "bench", "--suite", "--models", testing::FixtureModel(kModel),
       "-p", "6", "-n", "2", "-r", "1", "--csv", (dir / "results.csv").string(), "--log-dir",
       (dir / "logs").string(), "--data-dir", (dir / "nodata").string()});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_FALSE(fs::exists(dir / "nodata"));
  fs::remove_all(dir);
}

// Ctrl+C during `inferno bench --suite` kills the worker and stores the run as cancelled
// (never left "running"), with exit code 130 and nothing appended to the CSV.
TEST(BenchSuiteHistory, InterruptedCliRunIsStoredAsCancelled) {
  const fs::path dir = testing::FreshTempDir("bench_api", "cli_int");
  const std::string db_path = (dir / "data" / "inferno.db").string();
  ASSERT_TRUE(store::Store::Open(db_path).ok());
  const std::vector<std::string> args = {testing::InfernoBinary(),
                                         "bench",
                                         "--suite",
                                         "--models",
                                         testing::FixtureModel(kModel),
                                         "-p",
                                         "400,800",
                                         "-n",
                                         "512",
                                         "-r",
                                         "10",
                                         "-t",
                                         "1",
                                         "--csv",
                                         (dir / "results.csv").string(),
                                         "--log-dir",
                                         (dir / "logs").string(),
                                         "--data-dir",
                                         (dir / "data").string()};
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  // Wait until the worker has loaded the model (its first line is in the live log).
  bool measuring = false;
  for (int i = 0; i < 300 && !measuring; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir / "logs", ec)) {
      measuring |= e.path().extension() == ".jsonl" && fs::file_size(e.path(), ec) > 0;
    }
  }
  ASSERT_TRUE(measuring);
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130);

  Result<std::unique_ptr<store::Store>> db = store::Store::Open(db_path);
  ASSERT_TRUE(db.ok());
  Result<store::BenchRun> run = (*db)->GetBenchRun(1);
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->status, "cancelled");
  EXPECT_GT(run->finished_at, 0);
  EXPECT_FALSE(fs::exists(dir / "results.csv"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inferno
