#include "engine/audio/sndfile_io.h"

#include <algorithm>

namespace inferno::audio::internal {

namespace {

SfStream* Of(void* user) { return static_cast<SfStream*>(user); }

sf_count_t Length(void* user) { return sf_count_t(Of(user)->data.size()); }

sf_count_t Seek(sf_count_t offset, int whence, void* user) {
  SfStream* s = Of(user);
  const sf_count_t size = Length(user);
  const sf_count_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? size : 0;
  // Reading streams cannot seek past their end; writing ones may (the gap is zero-filled).
  s->pos = std::clamp<sf_count_t>(base + offset, 0, s->sink ? base + offset : size);
  return s->pos;
}

sf_count_t Read(void* ptr, sf_count_t count, void* user) {
  SfStream* s = Of(user);
  const sf_count_t n = std::clamp<sf_count_t>(Length(user) - s->pos, 0, count);
  std::copy_n(s->data.data() + s->pos, n, static_cast<uint8_t*>(ptr));
  s->pos += n;
  return n;
}

sf_count_t Write(const void* ptr, sf_count_t count, void* user) {
  SfStream* s = Of(user);
  if (s->sink == nullptr) return 0;
  if (size_t(s->pos + count) > s->sink->size()) s->sink->resize(size_t(s->pos + count));
  std::copy_n(static_cast<const uint8_t*>(ptr), count, s->sink->data() + s->pos);
  s->pos += count;
  s->data = *s->sink;
  return count;
}

sf_count_t Tell(void* user) { return Of(user)->pos; }

}  // namespace

SF_VIRTUAL_IO* SfStreamIo() {
  static SF_VIRTUAL_IO io{Length, Seek, Read, Write, Tell};
  return &io;
}

}  // namespace inferno::audio::internal
