#include "server/multipart.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

// As undici's FormData (Node's fetch, the openai npm client) writes it.
constexpr char kBodyChars[] =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"model\"\r\n"
    "\r\n"
    "whisper-tiny\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".wav\"\r\n"
    "Content-Type: audio/wav\r\n"
    "\r\n"
    "RIFF\r\n--Xy\0data\r\n"
    "--XyZ--\r\n";
constexpr std::string_view kBody(kBodyChars, sizeof(kBodyChars) - 1);  // it holds a NUL

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
  EXPECT_FALSE(MultipartBoundary("application/json").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=").ok());
  EXPECT_FALSE(
      MultipartBoundary("multipart/form-data; boundary=\"" + std::string(71, 'a') + "\"").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=\"a\nb\"").ok());
}

TEST(Multipart, FieldsAndFileAsViews) {
  const std::string body(kBody.data(), kBody.size());
  Result<std::vector<FormPart>> parts = ParseMultipart(body, "XyZ");
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "model");
  EXPECT_FALSE((*parts)[0].has_filename);
  EXPECT_EQ((*parts)[0].data, "whisper-tiny");
  const FormPart* file = FindPart(*parts, "file");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->filename, "a \"b\".wav");
  EXPECT_EQ(file->content_type, "audio/wav");
  // A CRLF and a near-boundary inside the data are data; so is a NUL byte.
  EXPECT_EQ(file->data, std::string_view("RIFF\r\n--Xy\0data", 15));
  EXPECT_GE(file->data.data(), body.data());
  EXPECT_EQ(FindPart(*parts, "language"), nullptr);
}

TEST(Multipart, PreambleAndPaddingAndEmptyParts) {
  Result<std::vector<FormPart>> parts = ParseMultipart(
      "ignored preamble\r\n--b \t\r\nContent-Disposition: form-data; name=x\r\n\r\n\r\n--b--", "b");
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].name, "x");
  EXPECT_EQ((*parts)[0].data, "");
  EXPECT_EQ(ParseMultipart("--b--", "b")->size(), 0u);
}

TEST(Multipart, MalformedBodiesAreInvalidArgument) {
  const char* bad[] = {
      "",                                                                   // no boundary
      "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nvalue",         // never closed
      "--b\r\nContent-Disposition: form-data; name=x\r\nvalue\r\n--b--",    // headers never end
      "--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--",                  // no disposition
      "--b\r\nContent-Disposition: attachment; name=x\r\n\r\nv\r\n--b--",   // not form-data
      "--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--",            // no name
      "--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\nv\r\n--b--",  // open quote
      "--b\r\nContent-Disposition: form-data; name\r\n\r\nv\r\n--b--",      // key without value
      "--b\r\n folded: x\r\n\r\nv\r\n--b--",                                // obsolete folding
      "--bx\r\n",                                                           // boundary glued
  };
  for (const char* body : bad) {
    Result<std::vector<FormPart>> r = ParseMultipart(body, "b");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << body;
  }
}

TEST(Multipart, LimitsAreOutOfRange) {
  const MultipartLimits limits{
      .max_parts = 2, .max_header_bytes = 64, .max_field_bytes = 4, .max_file_bytes = 8};
  auto part = [](std::string disposition, std::string data) {
    return "--b\r\nContent-Disposition: form-data; " + disposition + "\r\n\r\n" + data + "\r\n";
  };
  EXPECT_TRUE(
      ParseMultipart(part("name=a", "1234") + part("name=f; filename=x", "12345678") + "--b--", "b",
                     limits)
          .ok());
  const std::string too_big[] = {
      part("name=a", "12345") + "--b--",
      part("name=f; filename=x", "123456789") + "--b--",
      part("name=a", "1") + part("name=b", "1") + part("name=c", "1") + "--b--",
      "--b\r\nContent-Disposition: form-data; name=a; x=" + std::string(80, 'y') +
          "\r\n\r\n1\r\n--b--",
  };
  for (const std::string& body : too_big) {
    Result<std::vector<FormPart>> r = ParseMultipart(body, "b", limits);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), Status::Code::kOutOfRange) << r.status().message();
  }
}

}  // namespace
}  // namespace inferno::server
