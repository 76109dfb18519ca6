// `inferno models`: lists the models dir with size, architecture, quant type and context, and
// shows unusable files with the reason. Oracles: the fixture file names carry their quant
// type and architecture, sizes come from the file system, contexts from `inferno inspect`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

TEST(ModelsCli, ListsEveryFixtureWithItsTypeSizeAndContext) {
  const fs::path fixtures = testing::SharedDir() + "/fixtures/models";
  testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "models", "--models-dir", fixtures.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object out = json::parse(r.out).as_object();
  json::array models = out["models"].as_array();
  size_t gguf_files = 0;
  for (const auto& e : fs::directory_iterator(fixtures))
    gguf_files += e.path().extension() == ".gguf";
  ASSERT_EQ(models.size(), gguf_files);
  for (const json::value& v : models) {
    const json::object& m = v.as_object();
    const std::string name(m.at("name").as_string());
    const fs::path file = fixtures / (name + ".gguf");
    SCOPED_TRACE(name);
    EXPECT_FALSE(m.contains("error"));
    EXPECT_EQ(m.at("size_bytes").to_number<uint64_t>(), fs::file_size(file));
    // "llama-tiny-Q4_K_M": architecture first, quant type last.
    EXPECT_EQ(m.at("architecture").as_string(), name.substr(0, name.find('-')));
    EXPECT_EQ(m.at("quant").as_string(), name.substr(name.find("-tiny-") + 6));
    testing::ProcessResult inspect =
        testing::RunProcess({testing::InfernoBinary(), "inspect", "--json", file.string()});
    ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
    const json::object meta = json::parse(inspect.out).as_object().at("metadata").as_object();
    const std::string arch(m.at("architecture").as_string());
    EXPECT_EQ(m.at("context_length").to_number<int64_t>(),
              meta.at(arch + ".context_length").to_number<int64_t>());
  }
}

TEST(ModelsCli, TableShowsUnusableFilesAndEmptyDirsSayWhatToDo) {
  const fs::path dir = fs::temp_directory_path() / ("inferno_models_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "family");
  fs::copy_file(testing::SharedDir() + "/fixtures/models/llama-tiny-Q4_0.gguf",
                dir / "family" / "small.gguf");
  std::ofstream(dir / "notes.gguf") << "not a model";
  testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "models", "--models-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("family/small"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Q4_0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unusable: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not a GGUF file"), std::string::npos) << r.out;

  testing::ProcessResult empty = testing::RunProcess(
      {testing::InfernoBinary(), "models", "--models-dir", (dir / "nothing").string()});
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_NE(empty.out.find("no models in"), std::string::npos) << empty.out;
  EXPECT_NE(empty.out.find("inferno pull"), std::string::npos) << empty.out;
  EXPECT_FALSE(fs::exists(dir / "nothing"));  // listing creates nothing
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inferno
