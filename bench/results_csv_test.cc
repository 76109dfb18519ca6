#include "bench/results_csv.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferno::bench {
namespace {

namespace fs = std::filesystem;

std::string TempPath(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("inferno_csv_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The header is a published interface (docs/benchmarks.md): this test changes only when a
// column is appended on purpose.
TEST(ResultsCsv, ColumnsAreStable) {
  std::string header;
  for (const std::string& c : SuiteColumns()) header += (header.empty() ? "" : ",") + c;
  EXPECT_EQ(header,
            "timestamp,run_id,hostname,cpu_model,cpu_flags,isa,cores,threads,model,model_path,"
            "architecture,quant,size_bytes,params,input_type,prompt_tokens,generated_tokens,"
            "repetitions,load_ms,ttft_ms,ttft_ms_sd,prefill_tps,prefill_tps_sd,decode_tps,"
            "decode_tps_sd,total_ms,total_ms_sd,peak_rss_bytes,cpu_seconds,status,error,"
            "mmproj_path,image_px,image_tokens,encoder_ms,encoder_ms_sd,audio_seconds,rtf,"
            "rtf_sd,concurrency,requests,failed_requests,ttft_p50_ms,ttft_p95_ms,ttft_p99_ms,"
            "latency_p50_ms,latency_p95_ms,latency_p99_ms,throughput_tps");
}

// A results file written before the image and audio columns were appended: its header and
// one text row as that version wrote them.
constexpr const char* kOldHeader =
    "timestamp,run_id,hostname,cpu_model,cpu_flags,isa,cores,threads,model,model_path,"
    "architecture,quant,size_bytes,params,input_type,prompt_tokens,generated_tokens,"
    "repetitions,load_ms,ttft_ms,ttft_ms_sd,prefill_tps,prefill_tps_sd,decode_tps,"
    "decode_tps_sd,total_ms,total_ms_sd,peak_rss_bytes,cpu_seconds,status,error\n";
constexpr const char* kOldRow =
    "2026-11-25T11:01:52Z,20261125T110152Z,host,\"EPYC, 2 cores\",avx2,avx2,2,2,llama,"
    "/m/llama.gguf,llama,Q4_0,1000,2000,text,50,64,3,12.5,80,2,600,10,60,1,1100,5,6e+08,4.5,"
    "ok,\n";

TEST(ResultsCsv, ReadsAFileWithTheOldHeader) {
  const std::string path = TempPath("old_read.csv");
  { std::ofstream(path) << kOldHeader << kOldRow; }
  Result<std::vector<SuiteRow>> rows = ReadRows(path);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].cpu_model, "EPYC, 2 cores");
  EXPECT_EQ((*rows)[0].input_type, "text");
  EXPECT_DOUBLE_EQ((*rows)[0].decode_tps, 60);
  EXPECT_EQ((*rows)[0].image_tokens, 0);
  EXPECT_DOUBLE_EQ((*rows)[0].rtf, 0);
}

TEST(ResultsCsv, AppendingToAnOldFileUpgradesItsHeaderAndKeepsItsRows) {
  const std::string path = TempPath("old_append.csv");
  { std::ofstream(path) << kOldHeader << kOldRow; }
  SuiteRow audio;
  audio.model = "whisper-rand-tiny";
  audio.input_type = "audio";
  audio.audio_seconds = 10;
  audio.rtf = 0.25;
  ASSERT_TRUE(AppendRows(path, {audio}).ok());
  const std::string text = ReadAll(path);
  EXPECT_EQ(text.substr(0, text.find('\n')), CsvText({}).substr(0, CsvText({}).size() - 1));
  EXPECT_EQ(text.find("timestamp,", 1), std::string::npos) << "one header";
  Result<std::vector<SuiteRow>> rows = ReadRows(path);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].model, "llama");
  EXPECT_DOUBLE_EQ((*rows)[0].ttft_ms, 80);
  EXPECT_DOUBLE_EQ((*rows)[0].peak_rss_bytes, 6e8);
  EXPECT_EQ((*rows)[1].input_type, "audio");
  EXPECT_DOUBLE_EQ((*rows)[1].rtf, 0.25);
  EXPECT_DOUBLE_EQ((*rows)[1].audio_seconds, 10);
  EXPECT_FALSE(fs::exists(path + ".upgrade.tmp"));
}

