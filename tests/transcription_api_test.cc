// The HTTP contract of /v1/audio/transcriptions and /v1/audio/translations against the binary,
// with the zoo's random-weight Whisper and speech-1.mp3: every response_format, the stream's
// events, the model lists, and each error. (What the transcript says is the engine's business,
// proven against whisper.cpp in tests/whisper_parity_test.cc; here the same request must give
// the same greedy transcript in every form, and the request's prompt must reach the engine as
// whisper.cpp's initial prompt.)
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "engine/audio/audio_encode.h"
#include "engine/audio/transcribe.h"
#include "tests/served_test.h"
#include "tests/transcript_tokens.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ErrorField;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;

const fs::path kWhisper = fs::path(INFERNO_ZOO_DIR) / "zoo" / "whisper-rand-tiny.bin";
const fs::path kSpeech = fs::path(INFERNO_SHARED_DIR) / "fixtures" / "media" / "speech-1.mp3";
constexpr const char* kBoundary = "inferno-test-boundary";

struct Field {
  std::string name, value, filename;  // filename set: a file part
};

std::string Form(const std::vector<Field>& fields) {
  std::string body;
  for (const Field& f : fields) {
    body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + f.name +
            "\"";
    if (!f.filename.empty())
      body += "; filename=\"" + f.filename + "\"\r\nContent-Type: audio/mpeg";
    body += "\r\n\r\n" + f.value + "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

double Num(const json::value& v) { return v.to_number<double>(); }

std::string WithoutSpaces(std::string s) {
  std::erase_if(s, [](char c) { return c == ' '; });
  return s;
}

class TranscriptionApi : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kWhisper)) return;
    const fs::path models = MakeModels("transcription_api");
    fs::copy_file(kWhisper, models / "whisper-tiny.bin");
    fs::copy_file(testing::FixtureModel(), models / "chat.gguf");
    speech_ = testing::ReadAll(kSpeech);
    Serve();
  }
  void SetUp() override {
    if (!fs::exists(kWhisper)) GTEST_SKIP() << "no zoo (make zoo): " << kWhisper;
  }
  static HttpResponse Send(const std::vector<Field>& extra,
                           const std::string& path = "/v1/audio/transcriptions",
                           const std::string& file = speech_) {
    std::vector<Field> fields = {{"file", file, "speech-1.mp3"}, {"model", "whisper-tiny"}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    return HttpRequest(
        port(), "POST", path, Form(fields),
        {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}});
  }
  static json::object SendJson(const std::vector<Field>& extra,
                               const std::string& path = "/v1/audio/transcriptions") {
    HttpResponse r = Send(extra, path);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    return ParseJsonObject(r.body);
  }
  inline static std::string speech_;
};

TEST_F(TranscriptionApi, ModelListsShowTheSpeechModelWithItsKind) {
  const json::object list = ParseJsonObject(HttpRequest(port(), "GET", "/v1/models").body);
  std::map<std::string, json::object> by_id;
  for (const json::value& m : list.at("data").as_array()) {
    by_id[std::string(m.at("id").as_string())] = m.as_object();
  }
  ASSERT_TRUE(by_id.count("whisper-tiny"));
  const json::object& w = by_id["whisper-tiny"];
  EXPECT_EQ(w.at("kind"), "speech");
  EXPECT_EQ(w.at("architecture"), "whisper");
  EXPECT_EQ(w.at("capabilities").as_array().at(0), "transcription");
  EXPECT_EQ(w.at("size_bytes").to_number<uint64_t>(), fs::file_size(kWhisper));
  EXPECT_EQ(by_id.at("chat").at("kind"), "chat");
  EXPECT_EQ(ParseJsonObject(HttpRequest(port(), "GET", "/v1/models/whisper-tiny").body).at("kind"),
            "speech");
  const json::object tags = ParseJsonObject(HttpRequest(port(), "GET", "/api/tags").body);
  bool listed = false;
  for (const json::value& m : tags.at("models").as_array()) {
    if (m.at("name") == "whisper-tiny") {
      listed = true;
      EXPECT_EQ(m.at("kind"), "speech");
      EXPECT_EQ(m.at("details").at("family"), "whisper");
    }
  }
  EXPECT_TRUE(listed);
}

