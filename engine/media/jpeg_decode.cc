// JPEG through libjpeg-turbo (Debian's libjpeg62-turbo): the reference IJG decoder with SIMD
// IDCTs, robust on hostile input. libjpeg reports fatal errors by calling error_exit, which
// must not return: ours longjmps back into DecodeJpegInto, whose frame holds no object with a
// destructor (the output vector belongs to the caller), so the jump skips no cleanup.
#include <csetjmp>
#include <cstdio>
#include <string>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

#include "engine/media/image_codecs.h"

namespace inferno::media::internal {

namespace {

// Progressive JPEGs can hold thousands of tiny scans that each cost a pass over the whole
// coefficient buffer (a CPU bomb); real encoders write about ten.
constexpr int kMaxScans = 256;

struct ErrorState {
  jpeg_error_mgr mgr;  // first: libjpeg sees ErrorState* as jpeg_error_mgr*
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool premature_end;
};

[[noreturn]] void OnFatal(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorState*>(cinfo->err);
  cinfo->err->format_message(cinfo, err->message);
  longjmp(err->jump, 1);
}

// Warnings (level -1) do not stop libjpeg: a truncated file decodes with grey rows. We
// remember that one so that truncation is an error; other warnings (stray bytes between
// markers) are tolerated, as by other decoders.
void OnMessage(j_common_ptr cinfo, int level) {
  auto* err = reinterpret_cast<ErrorState*>(cinfo->err);
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) err->premature_end = true;
}

void OnProgress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorState*>(cinfo->err);
    std::snprintf(err->message, sizeof(err->message), "more than %d progressive scans", kMaxScans);
    longjmp(err->jump, 1);
  }
}

// Returns an empty string on success, else the error; fills *out, and *limit_error when the
// header declares too many pixels. C-style on purpose (see the file comment).
std::string DecodeJpegInto(std::span<const uint8_t> data, const DecodeOptions& options, Image* out,
                           Status* limit_error) {
  jpeg_decompress_struct cinfo;
  ErrorState err;
  jpeg_progress_mgr progress;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = OnFatal;
  err.mgr.emit_message = OnMessage;
  err.premature_end = false;
  err.message[0] = '\0';
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return err.message;
  }
  jpeg_create_decompress(&cinfo);
  progress.progress_monitor = OnProgress;
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  *limit_error = CheckDimensions("JPEG", cinfo.image_width, cinfo.image_height, options);
  if (!limit_error->ok()) {
    jpeg_destroy_decompress(&cinfo);
    return limit_error->message();
  }
  // Grey and YCbCr convert to RGB; CMYK/YCCK cannot (libjpeg errors: "Unsupported color
  // conversion request").
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out->width = static_cast<int>(cinfo.output_width);
  out->height = static_cast<int>(cinfo.output_height);
  out->rgb.resize(size_t(out->width) * out->height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = &out->rgb[size_t(cinfo.output_scanline) * out->width * 3];
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return err.premature_end ? "file is truncated (premature end of JPEG data)" : "";
}

}  // namespace

Result<Image> DecodeJpeg(std::span<const uint8_t> data, const DecodeOptions& options) {
  Image img;
  Status limit_error;
  std::string error = DecodeJpegInto(data, options, &img, &limit_error);
  if (!limit_error.ok()) return limit_error;
  if (error.empty()) return img;
  if (error.find("Unsupported") != std::string::npos) {
    return Status::Unsupported("JPEG: " + error);
  }
  return Status::Corruption("JPEG: " + error);
}

}  // namespace inferno::media::internal
