#include "engine/convert/convert.h"

#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "engine/convert/checkpoint.h"
#include "engine/convert/hf_config.h"
#include "engine/convert/json_file.h"
#include "engine/convert/parallel_rows.h"
#include "engine/convert/quant_mix.h"
#include "engine/convert/vocab.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/quantize.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

struct Planned {
  std::string name;                  // GGUF name
  std::vector<std::string> sources;  // HF names, concatenated along rows
  std::vector<std::vector<int64_t>> source_shapes;
  HfTransform transform = HfTransform::kCopy;
  std::vector<int64_t> shape;  // GGUF order
  int layer = -1;
  std::vector<float> generated;  // tensors computed from the config (rope_freqs)
  DType type = DType::kF32;
};

// Where the language model's tensors live in this checkpoint.
std::string FindPrefix(const Checkpoint& ckpt) {
  for (const char* p : {"model.", "model.language_model.", "language_model.model."}) {
    if (ckpt.Has(std::string(p) + "embed_tokens.weight")) return p;
  }
  return "model.";
}

bool Ignorable(const std::string& name) {
  if (name.find("rotary_emb.inv_freq") != std::string::npos) return true;
  for (const char* p : {"vision_tower.", "multi_modal_projector.", "model.vision_tower.",
                        "model.multi_modal_projector."}) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

// A tensor of rows x cols (PyTorch order) made of `sources` stacked along rows.
Planned Matrix(std::string name, std::vector<std::string> sources,
               std::vector<std::vector<int64_t>> shapes, int layer,
               HfTransform t = HfTransform::kCopy) {
  int64_t rows = 0;
  for (const auto& s : shapes) rows += s[0];
  Planned x;
  x.name = std::move(name);
  x.sources = std::move(sources);
  x.shape = {shapes[0][1], rows};
  x.source_shapes = std::move(shapes);
  x.layer = layer;
  x.transform = t;
  return x;
}

Planned Vector(std::string name, std::string source, int64_t n, int layer,
               HfTransform t = HfTransform::kCopy) {
  Planned x;
  x.name = std::move(name);
  x.sources = {std::move(source)};
  x.source_shapes = {{n}};
  x.shape = {n};
  x.layer = layer;
  x.transform = t;
  return x;
}

std::string ReplaceExpert(std::string_view pattern, int64_t e) {
  std::string s(pattern);
  s.replace(s.find("{e}"), 3, std::to_string(e));
  return s;
}

// One per-layer tensor of the family's declaration, or nothing when it is optional and absent.
std::optional<Planned> PlanLayerTensor(const Checkpoint& ckpt, const HParams& h,
                                       const HfLayerTensor& t, int l, const std::string& s) {
  const std::string gguf = "blk." + std::to_string(l) + "." + std::string(t.gguf);
  const int64_t rows = DimSize(h, t.rows);
  if (!t.cols) {
    if (t.need == HfNeed::kOptional && !ckpt.Has(s + std::string(t.hf))) return std::nullopt;
    return Vector(gguf, s + std::string(t.hf), rows, l, t.transform);
  }
  const int64_t cols = DimSize(h, *t.cols);
  if (t.per_expert) {
    std::vector<std::string> sources;
    for (int64_t e = 0; e < h.n_expert; ++e) sources.push_back(s + ReplaceExpert(t.hf, e));
    Planned x =
        Matrix(gguf, std::move(sources),
               std::vector<std::vector<int64_t>>(size_t(h.n_expert), {rows, cols}), l, t.transform);
    x.shape = {cols, rows, h.n_expert};  // experts outermost
    return x;
  }
  if (!ckpt.Has(s + std::string(t.hf)) && !t.parts.empty()) {
    std::vector<std::string> sources;
    std::vector<std::vector<int64_t>> shapes;
    for (const HfPart& p : t.parts) {
      sources.push_back(s + std::string(p.hf));
      shapes.push_back({DimSize(h, p.rows), cols});
    }
    return Matrix(gguf, std::move(sources), std::move(shapes), l, t.transform);
  }
  if (t.need == HfNeed::kOptional && !ckpt.Has(s + std::string(t.hf))) return std::nullopt;
  return Matrix(gguf, {s + std::string(t.hf)}, {{rows, cols}}, l, t.transform);
}

// Every source must be present with the shape the config implies, before anything is written.
Status CheckSources(const Checkpoint& ckpt, const std::vector<Planned>& plan) {
  for (const Planned& x : plan) {
    for (size_t i = 0; i < x.sources.size(); ++i) {
      Result<std::vector<int64_t>> shape = ckpt.Shape(x.sources[i]);
      if (!shape.ok()) return shape.status();
      if (*shape != x.source_shapes[i]) {
        return Status::Corruption(ckpt.dir() + ": tensor '" + x.sources[i] + "' has shape " +
                                  ShapeString(*shape) + ", expected " +
                                  ShapeString(x.source_shapes[i]) + " from config.json");
      }
    }
  }
  return Status::Ok();
}

// Tensors the family declares it cannot convert, with the reason.
Status CheckRefused(const Checkpoint& ckpt, const HParams& h) {
  for (const std::string& name : ckpt.Names()) {
    for (const HfRefused& r : h.hf->refused) {
      if (name.find(r.hf_part) != std::string::npos) {
        return Status::Unsupported(ckpt.dir() + ": tensor '" + name + "': " + std::string(r.why));
      }
    }
  }
  return Status::Ok();
}

// Every checkpoint tensor must be used (or known to be irrelevant): silently dropping weights
// would produce a model that loads but computes something else.
Status CheckAllUsed(const Checkpoint& ckpt, const HParams& h, const std::vector<Planned>& plan,
                    const std::string& head) {
  std::set<std::string> used;
  for (const Planned& x : plan) used.insert(x.sources.begin(), x.sources.end());
  if (h.tied && !head.empty()) used.insert(head);
  for (const std::string& name : ckpt.Names()) {
    if (!used.count(name) && !Ignorable(name)) {
      return Status::Unsupported(ckpt.dir() + ": tensor '" + name + "' has no place in a " +
                                 h.arch + " GGUF (unsupported model variant?)");
    }
  }
  return Status::Ok();
}

Result<std::vector<Planned>> Plan(const Checkpoint& ckpt, HParams& h) {
  INFERNO_RETURN_IF_ERROR(CheckRefused(ckpt, h));
  const std::string p = FindPrefix(ckpt);
  const int64_t D = h.n_embd;
  std::vector<Planned> plan;
  // The embedding decides the vocabulary size (config vocab_size may differ by padding).
  Result<std::vector<int64_t>> emb = ckpt.Shape(p + "embed_tokens.weight");
  if (!emb.ok()) return emb.status();
  if (emb->size() != 2 || (*emb)[1] != D) {
    return Status::Corruption(ckpt.dir() + ": tensor '" + p + "embed_tokens.weight' has shape " +
                              ShapeString(*emb) + ", expected [vocab, " + std::to_string(D) + "]");
  }
  h.n_vocab = (*emb)[0];
  plan.push_back(Matrix("token_embd.weight", {p + "embed_tokens.weight"}, {{h.n_vocab, D}}, -1));
  if (h.rope.type == "llama3") {
    Planned x;
    x.name = "rope_freqs.weight";
    x.generated = Llama3RopeFactors(h);
    x.shape = {int64_t(x.generated.size())};
    plan.push_back(std::move(x));
  }
  for (int l = 0; l < int(h.n_layer); ++l) {
    const std::string s = p + "layers." + std::to_string(l) + ".";
    for (const HfLayerTensor& t : h.hf->layer) {
      std::optional<Planned> x = PlanLayerTensor(ckpt, h, t, l, s);
      if (x) plan.push_back(std::move(*x));
    }
  }
  plan.push_back(Vector("output_norm.weight", p + "norm.weight", D, -1, h.hf->output_norm));
  std::string head;
  for (const char* c : {"lm_head.weight", "language_model.lm_head.weight"}) {
    if (ckpt.Has(c)) head = c;
  }
  if (!h.tied && head.empty()) h.tied = true;  // no lm_head stored: the embedding is reused
  if (!h.tied) plan.push_back(Matrix("output.weight", {head}, {{h.n_vocab, D}}, -1));
  INFERNO_RETURN_IF_ERROR(CheckSources(ckpt, plan));
  INFERNO_RETURN_IF_ERROR(CheckAllUsed(ckpt, h, plan, head));
  return plan;
}

}  // namespace