TEST_F(TranscriptionApi, JsonAndTextGiveTheSameTranscript) {
  const json::object j = SendJson({});
  const std::string text(j.at("text").as_string());
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text[0], ' ');
  EXPECT_EQ(j.at("usage").at("type"), "duration");
  EXPECT_EQ(j.at("usage").at("seconds").to_number<int>(), 18);  // 17.44 s, rounded up
  EXPECT_FALSE(j.contains("logprobs"));
  HttpResponse t = Send({{"response_format", "text"}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(t.body, text + "\n");
  // whisper-1, OpenAI's name, is the first speech model.
  EXPECT_EQ(SendJson({{"model", "whisper-1"}}).at("text"), j.at("text"));
}

TEST_F(TranscriptionApi, LogprobsListTheTextTokens) {
  const json::object j = SendJson({{"include[]", "logprobs"}});
  std::string joined;
  for (const json::value& lp : j.at("logprobs").as_array()) {
    joined += std::string(lp.at("token").as_string());
    EXPECT_LE(Num(lp.at("logprob")), 0.0);
    EXPECT_EQ(lp.at("bytes").as_array().size(), lp.at("token").as_string().size());
  }
  EXPECT_EQ(WithoutSpaces(joined), WithoutSpaces(std::string(j.at("text").as_string())));
}

TEST_F(TranscriptionApi, VerboseJsonHasSegmentsAndWords) {
  const json::object plain = SendJson({});
  const json::object v = SendJson({{"response_format", "verbose_json"},
                                   {"timestamp_granularities[]", "word"},
                                   {"timestamp_granularities[]", "segment"}});
  EXPECT_EQ(v.at("task"), "transcribe");
  EXPECT_TRUE(v.at("language").is_string());
  EXPECT_NEAR(Num(v.at("duration")), 17.44, 0.01);
  EXPECT_EQ(v.at("text"), plain.at("text"));
  const json::array& segments = v.at("segments").as_array();
  ASSERT_FALSE(segments.empty());
  std::string seg_text;
  double last_end = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const json::value& s = segments[i];
    EXPECT_EQ(s.at("id").to_number<size_t>(), i);
    EXPECT_LE(Num(s.at("start")), Num(s.at("end")));
    EXPECT_GE(Num(s.at("start")), last_end - 1e-9);
    EXPECT_LE(Num(s.at("seek")) / 100.0, Num(s.at("start")) + 1e-9);
    last_end = Num(s.at("end"));
    EXPECT_FALSE(s.at("tokens").as_array().empty());
    EXPECT_LE(Num(s.at("avg_logprob")), 0.0);
    EXPECT_GT(Num(s.at("compression_ratio")), 0.0);
    EXPECT_GE(Num(s.at("no_speech_prob")), 0.0);
    EXPECT_LE(Num(s.at("no_speech_prob")), 1.0);
    seg_text += std::string(s.at("text").as_string());
  }
  EXPECT_EQ(WithoutSpaces(seg_text), WithoutSpaces(std::string(plain.at("text").as_string())));
  // Words spell the text, in order, inside their segments' time.
  std::string word_text;
  double t = 0;
  for (const json::value& w : v.at("words").as_array()) {
    EXPECT_GE(Num(w.at("start")), t - 1e-9);
    EXPECT_LE(Num(w.at("start")), Num(w.at("end")));
    t = Num(w.at("end"));
    word_text += std::string(w.at("word").as_string());
  }
  EXPECT_LE(t, last_end + 1e-9);
  EXPECT_EQ(word_text, WithoutSpaces(seg_text));
  // Words alone: OpenAI then leaves the segments out.
  const json::object words_only =
      SendJson({{"response_format", "verbose_json"}, {"timestamp_granularities[]", "word"}});
  EXPECT_FALSE(words_only.contains("segments"));
  EXPECT_EQ(words_only.at("words"), v.at("words"));
}

