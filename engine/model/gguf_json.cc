#include "engine/model/gguf_json.h"

#include <boost/json.hpp>

#include "engine/util/utf8.h"

namespace inferno {

boost::json::value GgufValueJson(const gguf::Value& v) {
  using gguf::ValueType;
  switch (v.type) {
    case ValueType::kString:
      return boost::json::string(ToValidUtf8(v.str));
    case ValueType::kBool:
      return v.u != 0;
    case ValueType::kF32:
    case ValueType::kF64:
      return v.f;
    case ValueType::kArray: {
      boost::json::array a;
      a.reserve(v.count);
      for (uint64_t i = 0; i < v.count; ++i) {
        if (v.elem_type == ValueType::kString) {
          a.push_back(boost::json::string(ToValidUtf8(v.strings[i])));
        } else if (v.elem_type == ValueType::kF32 || v.elem_type == ValueType::kF64) {
          a.push_back(v.FloatAt(i));
        } else if (v.elem_type == ValueType::kBool) {
          a.push_back(v.IntAt(i) != 0);
        } else {
          a.push_back(v.IntAt(i));
        }
      }
      return a;
    }
    default:
      if (v.type == ValueType::kU64) return v.u;
      return v.i;
  }
}

}  // namespace inferno
