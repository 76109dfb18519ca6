// A file cache of repacked weights (engine/ops/repack.h), so that loading a model a second
// time maps pages the page cache already holds instead of repacking into fresh memory.
//
// Why: repacking writes a copy of most of the model, and on a VM the first touch of fresh
// anonymous memory dominated the load (74% of a Q4_0 load's samples were the kernel zeroing
// pages; 1-5 s per model). A cache file's pages, once written, stay in the page cache; mapping
// them costs page-table updates only.
//
// One file per model path (the name is a hash of the canonical path), so a model that changes
// replaces its entry instead of adding one. The header holds the key: the model file's identity
// (device, inode, size, mtime), the R4 layout version, the ISA, and a hash of every repacked
// matrix's type, shape and offsets. Behind it, one checksum per 8 MiB chunk of the repacked
// bytes, verified at every load (on all cores; it also maps the pages before the first token).
// A file that is missing, stale, truncated or corrupt is rebuilt: repacked into a temporary file
// beside it, mapped shared, then renamed over it. Files of models not loaded lately are removed
// when all of them together exceed max_bytes (least recently loaded first).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/ops/repack.h"
#include "engine/util/status.h"

namespace inferno {

struct RepackCacheSettings {
  bool enabled = true;
  std::string dir;                          // empty: DefaultRepackCacheDir()
  uint64_t max_bytes = uint64_t(16) << 30;  // all entries together
  uint64_t min_bytes = uint64_t(32) << 20;  // smaller repacks are cheap to redo: not cached
};

// $XDG_CACHE_HOME/inferno/repack, else $HOME/.cache/inferno/repack ("" without either).
std::string DefaultRepackCacheDir();
// The process's settings: first from the environment (INFERNO_REPACK_CACHE: "0" or "off"
// disables the cache, another value is its directory; INFERNO_REPACK_CACHE_MAX_MIB), then what
// SetRepackCacheSettings (e.g. `inferno --no-repack-cache`) made them. Thread-safe.
RepackCacheSettings GetRepackCacheSettings();
void SetRepackCacheSettings(RepackCacheSettings settings);

// Memory that holds a model's repacked matrices: fresh memory or a cache file's mapping.
class RepackedBytes {
 public:
  RepackedBytes() = default;
  static RepackedBytes Heap(size_t size);
  // Takes over the mapping [addr, addr + map_len); the data starts at addr + data_offset.
  static RepackedBytes Mapping(void* addr, size_t map_len, size_t data_offset, size_t size);

  uint8_t* data() const;
  size_t size() const { return size_; }

 private:
  struct Unmap {
    size_t len;  // no initializer: the class is incomplete where unique_ptr needs it
    void operator()(uint8_t* p) const;
  };
  ops::AlignedBytes heap_;
  std::unique_ptr<uint8_t, Unmap> map_;
  size_t data_offset_ = 0;
  size_t size_ = 0;
};

// What the bytes of a cache entry depend on.
struct RepackCacheKey {
  gguf::FileIdentity model;
  uint64_t layout_version = ops::kR4LayoutVersion;
  uint64_t isa = 0;
  uint64_t matrices_hash = 0;  // each repacked matrix: type, shape, file offset, data offset
  uint64_t data_bytes = 0;
};

// The entry of the model at model_path (a file in settings' directory).
std::string RepackCachePath(const RepackCacheSettings& settings, const std::string& model_path);

// The entry at path if it is valid for key, mapped read-only. NotFound when there is none;
// Corruption (saying what is wrong) when it is stale, truncated or corrupt.
Result<RepackedBytes> OpenRepackCache(const std::string& path, const RepackCacheKey& key);

// A new entry for key: a temporary file beside path with room for the data, mapped shared and
// writable. Write the data, then Commit. Destroyed uncommitted, the temporary file goes.
class RepackCacheWriter {
 public:
  static Result<std::unique_ptr<RepackCacheWriter>> Create(const std::string& path,
                                                           const RepackCacheKey& key);
  ~RepackCacheWriter();
  RepackCacheWriter(const RepackCacheWriter&) = delete;
  RepackCacheWriter& operator=(const RepackCacheWriter&) = delete;

  uint8_t* data() const { return map_ + data_offset_; }
  // Checksums the data, writes the header, makes the mapping read-only and renames the file to
  // its path. The mapping is returned whatever happens: *error says why the entry was not kept.
  RepackedBytes Commit(std::string* error);

 private:
  RepackCacheWriter() = default;
  std::string path_, tmp_path_;
  RepackCacheKey key_;
  uint8_t* map_ = nullptr;
  size_t map_len_ = 0, data_offset_ = 0;
  int fd_ = -1;
};

// Removes temporary files left by crashed writers and, while the entries in dir take more than
// max_bytes, the least recently used one other than `keep`.
void PruneRepackCache(const std::string& dir, uint64_t max_bytes, const std::string& keep);

// The checksum of the cache's chunks (exposed for tests): changes with any changed byte.
uint64_t RepackChecksum(const uint8_t* p, size_t n);

}  // namespace inferno
