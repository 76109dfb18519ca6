#include "engine/convert/quant_mix.h"

#include <cctype>

namespace inferno::convert {
namespace {

const FileType kTypes[] = {
    {"f32", 0, DType::kF32},
    {"f16", 1, DType::kF16},
    {"bf16", 32, DType::kBF16},
    {"q8_0", 7, DType::kQ8_0},
    {"q4_0", 2, DType::kQ4_0},
    {"q4_1", 3, DType::kQ4_1},
    {"q5_0", 8, DType::kQ5_0},
    {"q5_1", 9, DType::kQ5_1},
    {"q2_k", 10, DType::kQ2_K, FileType::kKm},
    {"q3_k_s", 11, DType::kQ3_K, FileType::kKs},
    {"q3_k_m", 12, DType::kQ3_K, FileType::kKm},
    {"q3_k_l", 13, DType::kQ3_K, FileType::kKl},
    {"q4_k_s", 14, DType::kQ4_K, FileType::kKs},
    {"q4_k_m", 15, DType::kQ4_K, FileType::kKm},
    {"q5_k_s", 16, DType::kQ5_K, FileType::kKs},
    {"q5_k_m", 17, DType::kQ5_K, FileType::kKm},
    {"q6_k", 18, DType::kQ6_K},
    {"iq4_nl", 25, DType::kIQ4_NL},
    {"iq4_xs", 30, DType::kIQ4_XS},
    // MXFP4 for the MoE expert tensors only, Q8_0 elsewhere: llama.cpp's only MXFP4 recipe.
    {"mxfp4_moe", 38, DType::kMXFP4},
};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// llama.cpp's choice of layers that get more bits in the _M mixes: the first and last
// eighth, and every third layer in between.
bool UseMoreBits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// A type whose block size divides `cols`, for rows that K-quant super-blocks do not fit.
DType Compatible(DType t, int64_t cols) {
  if (cols % GetDTypeInfo(t).block_size == 0) return t;
  DType alt;
  switch (t) {
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
      alt = DType::kQ5_0;
      break;
    case DType::kQ5_K:
      alt = DType::kQ5_1;
      break;
    case DType::kQ6_K:
      alt = DType::kQ8_0;
      break;
    case DType::kIQ4_XS:
      alt = DType::kIQ4_NL;
      break;
    default:
      alt = DType::kF16;
  }
  return cols % GetDTypeInfo(alt).block_size == 0 ? alt : DType::kF16;
}

// llama.cpp's IQ4_NL/IQ4_XS recipe (without an importance matrix): 5 bits for attn_v when
// several heads share it, for the first eighth of ffn_down, and for attn_output of 8-expert
// models; the rest in the base type.
DType ChooseIQ4Type(const TensorRole& t, DType base) {
  if (t.layer < 0) return base;
  if (EndsWith(t.name, "attn_v.weight") && t.n_gqa >= 4) return DType::kQ5_K;
  if (EndsWith(t.name, "ffn_down.weight") && t.layer < t.n_layer / 8) return DType::kQ5_K;
  if (EndsWith(t.name, "attn_output.weight") && t.n_expert == 8) return DType::kQ5_K;
  return base;
}

}  // namespace

Result<FileType> ParseFileType(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const FileType& t : kTypes) {
    if (t.name == lower) return t;
  }
  return Status::InvalidArgument("unknown type '" + std::string(name) +
                                 "' (supported: " + SupportedFileTypes() + ")");
}

std::string SupportedFileTypes() {
  std::string s;
  for (const FileType& t : kTypes) s += (s.empty() ? "" : ", ") + t.name;
  return s;
}

DType ChooseTensorType(const FileType& ft, const TensorRole& t) {
  if (t.n_dims < 2 || !EndsWith(t.name, ".weight")) return DType::kF32;
  // MoE routers are small and decide which experts run: llama.cpp never quantizes them.
  if (EndsWith(t.name, "ffn_gate_inp.weight")) return DType::kF32;
  const DType base = ft.base;
  if (base == DType::kF32 || base == DType::kF16 || base == DType::kBF16) {
    return Compatible(base, t.cols);
  }
  const bool is_output =
      t.name == "output.weight" || (!t.has_output && t.name == "token_embd.weight");
  DType type = base;
  if (base == DType::kMXFP4) {
    // Expert tensors are the 3-D ones ([cols, rows, n_expert]); everything else, the output
    // projection included, is Q8_0.
    return Compatible(t.n_dims == 3 && !is_output ? DType::kMXFP4 : DType::kQ8_0, t.cols);
  }
  if (is_output) {
    // The output projection decides every logit: 6 bits at least, unless the file is Q8_0.
    if (base != DType::kQ8_0) type = DType::kQ6_K;
    if (t.cols % 256 != 0) type = DType::kQ8_0;
    return Compatible(type, t.cols);
  }
  if (base == DType::kIQ4_NL || base == DType::kIQ4_XS)
    return Compatible(ChooseIQ4Type(t, base), t.cols);
  const int i = t.layer, n = t.n_layer;
  const bool k = ft.mix != FileType::kPlain || base == DType::kQ6_K;
  if (k && i >= 0) {
    if (EndsWith(t.name, "attn_v.weight")) {
      if (base == DType::kQ2_K)
        type = DType::kQ3_K;
      else if (ft.name == "q3_k_m")
        type = i < 2 ? DType::kQ5_K : DType::kQ4_K;
      else if (ft.name == "q3_k_l")
        type = DType::kQ5_K;
      else if (ft.mix == FileType::kKm && UseMoreBits(i, n))
        type = DType::kQ6_K;
      else if (ft.name == "q4_k_s" && i < 4)
        type = DType::kQ5_K;
    } else if (EndsWith(t.name, "ffn_down.weight")) {
      if (base == DType::kQ2_K)
        type = DType::kQ3_K;
      else if (ft.name == "q3_k_m")
        type = i < n / 16 ? DType::kQ5_K : DType::kQ4_K;
      else if (ft.name == "q3_k_l")
        type = DType::kQ5_K;
      else if (ft.mix == FileType::kKm && UseMoreBits(i, n))
        type = DType::kQ6_K;
      else if (ft.name == "q4_k_s" && i < n / 8)
        type = DType::kQ5_K;
    } else if (EndsWith(t.name, "attn_output.weight")) {
      if (base == DType::kQ2_K)
        type = DType::kQ3_K;
      else if (ft.name == "q3_k_m")
        type = DType::kQ4_K;
      else if (ft.name == "q3_k_l")
        type = DType::kQ5_K;
    } else if (EndsWith(t.name, "attn_qkv.weight")) {
      if (ft.name == "q3_k_m" || ft.name == "q3_k_l")
        type = DType::kQ4_K;
      else if (ft.name == "q4_k_m")
        type = DType::kQ5_K;
      else if (ft.name == "q5_k_m")
        type = DType::kQ6_K;
    }
  }
  return Compatible(type, t.cols);
}

}  // namespace inferno::convert
