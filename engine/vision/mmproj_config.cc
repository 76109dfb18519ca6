// The clip.* keys as llama.cpp's mtmd reads them (tools/mtmd/clip.cpp, clip_model_loader),
// with its defaults for the keys it treats as optional.
#include "engine/vision/mmproj_config.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace inferno::vision {

namespace {

constexpr std::string_view kVisionPrefix = "clip.vision.";

Status Fail(const gguf::File& f, const std::string& what) {
  return Status::InvalidArgument(f.path() + ": " + what);
}

// A required positive integer key.
Result<int> PositiveKey(const gguf::File& f, const std::string& key) {
  Result<uint64_t> v = f.GetUint(key);
  if (!v.ok()) return Fail(f, v.status().message());
  if (*v == 0 || *v > (1u << 20)) {
    return Fail(f, key + " is " + std::to_string(*v) + ", expected 1 to 1048576");
  }
  return int(*v);
}

Result<std::string> ProjectorTypeName(const gguf::File& f) {
  Result<std::string> name = f.GetStringOr("clip.projector_type", "");
  if (name.ok() && name->empty()) name = f.GetStringOr("clip.vision.projector_type", "");
  if (!name.ok()) return Fail(f, name.status().message());
  if (name->empty()) return Fail(f, "no clip.projector_type");
  return name;
}

// Mean and std: three floats each (per RGB channel).
Status ReadNormalisation(const gguf::File& f, VisionConfig* c) {
  for (auto [key, dst] : {std::pair{"clip.vision.image_mean", &c->image_mean},
                          std::pair{"clip.vision.image_std", &c->image_std}}) {
    Result<std::vector<float>> v = f.GetFloatArray(key);
    if (!v.ok()) return Fail(f, v.status().message());
    if (v->size() < 3) return Fail(f, std::string(key) + " has fewer than 3 values");
    for (int i = 0; i < 3; ++i) (*dst)[i] = (*v)[i];
  }
  for (float s : c->image_std) {
    if (!(s > 0)) return Fail(f, "clip.vision.image_std holds a value that is not positive");
  }
  return Status::Ok();
}

Status ReadShape(const gguf::File& f, VisionConfig* c) {
  const std::string p(kVisionPrefix);
  struct Key {
    const char* name;
    int* dst;
  };
  for (const Key& k : {Key{"image_size", &c->image_size}, Key{"patch_size", &c->patch_size},
                       Key{"embedding_length", &c->n_embd}, Key{"feed_forward_length", &c->n_ff},
                       Key{"block_count", &c->n_layer}, Key{"attention.head_count", &c->n_head}}) {
    Result<int> v = PositiveKey(f, p + k.name);
    if (!v.ok()) return v.status();
    *k.dst = *v;
  }
  Result<uint64_t> proj_dim = f.GetUintOr(p + "projection_dim", 0);
  if (!proj_dim.ok()) return Fail(f, proj_dim.status().message());
  c->projection_dim = int(*proj_dim);
  Result<double> eps = f.GetFloat(p + "attention.layer_norm_epsilon");
  if (!eps.ok()) return Fail(f, eps.status().message());
  c->eps = float(*eps);
  if (c->image_size % c->patch_size != 0) {
    return Fail(f, "image_size " + std::to_string(c->image_size) + " is not a multiple of " +
                       "patch_size " + std::to_string(c->patch_size));
  }
  if (c->n_embd % c->n_head != 0) {
    return Fail(f, "embedding_length " + std::to_string(c->n_embd) + " is not a multiple of " +
                       "head_count " + std::to_string(c->n_head));
  }
  return Status::Ok();
}

Status ReadActivation(const gguf::File& f, VisionConfig* c) {
  Result<bool> gelu = f.GetBoolOr("clip.use_gelu", false);
  Result<bool> silu = f.GetBoolOr("clip.use_silu", false);
  if (!gelu.ok()) return Fail(f, gelu.status().message());
  if (!silu.ok()) return Fail(f, silu.status().message());
  if (*gelu && *silu) return Fail(f, "both clip.use_gelu and clip.use_silu are set");
  c->ffn = *gelu ? FfnActivation::kGelu : *silu ? FfnActivation::kSilu : FfnActivation::kGeluQuick;
  return Status::Ok();
}

// The tensor `name` must exist with exactly `shape` (GGUF order, contiguous dimension first).
Status ExpectShape(const gguf::File& f, std::string_view name, std::vector<int64_t> shape) {
  const gguf::TensorInfo* t = f.FindTensor(name);
  if (t == nullptr) return Fail(f, "tensor '" + std::string(name) + "' is missing");
  if (t->shape != shape) {
    auto str = [](const std::vector<int64_t>& s) {
      std::string out;
      for (int64_t d : s) out += (out.empty() ? "" : " x ") + std::to_string(d);
      return out;
    };
    return Fail(
        f, "tensor '" + std::string(name) + "' is " + str(t->shape) + ", expected " + str(shape));
  }
  return Status::Ok();
}

// Gemma 3: average pooling, RMS norm (mm.soft_emb_norm) and a projection stored as
// [n_embd_out, n_embd] (mtmd multiplies by its transpose).
Status ReadGemma3(const gguf::File& f, VisionConfig* c) {
  Result<uint64_t> merge = f.GetUintOr("clip.vision.projector.scale_factor", 4);
  if (!merge.ok()) return Fail(f, merge.status().message());
  c->n_merge = int(*merge);
  if (c->n_merge < 1 || c->patches_per_side() % c->n_merge != 0) {
    return Fail(f, "clip.vision.projector.scale_factor " + std::to_string(*merge) +
                       " does not divide the patch grid side " +
                       std::to_string(c->patches_per_side()));
  }
  c->resize = ResizeFilter::kBilinear;
  c->pad_color = {0, 0, 0};
  c->n_layer_run = c->n_layer;
  const gguf::TensorInfo* proj = f.FindTensor("mm.input_projection.weight");
  if (proj == nullptr || proj->shape.size() != 2) {
    return Fail(f, "tensor 'mm.input_projection.weight' is missing or not 2-D");
  }
  c->n_embd_out = int(proj->shape[0]);
  INFERNO_RETURN_IF_ERROR(ExpectShape(f, "mm.input_projection.weight", {c->n_embd_out, c->n_embd}));
  return ExpectShape(f, "mm.soft_emb_norm.weight", {c->n_embd});
}

// Linear, GELU, Linear (mm.0, mm.2) from rows of `in` values to the language model's size.
Status ReadTwoLayerMlp(const gguf::File& f, int64_t in, VisionConfig* c) {
  const gguf::TensorInfo* up = f.FindTensor("mm.0.weight");
  const gguf::TensorInfo* down = f.FindTensor("mm.2.weight");
  if (up == nullptr || down == nullptr || up->shape.size() != 2 || down->shape.size() != 2) {
    return Fail(f, "tensors 'mm.0.weight' and 'mm.2.weight' must exist and be 2-D");
  }
  const int64_t hidden = up->shape[1];
  c->n_embd_out = int(down->shape[1]);
  INFERNO_RETURN_IF_ERROR(ExpectShape(f, "mm.0.weight", {in, hidden}));
  INFERNO_RETURN_IF_ERROR(ExpectShape(f, "mm.0.bias", {hidden}));
  INFERNO_RETURN_IF_ERROR(ExpectShape(f, "mm.2.weight", {hidden, c->n_embd_out}));
  return ExpectShape(f, "mm.2.bias", {c->n_embd_out});
}

// LLaVA: Linear, GELU, Linear (mm.0, mm.2); the images are padded with the mean colour of
// CLIP's training set as mtmd does (122, 116, 104) and resized with its bicubic filter.
Status ReadMlp(const gguf::File& f, VisionConfig* c) {
  if (f.FindTensor("mm.3.weight") != nullptr) {
    return Status::Unsupported(f.path() +
                               ": the normalised LLaVA projector (mm.3, Yi-VL) is not "
                               "supported yet");
  }
  if (f.Find("clip.vision.image_grid_pinpoints") != nullptr) {
    return Status::Unsupported(f.path() +
                               ": LLaVA-1.6 tiling (image_grid_pinpoints) is not "
                               "supported yet");
  }
  c->resize = ResizeFilter::kBicubic;
  c->pad_color = {122, 116, 104};
  c->n_layer_run = c->n_layer - 1;
  c->has_class_embd = f.FindTensor("v.class_embd") != nullptr;
  return ReadTwoLayerMlp(f, c->n_embd, c);
}

// Qwen2-VL / Qwen2.5-VL: 2x2 patches merged into one token by mm.0 (Linear over the four
// concatenated), GELU, mm.2; images at about their own size within 8..4096 tokens, the limits
// mtmd sets for these projectors whatever the file's image_min/max_pixels say; bilinear resize
// padded black; Qwen2.5-VL's window attention with mtmd's fixed 112-pixel windows.
Status ReadQwenVl(const gguf::File& f, VisionConfig* c) {
  Result<uint64_t> merge = f.GetUintOr("clip.vision.spatial_merge_size", 2);
  if (!merge.ok()) return Fail(f, merge.status().message());
  if (*merge != 2) {
    return Fail(f, "clip.vision.spatial_merge_size is " + std::to_string(*merge) +
                       ", mtmd's Qwen-VL encoder merges 2x2 patches");
  }
  c->n_merge = 2;
  const bool v25 = c->projector == Projector::kQwen25Vl;
  Result<uint64_t> pattern =
      v25 ? f.GetUint("clip.vision.n_wa_pattern") : f.GetUintOr("clip.vision.n_wa_pattern", 0);
  if (!pattern.ok()) return Fail(f, pattern.status().message());
  c->n_wa_pattern = int(std::min<uint64_t>(*pattern, 1 << 20));
  c->window_size = 112;
  c->rms_norm = v25;
  c->resize = ResizeFilter::kBilinear;
  c->pad_color = {0, 0, 0};
  c->n_layer_run = c->n_layer;
  const int area = (c->patch_size * 2) * (c->patch_size * 2);
  c->min_pixels = 8 * area;
  c->max_pixels = 4096 * area;
  if ((c->n_embd / c->n_head) % 4 != 0) {
    return Fail(f, "the ViT's head size " + std::to_string(c->n_embd / c->n_head) +
                       " is not a multiple of 4 (2-D RoPE turns a quarter of it per axis)");
  }
  return ReadTwoLayerMlp(f, 4 * int64_t(c->n_embd), c);
}

Result<Projector> ParseProjector(const gguf::File& f, const std::string& name) {
  if (name == "mlp") return Projector::kMlp;
  if (name == "gemma3") return Projector::kGemma3;
  if (name == "qwen2vl_merger") return Projector::kQwen2Vl;
  if (name == "qwen2.5vl_merger") return Projector::kQwen25Vl;
  return Status::Unsupported(f.path() + ": projector type '" + name +
                             "' is not supported (supported: gemma3, mlp, qwen2vl_merger, "
                             "qwen2.5vl_merger)");
}

Status ReadProjector(const gguf::File& f, VisionConfig* c) {
  switch (c->projector) {
    case Projector::kMlp:
      return ReadMlp(f, c);
    case Projector::kGemma3:
      return ReadGemma3(f, c);
    case Projector::kQwen2Vl:
    case Projector::kQwen25Vl:
      return ReadQwenVl(f, c);
  }
  return Status::Ok();
}

}  // namespace

