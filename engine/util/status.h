// Status and Result<T>: how engine functions report failure without exceptions.
// A failed Status carries one human-readable message that names what went wrong, where,
// and what was expected (e.g. "model.gguf: tensor 'blk.0.attn_q.weight': offset 12 is not
// aligned to 32").
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace inferno {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,
    kNotFound,
    kCorruption,
    kIoError,
    kUnsupported,
    kOutOfRange,
    kCancelled,
    kAlreadyExists,
    kUnavailable  // a service this one depends on failed (a remote model's server): HTTP 502
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return Status(Code::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status IoError(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status Unsupported(std::string m) { return Status(Code::kUnsupported, std::move(m)); }
  static Status OutOfRange(std::string m) { return Status(Code::kOutOfRange, std::move(m)); }
  static Status Cancelled(std::string m) { return Status(Code::kCancelled, std::move(m)); }
  static Status AlreadyExists(std::string m) { return Status(Code::kAlreadyExists, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "OK" : message_; }

 private:
  friend Status Prefixed(const std::string& prefix, const Status& s);
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a failed Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

// The same failure with `prefix` (a file name, a stage) and ": " in front of its message, keeping
// its code; an ok status stays ok.
inline Status Prefixed(const std::string& prefix, const Status& s) {
  return s.ok() ? s : Status(s.code(), prefix + ": " + s.message());
}

}  // namespace inferno

#define INFERNO_RETURN_IF_ERROR(expr) \
  do {                                \
    ::inferno::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)
