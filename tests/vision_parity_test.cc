// Vision encoders against llama.cpp's mtmd: the zoo (tools/zoo/vision.sh) holds, for each
// random-weight mmproj and image, the pixels mtmd decoded (stb_image) and the image embeddings
// it computed. Ours, from the same pixels, must match per token: cosine >= 0.99999 and
// max |difference| <= 0.01 (embeddings of magnitude ~1; seen: cosine >= 0.9999998, max 0.0021,
// from summation order in the kernels). Our own decoder must give the same pixels as
// stb_image for the PNGs and nearly the same for the JPEG (two IDCTs: mean 0.07, max 3), and
// the embeddings from our decode must stay close to mtmd's (cosine >= 0.999).
// Qwen-VL (2-D RoPE, window attention, 2x2 merger, images at their own size) is held to the same
// bounds. Then the language model: the prompt's text chunks and our image embeddings
// (bidirectional for Gemma 3, on an M-RoPE grid for Qwen-VL, as mtmd decodes them) go through
// our forward pass; the greedy tokens must be
// mtmd's up to the first near-tie (a runner-up within 0.1 of the oracle's logit) where the two
// part, and the oracle's tokens' logits within 0.5 of mtmd's.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>

#include "engine/media/image.h"
#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/media.h"
#include "engine/vision/encoder.h"
#include "tests/subprocess.h"
#include "tests/vision_zoo.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

using vision_zoo::kOracles;

struct Case {
  std::string mmproj, image;  // "gemma3-tiny", "photo-1"
};

std::vector<Case> Cases() {
  std::vector<Case> out;
  for (const char* m : {"gemma3-tiny", "llava-tiny", "qwen25vl-tiny", "qwen2vl-tiny"}) {
    for (const char* i : {"photo-1", "odd-1x1000", "odd-333x77"}) out.push_back({m, i});
  }
  return out;
}

fs::path ImagePath(const std::string& stem) {
  for (const char* ext : {".jpeg", ".png"}) {
    if (fs::exists(kOracles / "images" / (stem + ext))) return kOracles / "images" / (stem + ext);
  }
  return {};
}

// mtmd's pixels: the .rgb dump with the size from the oracle.
media::Image OraclePixels(const Case& c, const json::object& oracle) {
  const json::object& size = oracle.at("image").as_object();
  media::Image img{
      int(size.at("width").to_number<int64_t>()), int(size.at("height").to_number<int64_t>()), {}};
  const std::string raw = testing::ReadAll(kOracles / (c.mmproj + "." + c.image + ".rgb"));
  img.rgb.assign(raw.begin(), raw.end());
  return img;
}

const json::array& OracleEmbeddings(const json::object& oracle) {
  for (const json::value& chunk : oracle.at("chunks").as_array()) {
    if (chunk.at("type") == "image") return chunk.at("embeddings").as_array();
  }
  static const json::array none;
  return none;
}

struct Agreement {
  double min_cosine = 1, max_abs = 0;
};

Agreement Compare(const std::vector<float>& ours, int n_embd, const json::array& theirs) {
  Agreement a;
  for (size_t t = 0; t < theirs.size(); ++t) {
    const json::array& row = theirs[t].as_array();
    double dot = 0, na = 0, nb = 0;
    for (int e = 0; e < n_embd; ++e) {
      const double x = ours[t * n_embd + e], y = row[e].to_number<double>();
      dot += x * y, na += x * x, nb += y * y;
      a.max_abs = std::max(a.max_abs, std::fabs(x - y));
    }
    a.min_cosine = std::min(a.min_cosine, dot / std::sqrt(na * nb));
  }
  return a;
}

Result<std::unique_ptr<vision::VisionEncoder>> OpenEncoder(const std::string& name) {
  return vision::VisionEncoder::Open(vision_zoo::Mmproj(name));
}

TEST(VisionParity, EmbeddingsMatchMtmd) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  ThreadPool pool(2);
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.mmproj + " " + c.image);
    const json::object oracle = vision_zoo::Oracle(c.mmproj, c.image);
    Result<std::unique_ptr<vision::VisionEncoder>> enc = OpenEncoder(c.mmproj);
    ASSERT_TRUE(enc.ok()) << enc.status().message();
    const vision::VisionConfig& cfg = (*enc)->config();
    const json::array& theirs = OracleEmbeddings(oracle);
    const media::Image pixels = OraclePixels(c, oracle);
    ASSERT_EQ(int(theirs.size()),
              vision::TokenGridFor(cfg, pixels.width, pixels.height).n_tokens());
    const std::vector<float> ours = (*enc)->Encode(pool, pixels);
    ASSERT_EQ(ours.size(), theirs.size() * cfg.n_embd_out);
    const Agreement a = Compare(ours, cfg.n_embd_out, theirs);
    std::printf("%s %s: %zu tokens, min cosine %.7f, max |diff| %.5f\n", c.mmproj.c_str(),
                c.image.c_str(), theirs.size(), a.min_cosine, a.max_abs);
    EXPECT_GE(a.min_cosine, 0.99999);
    EXPECT_LE(a.max_abs, 0.01);
    Result<media::Image> decoded = media::LoadImageFile(ImagePath(c.image).string());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    const Agreement own = Compare((*enc)->Encode(pool, *decoded), cfg.n_embd_out, theirs);
    std::printf("  from our decoder: min cosine %.7f, max |diff| %.5f\n", own.min_cosine,
                own.max_abs);
    EXPECT_GE(own.min_cosine, 0.999);
  }
}