PixelSize ImageSizeFor(const VisionConfig& c, int width, int height) {
  if (!c.qwen()) return {c.image_size, c.image_size};
  const int f = c.patch_size * c.n_merge;
  auto round_to = [f](float x) { return int(std::round(x / float(f))) * f; };
  auto ceil_to = [f](float x) { return int(std::ceil(x / float(f))) * f; };
  auto floor_to = [f](float x) { return int(std::floor(x / float(f))) * f; };
  int w = std::max(f, round_to(float(width))), h = std::max(f, round_to(float(height)));
  if (int64_t(w) * h > c.max_pixels) {
    const float beta = std::sqrt(float(height) * float(width) / float(c.max_pixels));
    h = std::max(f, floor_to(float(height) / beta));
    w = std::max(f, floor_to(float(width) / beta));
  } else if (int64_t(w) * h < c.min_pixels) {
    const float beta = std::sqrt(float(c.min_pixels) / (float(height) * float(width)));
    h = ceil_to(float(height) * beta);
    w = ceil_to(float(width) * beta);
  }
  return {w, h};
}

TokenGrid TokenGridFor(const VisionConfig& c, int width, int height) {
  if (!c.qwen()) {
    const auto [rows, cols] = c.token_grid();
    return {cols, rows};
  }
  const PixelSize s = ImageSizeFor(c, width, height);
  const int f = c.patch_size * c.n_merge;
  return {s.width / f, s.height / f};
}

