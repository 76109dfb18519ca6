// The mmproj branch of `inferno inspect`: the VisionConfig (engine/vision/mmproj_config.h)
// in words or JSON.
#include "cli/inspect_mmproj.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "cli/model_files.h"
#include "engine/vision/mmproj_config.h"

namespace inferno::cli {

namespace {

std::string_view FilterName(vision::ResizeFilter f) {
  return f == vision::ResizeFilter::kBicubic ? "bicubic" : "bilinear";
}

// What the file holds beyond the config: parameters and bytes.
struct Totals {
  int64_t parameters = 0;
  uint64_t bytes = 0;
};

Totals Count(const gguf::File& f) {
  Totals t;
  for (const gguf::TensorInfo& info : f.tensors()) {
    t.parameters += info.n_elements;
    t.bytes += info.bytes;
  }
  return t;
}

boost::json::object Json(const gguf::File& f, const vision::VisionConfig& c) {
  const Totals t = Count(f);
  const int side = c.patches_per_side();
  return boost::json::object{
      {"file", f.path()},
      {"kind", "mmproj"},
      {"projector", c.projector_name},
      {"image_size", c.image_size},
      {"patch_size", c.patch_size},
      {"patch_grid", boost::json::array{side, side}},
      {"tokens_per_image", c.qwen() ? boost::json::value(nullptr)  // depends on the image
                                    : boost::json::value(c.tokens_per_image())},
      {"embedding_length", c.n_embd_out},
      {"encoder", boost::json::object{{"layers", c.n_layer},
                                      {"layers_run", c.n_layer_run},
                                      {"width", c.n_embd},
                                      {"heads", c.n_head},
                                      {"feed_forward", c.n_ff},
                                      {"activation", FfnActivationName(c.ffn)},
                                      {"class_embedding", c.has_class_embd}}},
      {"preprocess",
       boost::json::object{
           {"resize", FilterName(c.resize)},
           {"pad_color", boost::json::array(c.pad_color.begin(), c.pad_color.end())},
           {"mean", boost::json::array(c.image_mean.begin(), c.image_mean.end())},
           {"std", boost::json::array(c.image_std.begin(), c.image_std.end())}}},
      {"parameters", t.parameters},
      {"size_bytes", f.file_size()},
      {"valid", true}};
}

void PrintText(const gguf::File& f, const vision::VisionConfig& c) {
  const Totals t = Count(f);
  const int side = c.patches_per_side();
  fmt::print("file:         {}\n", f.path());
  fmt::print("size:         {}, {} parameters in {} tensors\n", HumanBytes(double(f.file_size())),
             t.parameters, f.tensors().size());
  fmt::print("kind:         mmproj (image encoder and projector for a language model)\n");
  fmt::print("projector:    {}\n", ProjectorName(c.projector));
  if (c.qwen()) {
    const int block = c.patch_size * c.n_merge;
    fmt::print("image:        its own size in multiples of {} px, {} x {} px patches\n", block,
               c.patch_size, c.patch_size);
    fmt::print("tokens:       one per {} x {} px, {} to {} per image\n", block, block,
               c.min_pixels / (block * block), c.max_pixels / (block * block));
  } else {
    fmt::print("image:        {} x {} px in {} x {} px patches: a {} x {} grid ({} patches)\n",
               c.image_size, c.image_size, c.patch_size, c.patch_size, side, side, c.n_patches());
  }
  if (c.qwen()) {
    if (c.n_wa_pattern > 0) {
      fmt::print("attention:    windows of {} px, full on layers {}, {}, ... (n_wa_pattern {})\n",
                 c.window_size, c.n_wa_pattern - 1, 2 * c.n_wa_pattern - 1, c.n_wa_pattern);
    }
  } else if (c.projector == vision::Projector::kGemma3) {
    fmt::print("tokens:       {} per image ({} x {} average pooling)\n", c.tokens_per_image(),
               c.n_merge, c.n_merge);
  } else {
    fmt::print("tokens:       {} per image\n", c.tokens_per_image());
  }
  fmt::print("encoder:      ViT, {} layers ({} run), width {}, {} heads, feed-forward {} ({})\n",
             c.n_layer, c.n_layer_run, c.n_embd, c.n_head, c.n_ff, FfnActivationName(c.ffn));
  fmt::print(
      "preprocess:   {} resize to fit {}, padded with rgb({}, {}, {}); mean {:g} {:g} "
      "{:g}, std {:g} {:g} {:g}\n",
      FilterName(c.resize),
      c.qwen() ? std::string("that size") : std::to_string(c.image_size) + " px", c.pad_color[0],
      c.pad_color[1], c.pad_color[2], c.image_mean[0], c.image_mean[1], c.image_mean[2],
      c.image_std[0], c.image_std[1], c.image_std[2]);
  fmt::print("embedding:    {} (the language model's embedding_length must match)\n", c.n_embd_out);
  fmt::print("verdict:      valid\n");
}

}  // namespace

int InspectMmproj(const gguf::File& f, bool json) {
  Result<vision::VisionConfig> c = vision::ReadVisionConfig(f);
  if (!c.ok()) {
    if (json) {
      fmt::print("{}\n",
                 boost::json::serialize(boost::json::object{{"file", f.path()},
                                                            {"kind", "mmproj"},
                                                            {"valid", false},
                                                            {"error", c.status().message()}}));
    }
    fmt::print(stderr, "error: {}\n", c.status().message());
    return 1;
  }
  if (json) {
    fmt::print("{}\n", boost::json::serialize(Json(f, *c)));
  } else {
    PrintText(f, *c);
  }
  return 0;
}

}  // namespace inferno::cli
