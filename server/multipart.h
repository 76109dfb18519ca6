// multipart/form-data request bodies (RFC 7578 on RFC 2046's multipart syntax), as browsers'
// FormData and the OpenAI SDKs send file uploads: Boost.Beast has no parser for them. Parts are
// views into the body (no copy of an uploaded file), and every size the sender controls is
// bounded (parts, header bytes per part, bytes of a plain field, bytes of a file), so a body
// that passed the transport's size limit cannot make the parser allocate or loop without end.
// Free of I/O: fuzzed by fuzz/multipart_fuzz.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno::server {

struct MultipartLimits {
  size_t max_parts = 64;
  size_t max_header_bytes = 8 << 10;  // of one part's header block
  size_t max_field_bytes = 64 << 10;  // a part without a filename
  size_t max_file_bytes = 25 << 20;   // a part with one (OpenAI's 25 MB upload limit)
};

struct FormPart {
  std::string name;
  std::string filename;       // "" for a plain field
  bool has_filename = false;  // a file part (filename="" included, as a browser sends it)
  std::string content_type;   // the part's Content-Type, "" when absent
  std::string_view data;      // into the body given to ParseMultipart
};

// The boundary of a `multipart/form-data; boundary=...` Content-Type (quoted or not; 1..70
// characters, RFC 2046). InvalidArgument for another type or a missing or bad boundary.
Result<std::string> MultipartBoundary(std::string_view content_type);

// The parts of `body`, in order. InvalidArgument (naming what is wrong) for malformed input,
// OutOfRange (naming the limit) when a limit is passed.
Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             const MultipartLimits& limits = {});

// The first part named `name`, or null.
const FormPart* FindPart(const std::vector<FormPart>& parts, std::string_view name);

}  // namespace inferno::server