int VisionConfig::tokens_per_image() const {
  return projector == Projector::kGemma3 ? n_patches() / (n_merge * n_merge) : n_patches();
}

std::pair<int, int> VisionConfig::token_grid() const {
  const int side =
      projector == Projector::kGemma3 ? patches_per_side() / n_merge : patches_per_side();
  return {side, side};
}

std::string_view ProjectorName(Projector p) {
  switch (p) {
    case Projector::kMlp:
      return "mlp (LLaVA)";
    case Projector::kGemma3:
      return "gemma3 (SigLIP, average pooling)";
    case Projector::kQwen2Vl:
      return "qwen2vl (2-D RoPE ViT, 2x2 patch merger)";
    case Projector::kQwen25Vl:
      break;
  }
  return "qwen2.5vl (2-D RoPE ViT, window attention, 2x2 patch merger)";
}

std::string_view FfnActivationName(FfnActivation a) {
  switch (a) {
    case FfnActivation::kGelu:
      return "gelu";
    case FfnActivation::kSilu:
      return "silu";
    case FfnActivation::kGeluQuick:
      break;
  }
  return "quick-gelu";
}

bool IsMmproj(const gguf::File& f) {
  Result<std::string> arch = f.GetStringOr("general.architecture", "");
  return arch.ok() && *arch == "clip";
}

Result<VisionConfig> ReadVisionConfig(const gguf::File& f) {
  if (!IsMmproj(f)) return Fail(f, "not an mmproj file (general.architecture is not 'clip')");
  Result<bool> has_vision = f.GetBoolOr("clip.has_vision_encoder", false);
  if (!has_vision.ok() || !*has_vision) {
    return Status::Unsupported(f.path() + ": the mmproj has no vision encoder");
  }
  Result<std::string> name = ProjectorTypeName(f);
  if (!name.ok()) return name.status();
  VisionConfig c;
  c.projector_name = *name;
  Result<Projector> projector = ParseProjector(f, *name);
  if (!projector.ok()) return projector.status();
  c.projector = *projector;
  INFERNO_RETURN_IF_ERROR(ReadShape(f, &c));
  INFERNO_RETURN_IF_ERROR(ReadNormalisation(f, &c));
  INFERNO_RETURN_IF_ERROR(ReadActivation(f, &c));
  INFERNO_RETURN_IF_ERROR(ReadProjector(f, &c));
  if (c.n_layer_run < 1) return Fail(f, "block_count leaves no layer to run");
  return c;
}

}  // namespace inferno::vision