// temperature and prompt are whisper-cli's --temperature and --prompt: on whisper.cpp's own
// samples of speech-1 (a 16 kHz float WAV: no decoder or resampler of ours between), the
// server's defaults (beam search 5 with fallback) after the prompt give whisper_full's tokens.
// The language is given as whisper-cli's default, en: without it the server detects one, as
// OpenAI's API does (on the random model, another language and other tokens).
TEST_F(TranscriptionApi, PromptAndTemperatureAreWhisperCpps) {
  const std::string prefix =
      (fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "whisper" / "whisper-rand-tiny.speech-1")
          .string();
  const json::object oracle = ParseJsonObject(testing::ReadAll(prefix + ".json"));
  if (!oracle.at("runs").as_object().contains("beam_prompt")) GTEST_SKIP() << "old zoo";
  const std::string pcm_bytes = testing::ReadAll(prefix + ".pcm.f32");
  std::vector<float> pcm(pcm_bytes.size() / sizeof(float));
  std::memcpy(pcm.data(), pcm_bytes.data(), pcm.size() * sizeof(float));
  Result<std::vector<uint8_t>> wav =
      audio::EncodeAudio(pcm, 1, 16000, audio::AudioContainer::kWavFloat);
  ASSERT_TRUE(wav.ok());
  const std::string file(wav->begin(), wav->end());
  const std::string prompt(oracle.at("initial_prompt").as_string());
  HttpResponse r =
      Send({{"prompt", prompt}, {"language", "en"}, {"response_format", "verbose_json"}},
           "/v1/audio/transcriptions", file);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object v = ParseJsonObject(r.body);
  EXPECT_EQ(
      testing::SegmentTokenIds(v.at("segments").as_array()),
      testing::SegmentTokenIds(oracle.at("runs").at("beam_prompt").at("segments").as_array()));
  // A first temperature above 0: every window is decoded at 0.4 or above (sampling, best of 5).
  r = Send({{"temperature", "0.4"}, {"response_format", "verbose_json"}},
           "/v1/audio/transcriptions", file);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object hot = ParseJsonObject(r.body);  // kept: segs refers into it
  const json::array& segs = hot.at("segments").as_array();
  ASSERT_FALSE(segs.empty());
  for (const json::value& s : segs) EXPECT_GE(Num(s.at("temperature")), 0.4 - 1e-6);
}

TEST_F(TranscriptionApi, SubtitlesHaveACuePerSegment) {
  const size_t n = SendJson({{"response_format", "verbose_json"}}).at("segments").as_array().size();
  HttpResponse srt = Send({{"response_format", "srt"}});
  ASSERT_EQ(srt.status, 200);
  EXPECT_EQ(srt.body.rfind("1\n00:00:", 0), 0u) << srt.body;
  HttpResponse vtt = Send({{"response_format", "vtt"}});
  ASSERT_EQ(vtt.status, 200);
  EXPECT_EQ(vtt.headers["content-type"], "text/vtt; charset=utf-8");
  EXPECT_EQ(vtt.body.rfind("WEBVTT\n", 0), 0u);
  auto count = [](const std::string& s, const std::string& needle) {
    size_t c = 0;
    for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++c;
    return c;
  };
  EXPECT_EQ(count(srt.body, " --> "), n);
  EXPECT_EQ(count(vtt.body, " --> "), n);
}

