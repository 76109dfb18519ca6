#include "server/multipart.h"

#include <algorithm>
#include <cctype>

namespace inferno::server {
namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 2046's bchars: digits, letters, "'()+_,-./:=?" and space (not last).
bool IsBoundaryChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// One `; key=value` parameter list (Content-Type or Content-Disposition) after the main value,
// each value a token or a quoted string (backslash escapes the next character).
Status ReadParams(std::string_view s, std::vector<std::pair<std::string, std::string>>* out) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  for (;;) {
    skip_ws();
    if (i == s.size()) return Status::Ok();
    if (s[i++] != ';') return Status::InvalidArgument("expected ';' between parameters");
    skip_ws();
    if (i == s.size()) return Status::Ok();  // a trailing ';'
    const size_t k0 = i;
    while (i < s.size() && IsTokenChar(s[i])) ++i;
    if (i == k0 || i == s.size() || s[i] != '=') {
      return Status::InvalidArgument("malformed parameter (expected key=value)");
    }
    std::string key = Lower(s.substr(k0, i - k0)), value;
    ++i;
    if (i < s.size() && s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i];
      }
      if (i == s.size()) return Status::InvalidArgument("unterminated quoted parameter value");
      ++i;
    } else {
      const size_t v0 = i;
      while (i < s.size() && IsTokenChar(s[i])) ++i;
      value = std::string(s.substr(v0, i - v0));
    }
    out->emplace_back(std::move(key), std::move(value));
  }
}

// `main; params` with the main value lower-cased.
Status SplitHeaderValue(std::string_view v, std::string* main,
                        std::vector<std::pair<std::string, std::string>>* params) {
  const size_t semi = v.find(';');
  *main = Lower(Trim(v.substr(0, semi)));
  return semi == std::string_view::npos ? Status::Ok() : ReadParams(v.substr(semi), params);
}

// A header's `main; params` value whose main value must be `expected`; errors name the header.
Status ExpectHeaderValue(std::string_view value, const std::string& header,
                         const std::string& expected,
                         std::vector<std::pair<std::string, std::string>>* params) {
  std::string main;
  if (Status st = SplitHeaderValue(value, &main, params); !st.ok()) {
    return Status::InvalidArgument(header + ": " + st.message());
  }
  if (main != expected) {
    return Status::InvalidArgument(header + " is '" + main + "', expected " + expected);
  }
  return Status::Ok();
}

Status ReadDisposition(std::string_view value, FormPart* part) {
  std::vector<std::pair<std::string, std::string>> params;
  if (Status st = ExpectHeaderValue(value, "Content-Disposition", "form-data", &params); !st.ok()) {
    return st;
  }
  bool named = false;
  for (auto& [k, v] : params) {
    if (k == "name") part->name = std::move(v), named = true;
    if (k == "filename") part->filename = std::move(v), part->has_filename = true;
  }
  if (!named) return Status::InvalidArgument("a part's Content-Disposition has no name");
  return Status::Ok();
}

// The header lines of one part (without the blank line that ends them).
Status ReadPartHeaders(std::string_view block, FormPart* part) {
  bool disposition = false;
  while (!block.empty()) {
    const size_t eol = block.find(kCrlf);
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line[0] == ' ' || line[0] == '\t') {
      return Status::InvalidArgument("malformed part header line");
    }
    const std::string name = Lower(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (Status st = ReadDisposition(value, part); !st.ok()) return st;
      disposition = true;
    } else if (name == "content-type") {
      part->content_type = std::string(value);
    }
  }
  if (!disposition) return Status::InvalidArgument("a part has no Content-Disposition header");
  return Status::Ok();
}

Status CheckSize(const FormPart& part, const MultipartLimits& limits) {
  const size_t limit = part.has_filename ? limits.max_file_bytes : limits.max_field_bytes;
  if (part.data.size() <= limit) return Status::Ok();
  return Status::OutOfRange((part.has_filename ? "file '" : "field '") + part.name + "' has " +
                            std::to_string(part.data.size()) + " bytes, more than the limit of " +
                            std::to_string(limit));
}

// From just after a delimiter: "--" ends the body; otherwise transport padding and CRLF. Sets
// *pos past them.
Result<bool> AfterDelimiter(std::string_view body, size_t* pos) {
  if (body.substr(*pos, 2) == "--") return true;
  while (*pos < body.size() && (body[*pos] == ' ' || body[*pos] == '\t')) ++*pos;
  if (body.substr(*pos, 2) != kCrlf) {
    return Status::InvalidArgument("boundary line not followed by CRLF");
  }
  *pos += 2;
  return false;
}

// One part starting at *pos (its headers), ending before the next CRLF + delimiter; *pos moves
// past that delimiter.
Status ReadPart(std::string_view body, const std::string& crlf_delim, const MultipartLimits& limits,
                size_t* pos, FormPart* part) {
  size_t content = 0;
  if (body.substr(*pos, 2) == kCrlf) {
    content = *pos + 2;  // no header lines
  } else {
    const std::string_view window = body.substr(*pos, limits.max_header_bytes + 4);
    const size_t end = window.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (window.size() < limits.max_header_bytes + 4) {
        return Status::InvalidArgument("a part's headers do not end (no blank line)");
      }
      return Status::OutOfRange("a part's headers are larger than the limit of " +
                                std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (Status st = ReadPartHeaders(window.substr(0, end), part); !st.ok()) return st;
    content = *pos + end + 4;
  }
  const size_t next = body.find(crlf_delim, content);
  if (next == std::string_view::npos) {
    return Status::InvalidArgument("a part is not closed by the boundary");
  }
  part->data = body.substr(content, next - content);
  *pos = next + crlf_delim.size();
  return CheckSize(*part, limits);
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  std::vector<std::pair<std::string, std::string>> params;
  if (Status st = ExpectHeaderValue(content_type, "Content-Type", "multipart/form-data", &params);
      !st.ok()) {
    return st;
  }
  for (const auto& [k, v] : params) {
    if (k != "boundary") continue;
    if (v.empty() || v.size() > 70 || v.back() == ' ' ||
        !std::all_of(v.begin(), v.end(), IsBoundaryChar)) {
      return Status::InvalidArgument("multipart boundary must be 1 to 70 characters of RFC 2046");
    }
    return v;
  }
  return Status::InvalidArgument("multipart/form-data Content-Type has no boundary");
}

Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             const MultipartLimits& limits) {
  const std::string delim = "--" + std::string(boundary);
  const std::string crlf_delim = std::string(kCrlf) + delim;
  size_t pos = 0;
  if (body.substr(0, delim.size()) == delim) {
    pos = delim.size();
  } else if (const size_t at = body.find(crlf_delim); at != std::string_view::npos) {
    pos = at + crlf_delim.size();  // after a preamble
  } else {
    return Status::InvalidArgument("the body does not contain the multipart boundary");
  }
  std::vector<FormPart> parts;
  for (;;) {
    Result<bool> end = AfterDelimiter(body, &pos);
    if (!end.ok()) return end.status();
    if (*end) return parts;
    if (parts.size() == limits.max_parts) {
      return Status::OutOfRange("more than " + std::to_string(limits.max_parts) +
                                " multipart parts");
    }
    FormPart part;
    if (Status st = ReadPart(body, crlf_delim, limits, &pos, &part); !st.ok()) return st;
    parts.push_back(std::move(part));
  }
}

const FormPart* FindPart(const std::vector<FormPart>& parts, std::string_view name) {
  for (const FormPart& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace inferno::server
