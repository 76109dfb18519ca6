// PNG through libpng 1.6 (Debian's libpng16): the reference decoder. The classic API, not
// png_image, because the simplified API applies gamma to 16-bit and gAMA-tagged files, while
// the pixels we must match (stb_image in llama.cpp's mtmd) are the stored values, 16-bit ones
// reduced to their high byte. libpng reports fatal errors by longjmp to png_jmpbuf; the frame
// that calls setjmp holds no object with a destructor (the output belongs to the caller).
#include <png.h>

#include <cstring>
#include <string>

#include "engine/media/image_codecs.h"

namespace inferno::media::internal {

namespace {

struct Reader {
  std::span<const uint8_t> data;
  size_t pos;
  char message[200];
};

void ReadBytes(png_structp png, png_bytep dst, png_size_t n) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (n > r->data.size() - r->pos) png_error(png, "file is truncated");
  std::memcpy(dst, r->data.data() + r->pos, n);
  r->pos += n;
}

void OnError(png_structp png, png_const_charp msg) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  std::strncpy(r->message, msg, sizeof(r->message) - 1);
  r->message[sizeof(r->message) - 1] = '\0';
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

// Every colour type and depth to 8-bit RGBA: palette and grey expand, tRNS becomes alpha,
// opaque images get alpha 255; 16-bit samples keep their high byte.
void RequestRgba8(png_structp png, png_infop info) {
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_gray_to_rgb(png);
  if (!(png_get_color_type(png, info) & PNG_COLOR_MASK_ALPHA) &&
      !png_get_valid(png, info, PNG_INFO_tRNS)) {
    png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
}

// Empty string on success, else the error; *rgba gets width * height * 4 bytes.
std::string DecodePngInto(Reader* reader, const DecodeOptions& options, int* width, int* height,
                          std::vector<uint8_t>* rgba, std::vector<png_bytep>* rows,
                          Status* limit_error) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, OnError, OnWarning);
  if (png == nullptr) return "cannot create the PNG reader";
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return reader->message[0] ? reader->message : "cannot create the PNG reader";
  }
  png_set_read_fn(png, reader, ReadBytes);
  // Ancillary chunks (text, ICC) are bounded too: a zlib bomb hides in them as well.
  png_set_chunk_malloc_max(png, 8u << 20);
  png_read_info(png, info);
  *limit_error = CheckDimensions("PNG", png_get_image_width(png, info),
                                 png_get_image_height(png, info), options);
  if (!limit_error->ok()) {
    png_destroy_read_struct(&png, &info, nullptr);
    return limit_error->message();
  }
  RequestRgba8(png, info);
  *width = static_cast<int>(png_get_image_width(png, info));
  *height = static_cast<int>(png_get_image_height(png, info));
  rgba->resize(size_t(*width) * *height * 4);
  rows->resize(*height);
  for (int y = 0; y < *height; ++y) (*rows)[y] = &(*rgba)[size_t(y) * *width * 4];
  png_read_image(png, rows->data());
  png_destroy_read_struct(&png, &info, nullptr);
  return "";
}

}  // namespace

Result<Image> DecodePng(std::span<const uint8_t> data, const DecodeOptions& options) {
  Reader reader{data, 0, {}};
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;
  std::vector<png_bytep> rows;
  Status limit_error;
  std::string error = DecodePngInto(&reader, options, &width, &height, &rgba, &rows, &limit_error);
  if (!limit_error.ok()) return limit_error;
  if (!error.empty()) return Status::Corruption("PNG: " + error);
  return CompositeOnWhite(width, height, rgba);
}

}  // namespace inferno::media::internal
