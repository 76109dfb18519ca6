// libFuzzer target for the multipart/form-data parser (server/multipart.h): the first line of
// the input is the Content-Type, the rest the body. Any input must parse or fail with a Status,
// and every part must lie inside the body within the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  using namespace inferno::server;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t eol = in.find('\n');
  if (eol == std::string_view::npos) return 0;
  Result<std::string> boundary = MultipartBoundary(in.substr(0, eol));
  if (!boundary.ok()) return 0;
  const std::string_view body = in.substr(eol + 1);
  // Small limits, so the fuzzer reaches them with short inputs.
  const MultipartLimits limits{
      .max_parts = 8, .max_header_bytes = 256, .max_field_bytes = 64, .max_file_bytes = 1024};
  Result<std::vector<FormPart>> parts = ParseMultipart(body, *boundary, limits);
  if (!parts.ok()) return 0;
  if (parts->size() > limits.max_parts) std::abort();
  for (const FormPart& p : *parts) {
    if (p.data.data() < body.data() || p.data.data() + p.data.size() > body.data() + body.size()) {
      std::abort();
    }
    if (p.data.size() > (p.has_filename ? limits.max_file_bytes : limits.max_field_bytes)) {
      std::abort();
    }
    if (FindPart(*parts, p.name) == nullptr) std::abort();
  }
  return 0;
}