std::string ConvertibleArchitectures() {
  std::string s;
  for (const Family* f : Families()) {
    if (f->hf == nullptr || f->hf->layer.empty()) continue;
    s += (s.empty() ? "" : ", ") + std::string(f->arch);
  }
  return s;
}

void PermuteRopeRows(const float* in, float* out, int n_head, int head_dim, int64_t cols) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_head; ++h) {
    for (int i = 0; i < half; ++i) {
      for (int j = 0; j < 2; ++j) {
        const float* src = in + (int64_t(h) * head_dim + j * half + i) * cols;
        float* dst = out + (int64_t(h) * head_dim + 2 * i + j) * cols;
        std::copy(src, src + cols, dst);
      }
    }
  }
}

void UnpermuteRopeRows(const float* in, float* out, int n_head, int head_dim, int64_t cols) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_head; ++h) {
    for (int i = 0; i < half; ++i) {
      for (int j = 0; j < 2; ++j) {
        const float* src = in + (int64_t(h) * head_dim + 2 * i + j) * cols;
        float* dst = out + (int64_t(h) * head_dim + j * half + i) * cols;
        std::copy(src, src + cols, dst);
      }
    }
  }
}

Status ConvertCheckpoint(const std::string& dir, const std::string& out_path,
                         const ConvertOptions& options, const ProgressFn& progress) {
  Result<FileType> ft = ParseFileType(options.type == "auto" ? "f16" : options.type);
  if (!ft.ok()) return ft.status();
  const std::string config_path = (fs::path(dir) / "config.json").string();
  if (!fs::is_directory(dir)) {
    return Status::NotFound(dir + ": not a directory (expected a checkpoint folder)");
  }
  Result<boost::json::object> config = ReadJsonObject(config_path);
  if (!config.ok()) return config.status();
  Result<HParams> hp = ReadHParams(*config, config_path);
  if (!hp.ok()) return hp.status();
  HParams& h = *hp;
  Result<std::unique_ptr<Checkpoint>> ckpt = Checkpoint::Open(dir);
  if (!ckpt.ok()) return ckpt.status();
  if (options.type == "auto" && (*ckpt)->AllMatricesBf16()) ft = ParseFileType("bf16");
  Result<std::vector<Planned>> plan = Plan(**ckpt, h);
  if (!plan.ok()) return plan.status();
  VocabOptions vo;
  vo.pre_override = options.pre;
  Result<GgufVocab> vocab = LoadVocab(dir, *config, h.n_vocab, vo);
  if (!vocab.ok()) return vocab.status();

  gguf::Writer w;
  w.AddString("general.architecture", h.arch);
  std::string name = options.name;
  if (name.empty()) name = fs::path(dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(dir).lexically_normal().parent_path().filename().string();
  w.AddString("general.name", name);
  w.AddU32("general.file_type", ft->ftype);
  if (GetDTypeInfo(ft->base).quantized) w.AddU32("general.quantization_version", 2);
  WriteArchMetadata(h, w);
  vocab->WriteTo(w);
  for (const auto& [key, value] : options.metadata) {
    if (key.empty()) return Status::InvalidArgument("metadata with an empty key");
    if (w.HasKey(key)) {
      return Status::InvalidArgument("metadata key " + key +
                                     ": written by the converter (or given twice)");
    }
    w.AddString(key, value);
  }

  const bool has_output = !h.tied;
  uint64_t total = 0;
  for (Planned& x : *plan) {
    TensorRole role{x.name, x.shape[0], int(x.shape.size()), x.layer, int(h.n_layer), has_output};
    role.n_gqa = h.n_head_kv > 0 ? int(h.n_head / h.n_head_kv) : 1;
    role.n_expert = int(h.n_expert);
    x.type = ChooseTensorType(*ft, role);
    w.DeclareTensor(x.name, x.type, x.shape);
    for (const auto& s : x.source_shapes) {
      int64_t n = 1;
      for (int64_t d : s) n *= d;
      total += uint64_t(n) * 4;
    }
  }

  const Checkpoint& ck = **ckpt;
  uint64_t done = 0;
  std::vector<float> values, part, tmp;
  auto produce = [&](size_t index, std::vector<uint8_t>* data) -> Status {
    const Planned& x = (*plan)[index];
    if (!x.generated.empty()) {
      values = x.generated;
    } else {
      values.clear();
      for (size_t i = 0; i < x.sources.size(); ++i) {
        INFERNO_RETURN_IF_ERROR(ck.Read(x.sources[i], x.source_shapes[i], &part));
        if (x.sources.size() == 1) {
          values.swap(part);  // no second copy of a large tensor
        } else {
          values.insert(values.end(), part.begin(), part.end());
        }
      }
    }
    const int64_t cols = x.shape[0];
    const int64_t rows = int64_t(values.size()) / cols;
    switch (x.transform) {
      case HfTransform::kPermuteQ:
      case HfTransform::kPermuteK: {
        const int heads = int(x.transform == HfTransform::kPermuteQ ? h.n_head : h.n_head_kv);
        // Biases are one value per row: the same permutation with rows of length 1.
        const bool bias = x.shape.size() == 1;
        tmp.resize(values.size());
        PermuteRopeRows(values.data(), tmp.data(), heads, int(h.head_dim), bias ? 1 : cols);
        values.swap(tmp);
        break;
      }
      case HfTransform::kAddOne:
        for (float& v : values) v += 1.0f;
        break;
      case HfTransform::kCopy:
        break;
    }
    if (x.type == DType::kF16) {
      // F16 tops out at 65504; a larger weight would silently become infinity.
      for (float v : values) {
        if (std::fabs(v) > 65504.0f) {
          return Status::OutOfRange(dir + ": tensor '" + x.name + "' has a value " +
                                    std::to_string(v) +
                                    " beyond F16's range; convert with --type bf16 or f32");
        }
      }
    }
    const size_t row_bytes = RowBytes(x.type, cols);
    data->resize(row_bytes * size_t(rows));
    ParallelRows(rows, cols, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        QuantizeWeightRow(x.type, values.data() + r * cols, data->data() + size_t(r) * row_bytes,
                          cols);
      }
    });
    done += values.size() * 4;
    if (progress) {
      progress({index + 1, plan->size(), x.name, x.type, std::min(done, total), total});
    }
    return Status::Ok();
  };
  return w.WriteStreaming(out_path, produce);
}

}  // namespace inferno::convert
