// Encoders through each format's reference library (libpng's png_image, libjpeg-turbo,
// libwebp, giflib). libjpeg's fatal errors longjmp back into EncodeJpegInto, whose frame
// holds no object with a destructor.
#include "engine/media/image_encode.h"

#include <gif_lib.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace inferno::media {

namespace {

Result<std::vector<uint8_t>> PngWrite(int width, int height, uint32_t format, const uint8_t* px) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = uint32_t(width);
  image.height = uint32_t(height);
  image.format = format;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, px, 0, nullptr)) {
    return Status::InvalidArgument(std::string("PNG encoder: ") + image.message);
  }
  std::vector<uint8_t> out(size);
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, px, 0, nullptr)) {
    return Status::InvalidArgument(std::string("PNG encoder: ") + image.message);
  }
  out.resize(size);
  return out;
}

struct JpegError {
  jpeg_error_mgr mgr;  // first: libjpeg sees JpegError* as jpeg_error_mgr*
  jmp_buf jump;
};

[[noreturn]] void OnJpegFatal(j_common_ptr cinfo) {
  longjmp(reinterpret_cast<JpegError*>(cinfo->err)->jump, 1);
}

// False if libjpeg failed; *buf / *size are the malloc'ed output (freed by the caller).
bool EncodeJpegInto(const Image& img, int quality, unsigned char** buf, unsigned long* size) {
  jpeg_compress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = OnJpegFatal;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, buf, size);
  cinfo.image_width = JDIMENSION(img.width);
  cinfo.image_height = JDIMENSION(img.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  if (quality >= 90) {
    for (int c = 0; c < 3; ++c)
      cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(img.Pixel(0, int(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

Result<std::vector<uint8_t>> WebpResult(size_t size, uint8_t* data) {
  if (size == 0 || data == nullptr) return Status::InvalidArgument("WebP encoder failed");
  std::vector<uint8_t> out(data, data + size);
  WebPFree(data);
  return out;
}

int GifWrite(GifFileType* gif, const GifByteType* data, int n) {
  auto* out = static_cast<std::vector<uint8_t>*>(gif->UserData);
  out->insert(out->end(), data, data + n);
  return n;
}

// Writes the screen, the optional transparency block and the frame; false on a giflib error.
bool PutGif(GifFileType* gif, const PaletteImage& img, ColorMapObject* map, bool interlace) {
  EGifSetGifVersion(gif, img.transparent >= 0);
  if (EGifPutScreenDesc(gif, img.width, img.height, 8, 0, map) == GIF_ERROR) return false;
  if (img.transparent >= 0) {
    GraphicsControlBlock gcb{DISPOSAL_UNSPECIFIED, false, 0, img.transparent};
    GifByteType ext[4];
    const size_t len = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, int(len), ext) == GIF_ERROR) return false;
  }
  if (EGifPutImageDesc(gif, 0, 0, img.width, img.height, interlace, nullptr) == GIF_ERROR) {
    return false;
  }
  static constexpr int kStart[4] = {0, 4, 2, 1}, kStep[4] = {8, 8, 4, 2};
  for (int p = 0; p < (interlace ? 4 : 1); ++p) {
    for (int y = interlace ? kStart[p] : 0; y < img.height; y += interlace ? kStep[p] : 1) {
      auto* row = const_cast<GifPixelType*>(&img.indices[size_t(y) * img.width]);
      if (EGifPutLine(gif, row, img.width) == GIF_ERROR) return false;
    }
  }
  return true;
}

}  // namespace

Result<std::vector<uint8_t>> EncodePng(const Image& img) {
  return PngWrite(img.width, img.height, PNG_FORMAT_RGB, img.rgb.data());
}

Result<std::vector<uint8_t>> EncodePngRgba(const RgbaImage& img) {
  return PngWrite(img.width, img.height, PNG_FORMAT_RGBA, img.rgba.data());
}

Result<std::vector<uint8_t>> EncodeJpeg(const Image& img, int quality) {
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const bool ok = EncodeJpegInto(img, quality, &buf, &size);
  std::vector<uint8_t> out;
  if (ok) out.assign(buf, buf + size);
  std::free(buf);
  if (!ok) return Status::InvalidArgument("JPEG encoder failed");
  return out;
}

Result<std::vector<uint8_t>> EncodeWebpLossless(const RgbaImage& img) {
  uint8_t* data = nullptr;
  size_t size =
      WebPEncodeLosslessRGBA(img.rgba.data(), img.width, img.height, img.width * 4, &data);
  return WebpResult(size, data);
}

Result<std::vector<uint8_t>> EncodeWebpLossy(const Image& img, float quality) {
  uint8_t* data = nullptr;
  size_t size = WebPEncodeRGB(img.rgb.data(), img.width, img.height, img.width * 3, quality, &data);
  return WebpResult(size, data);
}

Result<std::vector<uint8_t>> EncodeGif(const PaletteImage& img, bool interlace) {
  const int colours = int(img.palette.size() / 3);
  if (colours < 1 || colours > 256) return Status::InvalidArgument("GIF encoder: 1 to 256 colours");
  int table = 2;
  while (table < colours) table *= 2;  // giflib wants a power of two
  std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> map(GifMakeMapObject(table, nullptr),
                                                                 GifFreeMapObject);
  if (map == nullptr) return Status::InvalidArgument("GIF encoder: no colour map");
  for (int i = 0; i < colours; ++i) {
    map->Colors[i] =
        GifColorType{img.palette[3 * i], img.palette[3 * i + 1], img.palette[3 * i + 2]};
  }
  std::vector<uint8_t> out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, GifWrite, &err);
  if (gif == nullptr) return Status::InvalidArgument("GIF encoder: cannot open");
  const bool ok = PutGif(gif, img, map.get(), interlace);
  if (EGifCloseFile(gif, &err) == GIF_ERROR || !ok) {
    return Status::InvalidArgument("GIF encoder failed");
  }
  return out;
}

}  // namespace inferno::media
