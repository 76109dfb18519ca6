// GIF through giflib (Debian's libgif7, the reference decoder): the first frame only, drawn on
// the logical screen as a viewer shows it before any animation; pixels the frame leaves
// uncovered and its transparent index are white (as composited alpha would be). Records are
// read one at a time, so the frames after the first are never decoded.
#include <gif_lib.h>

#include <cstring>
#include <memory>
#include <string>

#include "engine/media/image_codecs.h"

namespace inferno::media::internal {

namespace {

struct Source {
  std::span<const uint8_t> data;
  size_t pos = 0;
};

int ReadBytes(GifFileType* gif, GifByteType* dst, int n) {
  auto* src = static_cast<Source*>(gif->UserData);
  const size_t take = std::min(size_t(n), src->data.size() - src->pos);
  std::memcpy(dst, src->data.data() + src->pos, take);
  src->pos += take;
  return static_cast<int>(take);
}

struct CloseGif {
  void operator()(GifFileType* gif) const {
    int err = 0;
    DGifCloseFile(gif, &err);
  }
};
using GifPtr = std::unique_ptr<GifFileType, CloseGif>;

Status GifError(const GifFileType* gif, std::string_view what) {
  const char* detail = GifErrorString(gif->Error);
  return Status::Corruption("GIF: " + std::string(what) +
                            (detail ? std::string(": ") + detail : ""));
}

// Reads an extension record; returns the transparent colour index it sets, or `current`.
Result<int> ReadExtension(GifFileType* gif, int current) {
  int code = 0;
  GifByteType* ext = nullptr;
  if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) return GifError(gif, "bad extension");
  int transparent = current;
  if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr && ext[0] >= 4) {
    GraphicsControlBlock gcb;
    if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK) transparent = gcb.TransparentColor;
  }
  while (ext != nullptr) {
    if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) return GifError(gif, "bad extension");
  }
  return transparent;
}

// Decodes the frame described by gif->Image onto `canvas` (RGB, white where not drawn).
Status DrawFrame(GifFileType* gif, int transparent, Image* canvas) {
  const GifImageDesc& desc = gif->Image;
  const ColorMapObject* map = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
  if (map == nullptr) return Status::Corruption("GIF: frame has no colour table");
  if (desc.Width <= 0 || desc.Height <= 0 || desc.Width > 65535 || desc.Height > 65535) {
    return Status::Corruption("GIF: bad frame size");
  }
  std::vector<GifPixelType> line(desc.Width);
  // Interlaced frames store rows in four passes: every 8th from 0, every 8th from 4, every 4th
  // from 2, every 2nd from 1.
  static constexpr int kStart[4] = {0, 4, 2, 1}, kStep[4] = {8, 8, 4, 2};
  const int passes = desc.Interlace ? 4 : 1;
  for (int p = 0; p < passes; ++p) {
    const int start = desc.Interlace ? kStart[p] : 0, step = desc.Interlace ? kStep[p] : 1;
    for (int row = start; row < desc.Height; row += step) {
      if (DGifGetLine(gif, line.data(), desc.Width) == GIF_ERROR) {
        return GifError(gif, "corrupt or truncated image data");
      }
      const int y = desc.Top + row;
      if (y >= canvas->height) continue;
      for (int col = 0; col < desc.Width && desc.Left + col < canvas->width; ++col) {
        const int idx = line[col];
        if (idx == transparent || idx >= map->ColorCount) continue;
        uint8_t* px = &canvas->rgb[3 * (size_t(y) * canvas->width + desc.Left + col)];
        px[0] = map->Colors[idx].Red, px[1] = map->Colors[idx].Green, px[2] = map->Colors[idx].Blue;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Image> DecodeGif(std::span<const uint8_t> data, const DecodeOptions& options) {
  Source src{data};
  int err = 0;
  GifPtr gif(DGifOpen(&src, ReadBytes, &err));
  if (gif == nullptr) {
    const char* detail = GifErrorString(err);
    return Status::Corruption(std::string("GIF: bad header") +
                              (detail ? ": " + std::string(detail) : ""));
  }
  INFERNO_RETURN_IF_ERROR(CheckDimensions("GIF", gif->SWidth, gif->SHeight, options));
  int transparent = NO_TRANSPARENT_COLOR;
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) return GifError(gif.get(), "bad record");
    if (type == TERMINATE_RECORD_TYPE) return Status::Corruption("GIF: file holds no frame");
    if (type == EXTENSION_RECORD_TYPE) {
      Result<int> t = ReadExtension(gif.get(), transparent);
      if (!t.ok()) return t.status();
      transparent = *t;
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) return GifError(gif.get(), "bad frame header");
    Image canvas{gif->SWidth, gif->SHeight,
                 std::vector<uint8_t>(size_t(gif->SWidth) * gif->SHeight * 3, 255)};
    INFERNO_RETURN_IF_ERROR(DrawFrame(gif.get(), transparent, &canvas));
    return canvas;
  }
}

}  // namespace inferno::media::internal
