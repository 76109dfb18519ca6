// The list of supported families: one line each. A family's file defines `k<Name>Family`.
#include <array>

#include "engine/model/family.h"

#define INFERNO_FAMILIES(X) \
  X(Llama)                  \
  X(Qwen2)                  \
  X(Qwen2Vl)                \
  X(Qwen3)                  \
  X(Qwen3Moe)               \
  X(Gemma3)                 \
  X(Phi3)                   \
  X(GptOss)                 \
  X(Mistral3)               \
  X(Qwen35)                 \
  X(Bert)

namespace inferno {

#define INFERNO_DECLARE_FAMILY(name) extern const Family k##name##Family;
INFERNO_FAMILIES(INFERNO_DECLARE_FAMILY)
#undef INFERNO_DECLARE_FAMILY

namespace {

#define INFERNO_LIST_FAMILY(name) &k##name##Family,
constexpr const Family* kFamilies[] = {INFERNO_FAMILIES(INFERNO_LIST_FAMILY)};
#undef INFERNO_LIST_FAMILY

}  // namespace

std::span<const Family* const> Families() { return kFamilies; }

const Family* FindFamily(std::string_view arch) {
  for (const Family* f : kFamilies) {
    if (f->arch == arch) return f;
  }
  return nullptr;
}

std::string SupportedArchitectures() {
  std::string s;
  for (const Family* f : kFamilies) s += (s.empty() ? "" : ", ") + std::string(f->arch);
  return s;
}

}  // namespace inferno