TEST_F(TranscriptionApi, StreamSendsDeltasThenDone) {
  const json::object plain = SendJson({});
  HttpResponse r = Send({{"stream", "true"}, {"include[]", "logprobs"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  const std::vector<std::string> data = testing::SseData(r.body);
  ASSERT_GE(data.size(), 2u);
  std::string joined;
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    const json::object e = ParseJsonObject(data[i]);
    EXPECT_EQ(e.at("type"), "transcript.text.delta");
    joined += std::string(e.at("delta").as_string());
    EXPECT_FALSE(e.at("logprobs").as_array().empty());
    // Inferno's part: the segment's tokens, each with its alternatives, best first.
    for (const json::value& tok : e.at("segment").at("tokens").as_array()) {
      const json::array& top = tok.at("top").as_array();
      ASSERT_EQ(top.size(), 5u);
      // Not necessarily the token itself first: beam search (the default) may keep another.
      for (size_t i = 0; i + 1 < top.size(); ++i) {
        EXPECT_GE(Num(top[i].at("p")), Num(top[i + 1].at("p")));
      }
    }
  }
  const json::object done = ParseJsonObject(data.back());
  EXPECT_EQ(done.at("type"), "transcript.text.done");
  EXPECT_EQ(done.at("text"), plain.at("text"));
  EXPECT_EQ(joined, std::string(done.at("text").as_string()));
  EXPECT_EQ(done.at("usage").at("seconds").to_number<int>(), 18);
}

TEST_F(TranscriptionApi, TranslationsRoute) {
  const json::object v = SendJson({{"response_format", "verbose_json"}}, "/v1/audio/translations");
  EXPECT_EQ(v.at("task"), "translate");
  EXPECT_FALSE(v.at("segments").as_array().empty());
}

TEST_F(TranscriptionApi, BadFieldsAreOpenAiErrorsNamingTheField) {
  const std::pair<std::vector<Field>, const char*> cases[] = {
      {{{"response_format", "mp3"}}, "response_format"},
      {{{"temperature", "1.5"}}, "temperature"},
      {{{"temperature", "hot"}}, "temperature"},
      {{{"prompt", std::string(audio::kMaxPromptBytes + 1, 'a')}}, "prompt"},
      {{{"language", "xx"}}, "language"},
      {{{"timestamp_granularities[]", "word"}}, "timestamp_granularities"},
      {{{"timestamp_granularities[]", "char"}}, "timestamp_granularities"},
      {{{"stream", "true"}, {"response_format", "srt"}}, "stream"},
      {{{"stream", "yes"}}, "stream"},
      {{{"include[]", "logprobs"}, {"response_format", "text"}}, "include"},
  };
  for (const auto& [fields, param] : cases) {
    HttpResponse r = Send(fields);
    EXPECT_EQ(r.status, 400) << param << ": " << r.body;
    EXPECT_EQ(ErrorField(r, "param"), param) << r.body;
    EXPECT_EQ(ErrorField(r, "type"), "invalid_request_error");
  }
}

TEST_F(TranscriptionApi, BadFormsAndFiles) {
  const std::map<std::string, std::string> form = {
      {"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
  HttpResponse no_file = HttpRequest(port(), "POST", "/v1/audio/transcriptions",
                                     Form({{"model", "whisper-tiny"}}), form);
  EXPECT_EQ(no_file.status, 400);
  EXPECT_EQ(ErrorField(no_file, "param"), "file");
  HttpResponse json_body =
      HttpRequest(port(), "POST", "/v1/audio/transcriptions", R"({"model":"whisper-tiny"})",
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(json_body.status, 400);
  EXPECT_NE(ErrorField(json_body, "message").find("multipart/form-data"), std::string::npos);
  HttpResponse broken = HttpRequest(port(), "POST", "/v1/audio/transcriptions",
                                    "--" + std::string(kBoundary) + "\r\nno headers", form);
  EXPECT_EQ(broken.status, 400);
  // Bytes that are no audio: 400 naming the file, after the model was found.
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(rng());
  HttpResponse not_audio = HttpRequest(port(), "POST", "/v1/audio/transcriptions",
                                       Form({{"file", noise, "x.wav"}}), form);
  EXPECT_EQ(not_audio.status, 400) << not_audio.body;
  EXPECT_EQ(ErrorField(not_audio, "param"), "file");
  EXPECT_EQ(ErrorField(not_audio, "code"), "invalid_audio");
  EXPECT_EQ(HttpRequest(port(), "GET", "/v1/audio/transcriptions").status, 405);
}

TEST_F(TranscriptionApi, UploadLimitIsOpenAis) {
  const std::map<std::string, std::string> form = {
      {"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
  // Above --body-limit (1 MiB) but within 25 MiB: read, then refused as no audio.
  HttpResponse two_mib = HttpRequest(port(), "POST", "/v1/audio/transcriptions",
                                     Form({{"file", std::string(2 << 20, 'a'), "a.wav"}}), form);
  EXPECT_EQ(two_mib.status, 400) << two_mib.body;
  EXPECT_EQ(ErrorField(two_mib, "param"), "file");
  HttpResponse big = HttpRequest(port(), "POST", "/v1/audio/transcriptions",
                                 Form({{"file", std::string((25 << 20) + 1, 'a'), "a.wav"}}), form);
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
  EXPECT_EQ(ErrorField(big, "type"), "request_too_large");
  HttpResponse bigger = HttpRequest(port(), "POST", "/v1/audio/transcriptions",
                                    Form({{"file", std::string(27 << 20, 'a'), "a.wav"}}), form);
  // Past the route's transport limit the answer comes before the body is read, and this client
  // may see the connection reset while it still sends: 413 or nothing, then the server serves.
  EXPECT_TRUE(bigger.status == 413 || bigger.status == 0) << bigger.status;
  EXPECT_EQ(HttpRequest(port(), "GET", "/health").status, 200);
  // Other routes keep --body-limit.
  EXPECT_EQ(HttpRequest(port(), "POST", "/v1/embeddings", std::string((1 << 20) + 8, ' ')).status,
            413);
}

// The speech model in the box (models/inferno-speech.bin, tools/speech-model): a server built in
// the checkout and started without -m offers it while its models dir has no speech model, as
// the .deb's offers its copy from /usr/share; not beside the dir's own (this suite's server),
// nor when given its model with -m.
TEST_F(TranscriptionApi, TheBundledSpeechModelStandsInForAnEmptyDir) {
  const fs::path bundled = fs::path(INFERNO_SOURCE_DIR) / "models" / "inferno-speech.bin";
  if (!fs::exists(bundled)) GTEST_SKIP() << "no " << bundled;
  EXPECT_EQ(HttpRequest(port(), "GET", "/v1/models/inferno-speech").status, 404);
  const fs::path dir = testing::FreshTempDir("transcription_api", "bundled");
  const std::vector<std::string> common = {
      "--models-dir", (dir / "models").string(), "--data-dir", (dir / "data").string(), "-t", "1"};
  {
    testing::ServerProcess server(common);
    ASSERT_TRUE(server.ok()) << server.startup_output();
    const json::object m =
        ParseJsonObject(HttpRequest(server.port(), "GET", "/v1/models/inferno-speech").body);
    EXPECT_EQ(m.at("kind"), "speech");
    EXPECT_EQ(m.at("size_bytes").to_number<uint64_t>(), fs::file_size(bundled));
    // whisper-1 means it; speech-1 is a real recording, far from the model's espeak-ng
    // training: only that it transcribes.
    std::string form = Form({{"file", speech_, "speech-1.mp3"}, {"model", "whisper-1"}});
    HttpResponse r =
        HttpRequest(server.port(), "POST", "/v1/audio/transcriptions", form,
                    {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(ParseJsonObject(r.body).at("text").as_string().empty());
  }
  std::vector<std::string> with_model = common;
  with_model.insert(with_model.end(), {"-m", testing::FixtureModel()});
  testing::ServerProcess given(with_model);
  ASSERT_TRUE(given.ok()) << given.startup_output();
  EXPECT_EQ(HttpRequest(given.port(), "GET", "/v1/models/inferno-speech").status, 404);
  fs::remove_all(dir);
}

TEST_F(TranscriptionApi, ChatAndSpeechModelsStayApart) {
  HttpResponse chat_model = Send({{"model", "chat"}});
  EXPECT_EQ(chat_model.status, 400) << chat_model.body;
  EXPECT_EQ(ErrorField(chat_model, "param"), "model");
  EXPECT_EQ(ErrorField(chat_model, "code"), "model_not_supported");
  HttpResponse unknown = Send({{"model", "nothing-here"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorField(unknown, "code"), "model_not_found");
  const std::string chat =
      R"({"model":"whisper-tiny","max_tokens":1,"messages":[{"role":"user","content":"hi"}]})";
  HttpResponse speech_chat = HttpRequest(port(), "POST", "/v1/chat/completions", chat);
  EXPECT_EQ(speech_chat.status, 400) << speech_chat.body;
  EXPECT_EQ(ErrorField(speech_chat, "code"), "model_not_supported");
  EXPECT_NE(ErrorField(speech_chat, "message").find("/v1/audio/transcriptions"), std::string::npos);
  HttpResponse ollama = HttpRequest(port(), "POST", "/api/generate",
                                    R"({"model":"whisper-tiny","prompt":"hi","stream":false})");
  EXPECT_EQ(ollama.status, 400) << ollama.body;
}

}  // namespace
}  // namespace inferno