TEST(VisionParity, OurDecoderSeesMtmdsPixels) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  for (const char* stem : {"photo-1", "odd-1x1000", "odd-333x77"}) {
    SCOPED_TRACE(stem);
    const json::object oracle = vision_zoo::Oracle("gemma3-tiny", stem);
    const media::Image theirs = OraclePixels({"gemma3-tiny", stem}, oracle);
    Result<media::Image> ours = media::LoadImageFile(ImagePath(stem).string());
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    ASSERT_EQ(ours->width, theirs.width);
    ASSERT_EQ(ours->height, theirs.height);
    double sum = 0;
    int max_diff = 0;
    for (size_t i = 0; i < theirs.rgb.size(); ++i) {
      const int d = std::abs(int(ours->rgb[i]) - int(theirs.rgb[i]));
      sum += d, max_diff = std::max(max_diff, d);
    }
    const double mean = sum / double(theirs.rgb.size());
    std::printf("%s: decoder vs stb_image: mean |diff| %.4f, max %d\n", stem, mean, max_diff);
    if (ImagePath(stem).extension() == ".png") {
      EXPECT_EQ(max_diff, 0);
    } else {
      EXPECT_LT(mean, 1.0);  // libjpeg-turbo's and stb's IDCT and chroma upsampling differ
    }
  }
}

std::vector<int32_t> Ids(const json::array& a) {
  std::vector<int32_t> ids;
  for (const json::value& v : a) ids.push_back(int32_t(v.to_number<int64_t>()));
  return ids;
}

// Feeds the oracle's chunks (text ids, or our image embeddings, on `grid` for M-RoPE) and
// returns how many greedy steps agreed before the first near-tie or the end.
int GreedyAgreement(const Model& m, ThreadPool& pool, const json::object& oracle,
                    const std::vector<float>& image, bool bidirectional, vision::TokenGrid grid) {
  KvCache cache(m.config(), 1024);
  ForwardState state(m.config(), 512);
  std::vector<float> logits(m.config().n_vocab);
  std::vector<MediaSpan> spans;
  std::vector<blocks::MropePosition> mrope;
  int32_t pos = 0;
  auto feed = [&](const std::vector<int32_t>& ids) {
    MropePositions(spans, pos, int(ids.size()), &mrope);
    state.mrope = m.config().mrope() ? mrope.data() : nullptr;
    std::vector<int32_t> positions(ids.size());
    for (int32_t& p : positions) p = pos++;
    Forward(m, pool, cache, ids, positions, state, logits.data());
  };
  for (const json::value& chunk : oracle.at("chunks").as_array()) {
    if (chunk.at("type") == "text") {
      feed(Ids(chunk.at("tokens").as_array()));
      continue;
    }
    MediaSpan& span = spans.emplace_back();
    span.first = pos;
    span.n_tokens = int(image.size() / m.config().n_embd);
    span.grid_cols = grid.cols;
    span.grid_rows = grid.rows;
    span.mrope = m.config().mrope();
    state.input_embeddings = image.data();
    state.bidirectional = bidirectional;
    feed(std::vector<int32_t>(size_t(span.n_tokens), 0));
    state.input_embeddings = nullptr;
    state.bidirectional = false;
  }
  // mtmd's n_past counts positions: an M-RoPE image takes max(cols, rows) of them.
  EXPECT_EQ(MropePositionAt(spans, pos).t, oracle.at("n_past").to_number<int64_t>());
  int agreed = 0;
  double max_logit_diff = 0;
  for (const json::value& step : oracle.at("greedy").as_array()) {
    const int32_t want = int32_t(step.at("token").to_number<int64_t>());
    const int32_t got = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    max_logit_diff =
        std::max(max_logit_diff, std::fabs(logits[want] - step.at("logit").to_number<double>()));
    if (got != want) {
      // Past a near-tie either token is right and the paths part; else it is a mismatch.
      EXPECT_LT(step.at("gap").to_number<double>(), 0.1) << "step " << agreed;
      break;
    }
    ++agreed;
    feed({got});
  }
  std::printf("  max |logit - mtmd's| of the oracle's tokens: %.4f\n", max_logit_diff);
  EXPECT_LT(max_logit_diff, 0.5);
  return agreed;
}

TEST(VisionParity, GreedyTokensMatchMtmd) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  ThreadPool pool(2);
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.mmproj + " " + c.image);
    const json::object oracle = vision_zoo::Oracle(c.mmproj, c.image);
    Result<std::unique_ptr<vision::VisionEncoder>> enc = OpenEncoder(c.mmproj);
    ASSERT_TRUE(enc.ok()) << enc.status().message();
    Result<std::unique_ptr<Model>> lm = Model::Load(vision_zoo::LanguageModel(c.mmproj));
    ASSERT_TRUE(lm.ok()) << lm.status().message();
    ASSERT_EQ((*lm)->config().n_embd, (*enc)->config().n_embd_out);
    const media::Image pixels = OraclePixels(c, oracle);
    const std::vector<float> image = (*enc)->Encode(pool, pixels);
    const vision::VisionConfig& cfg = (*enc)->config();
    const bool gemma3 = cfg.projector == vision::Projector::kGemma3;
    const int agreed = GreedyAgreement(**lm, pool, oracle, image, gemma3,
                                       vision::TokenGridFor(cfg, pixels.width, pixels.height));
    std::printf("%s %s: %d greedy tokens equal to mtmd's (of %zu)\n", c.mmproj.c_str(),
                c.image.c_str(), agreed, oracle.at("greedy").as_array().size());
    EXPECT_GE(agreed, 1);
  }
}

}  // namespace
}  // namespace inferno
