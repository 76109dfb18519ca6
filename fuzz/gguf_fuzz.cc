// libFuzzer target for the GGUF reader: any byte string must either open as a valid file
// or fail with a Status; an opened file must be safe to read in full.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  Result<std::unique_ptr<gguf::File>> f =
      gguf::File::FromMemory("fuzz.gguf", std::span<const uint8_t>(data, size));
  if (!f.ok()) return 0;
  const gguf::File& file = **f;
  volatile uint64_t sink = 0;
  for (const gguf::KeyValue& kv : file.metadata()) {
    const gguf::Value& v = kv.value;
    sink = sink + v.u + v.str.size() + kv.key.size();
    if (v.type == gguf::ValueType::kArray) {
      if (v.elem_type == gguf::ValueType::kString) {
        for (std::string_view s : v.strings) sink = sink + s.size() + (s.empty() ? 0 : s[0]);
      } else if (v.count > 0) {
        sink = sink + uint64_t(v.IntAt(0)) + uint64_t(v.IntAt(v.count - 1));
      }
    }
  }
  for (const gguf::TensorInfo& t : file.tensors()) {
    if (t.bytes > 0) sink = sink + t.data[0] + t.data[t.bytes - 1];
  }
  (void)ValidateModel(file);
  (void)Tokenizer::FromGguf(file);
  return 0;
}