TEST(ResultsCsv, EscapeAndParseRoundTrip) {
  EXPECT_EQ(CsvEscape("plain"), "plain");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvEscape("say \"hi\""), "\"say \"\"hi\"\"\"");
  Result<std::vector<std::vector<std::string>>> t =
      ParseCsv("a,\"b,c\",\"d\"\"e\"\r\n\"multi\nline\",,x\n");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0], (std::vector<std::string>{"a", "b,c", "d\"e"}));
  EXPECT_EQ((*t)[1], (std::vector<std::string>{"multi\nline", "", "x"}));
  EXPECT_FALSE(ParseCsv("\"never closed").ok());
}

TEST(ResultsCsv, AppendWritesHeaderOnceAndReadsBack) {
  const std::string path = TempPath("append.csv");
  fs::remove(path);
  SuiteRow a;
  a.model = "m1";
  a.quant = "Q8_0";
  a.prompt_tokens = 50;
  a.decode_tps = 12.5;
  a.cpu_model = "CPU, with comma";
  SuiteRow b = a;
  b.model = "broken";
  b.status = "failed";
  b.error = "bad \"magic\"\nsecond line";
  ASSERT_TRUE(AppendRows(path, {a}).ok());
  ASSERT_TRUE(AppendRows(path, {b}).ok());
  const std::string text = ReadAll(path);
  EXPECT_EQ(text.find("timestamp,"), 0u);
  EXPECT_EQ(text.find("timestamp,", 1), std::string::npos) << "header written twice";
  Result<std::vector<SuiteRow>> rows = ReadRows(path);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].model, "m1");
  EXPECT_EQ((*rows)[0].cpu_model, "CPU, with comma");
  EXPECT_DOUBLE_EQ((*rows)[0].decode_tps, 12.5);
  EXPECT_EQ((*rows)[0].prompt_tokens, 50);
  EXPECT_EQ((*rows)[1].status, "failed");
  EXPECT_EQ((*rows)[1].error, "bad \"magic\"\nsecond line");
}

TEST(ResultsCsv, RefusesToMixWithAForeignHeader) {
  const std::string path = TempPath("foreign.csv");
  { std::ofstream(path) << "model,type,size_bytes\nx,Q4_0,1\n"; }
  const Status st = AppendRows(path, {SuiteRow{}});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("header does not match"), std::string::npos);
  EXPECT_EQ(ReadAll(path), "model,type,size_bytes\nx,Q4_0,1\n") << "file must stay intact";
}

TEST(ResultsCsv, ReadRejectsRaggedRows) {
  const std::string path = TempPath("ragged.csv");
  { std::ofstream(path) << "model,quant\na,b\nc\n"; }
  Result<std::vector<SuiteRow>> rows = ReadRows(path);
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("row 3"), std::string::npos);
  EXPECT_FALSE(ReadRows(TempPath("missing.csv")).ok());
}

// The SQLite history stores rows as these values and the server's CSV download is CsvText:
// both must give back exactly what ReadRows would.
TEST(ResultsCsv, ValuesRoundTripAndCsvTextMatchesTheFile) {
  SuiteRow a;
  a.model = "m, \"quoted\"";
  a.prompt_tokens = 16;
  a.ttft_ms = 3.25;
  a.peak_rss_bytes = 123456789;
  a.status = "failed";
  a.error = "line one\nline two";
  const std::vector<std::string> values = RowValues(a);
  ASSERT_EQ(values.size(), SuiteColumns().size());
  EXPECT_EQ(values[8], a.model);
  const SuiteRow back = RowFromValues(SuiteColumns(), values);
  EXPECT_EQ(back.model, a.model);
  EXPECT_EQ(back.prompt_tokens, 16);
  EXPECT_DOUBLE_EQ(back.ttft_ms, 3.25);
  EXPECT_DOUBLE_EQ(back.peak_rss_bytes, 123456789);
  EXPECT_EQ(back.error, a.error);
  // Unknown names are ignored; missing ones keep defaults.
  const SuiteRow partial = RowFromValues({"nope", "quant"}, {"x", "Q4_0"});
  EXPECT_EQ(partial.quant, "Q4_0");
  EXPECT_EQ(partial.input_type, "text");

  const std::string path = TempPath("text.csv");
  fs::remove(path);
  ASSERT_TRUE(AppendRows(path, {a, back}).ok());
  EXPECT_EQ(CsvText({a, back}), ReadAll(path));

  EXPECT_TRUE(IsNumericColumn("ttft_ms"));
  EXPECT_TRUE(IsNumericColumn("prompt_tokens"));
  EXPECT_FALSE(IsNumericColumn("model"));
  EXPECT_FALSE(IsNumericColumn("error"));
  EXPECT_FALSE(IsNumericColumn("no_such_column"));
}

}  // namespace
}  // namespace inferno::bench
