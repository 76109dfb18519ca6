#include "engine/model/pooling.h"

#include <cmath>

namespace inferno {

std::string_view PoolingName(Pooling p) {
  switch (p) {
    case Pooling::kNone:
      return "none";
    case Pooling::kMean:
      return "mean";
    case Pooling::kCls:
      return "cls";
    case Pooling::kLast:
      return "last";
    case Pooling::kRank:
      return "rank";
  }
  return "?";
}

Result<Pooling> ParsePooling(std::string_view name) {
  for (Pooling p : {Pooling::kMean, Pooling::kCls, Pooling::kLast}) {
    if (name == PoolingName(p)) return p;
  }
  return Status::InvalidArgument("pooling '" + std::string(name) +
                                 "' is not supported (supported: mean, cls, last)");
}

Result<Pooling> ReadPoolingType(const gguf::File& f, const std::string& arch) {
  const std::string key = arch + ".pooling_type";
  Result<uint64_t> v = f.GetUintOr(key, uint64_t(Pooling::kNone));
  if (!v.ok()) return v.status();
  if (*v > uint64_t(Pooling::kRank)) {
    return Status::Corruption(f.path() + ": metadata '" + key + "': value " + std::to_string(*v) +
                              " out of range (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
  }
  return Pooling(int(*v));
}

Result<Pooling> EffectivePooling(Pooling declared, std::optional<Pooling> requested) {
  const Pooling p = requested.value_or(declared);
  if (p == Pooling::kRank) {
    return Status::Unsupported(
        "the model declares rank pooling (a reranker), which is not supported; ask for "
        "pooling mean, cls or last");
  }
  return p == Pooling::kNone ? Pooling::kMean : p;
}

void PoolStates(Pooling p, const float* hidden, int n_tokens, std::span<float> out) {
  const size_t d = out.size();
  if (p == Pooling::kCls || p == Pooling::kLast) {
    const float* row = hidden + (p == Pooling::kCls ? 0 : size_t(n_tokens - 1) * d);
    for (size_t i = 0; i < d; ++i) out[i] = row[i];
    return;
  }
  for (size_t i = 0; i < d; ++i) out[i] = 0.0f;
  for (int t = 0; t < n_tokens; ++t) {
    for (size_t i = 0; i < d; ++i) out[i] += hidden[size_t(t) * d + i];
  }
  for (size_t i = 0; i < d; ++i) out[i] /= float(n_tokens);
}

void L2Normalize(std::span<float> v) {
  double sum = 0;
  for (float x : v) sum += double(x) * x;
  if (sum <= 0) return;
  const float scale = float(1.0 / std::sqrt(sum));
  for (float& x : v) x *= scale;
}

}  // namespace inferno
