#include "engine/model/repack_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace inferno {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'I', 'N', 'F', 'R', '4', 'C', '1', '\0'};
constexpr size_t kChunkBytes = size_t(8) << 20;
// The data starts on a 2 MiB boundary of the file, so the kernel may map it with huge pages.
constexpr size_t kDataAlign = size_t(2) << 20;
constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

struct Header {
  char magic[8];
  uint64_t data_offset;
  uint64_t device, inode, size;
  int64_t mtime_ns;
  uint64_t layout_version, isa, matrices_hash, data_bytes;
  uint64_t chunk_bytes, n_chunks;
  uint64_t header_hash;  // over this header (with header_hash 0) and the chunk table
};

static_assert(sizeof(Header) == 104, "repack_cache_test.cc scribbles after it");

size_t ChunkCount(uint64_t data_bytes) {
  return size_t((data_bytes + kChunkBytes - 1) / kChunkBytes);
}

size_t DataOffset(uint64_t data_bytes) {
  const size_t head = sizeof(Header) + ChunkCount(data_bytes) * sizeof(uint64_t);
  return (head + kDataAlign - 1) / kDataAlign * kDataAlign;
}

Header HeaderFor(const RepackCacheKey& key) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.data_offset = DataOffset(key.data_bytes);
  h.device = key.model.device;
  h.inode = key.model.inode;
  h.size = key.model.size;
  h.mtime_ns = key.model.mtime_ns;
  h.layout_version = key.layout_version;
  h.isa = key.isa;
  h.matrices_hash = key.matrices_hash;
  h.data_bytes = key.data_bytes;
  h.chunk_bytes = kChunkBytes;
  h.n_chunks = ChunkCount(key.data_bytes);
  return h;
}

uint64_t HeaderHash(Header h, const std::vector<uint64_t>& chunks) {
  h.header_hash = 0;
  std::vector<uint8_t> bytes(sizeof(h) + chunks.size() * sizeof(uint64_t));
  std::memcpy(bytes.data(), &h, sizeof(h));
  if (!chunks.empty()) std::memcpy(bytes.data() + sizeof(h), chunks.data(), chunks.size() * 8);
  return RepackChecksum(bytes.data(), bytes.size());
}

// fn(i) for i in [0, n) on all cores.
template <typename Fn>
void ParallelFor(size_t n, Fn fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), n);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

std::vector<uint64_t> ChunkChecksums(const uint8_t* data, uint64_t bytes) {
  std::vector<uint64_t> sums(ChunkCount(bytes));
  ParallelFor(sums.size(), [&](size_t i) {
    const size_t begin = i * kChunkBytes;
    sums[i] = RepackChecksum(data + begin, std::min<size_t>(kChunkBytes, bytes - begin));
  });
  return sums;
}

// What in the header does not match the key, empty when all does.
std::string Mismatch(const Header& h, const Header& want) {
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) return "not a repack cache file";
  if (h.layout_version != want.layout_version) return "written for another layout version";
  if (h.isa != want.isa) return "written for another instruction set";
  if (h.device != want.device || h.inode != want.inode || h.size != want.size ||
      h.mtime_ns != want.mtime_ns) {
    return "stale: the model file changed";
  }
  if (h.matrices_hash != want.matrices_hash || h.data_bytes != want.data_bytes) {
    return "written for other matrices";
  }
  if (h.data_offset != want.data_offset || h.chunk_bytes != want.chunk_bytes ||
      h.n_chunks != want.n_chunks) {
    return "corrupt header";
  }
  return "";
}

std::mutex settings_mu;
std::optional<RepackCacheSettings> settings;

RepackCacheSettings FromEnvironment() {
  RepackCacheSettings s;
  if (const char* v = std::getenv("INFERNO_REPACK_CACHE"); v != nullptr && *v != '\0') {
    const std::string_view value(v);
    if (value == "0" || value == "off" || value == "false") {
      s.enabled = false;
    } else {
      s.dir = value;
    }
  }
  if (const char* v = std::getenv("INFERNO_REPACK_CACHE_MAX_MIB"); v != nullptr && *v != '\0') {
    s.max_bytes = std::strtoull(v, nullptr, 10) << 20;
  }
  return s;
}

}  // namespace

uint64_t RepackChecksum(const uint8_t* p, size_t n) {
  // Eight independent lanes, each step a bijection of the lane's state for a given word
  // (xor, odd multiply, xorshift), so that one changed word always changes the result, at a
  // speed the memory bus rather than the multiplier sets.
  uint64_t lane[8];
  for (int l = 0; l < 8; ++l) lane[l] = kMul * uint64_t(l + 1) ^ n;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    for (int l = 0; l < 8; ++l) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * l, 8);
      lane[l] = (lane[l] ^ w) * kMul;
      lane[l] ^= lane[l] >> 29;
    }
  }
  for (; i < n; ++i) lane[i % 8] = (lane[i % 8] ^ p[i]) * kMul;
  uint64_t h = 0;
  for (int l = 0; l < 8; ++l) {
    h = (h ^ lane[l]) * kMul;
    h ^= h >> 31;
  }
  return h;
}

std::string DefaultRepackCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/inferno/repack";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.cache/inferno/repack";
  }
  return "";
}

RepackCacheSettings GetRepackCacheSettings() {
  std::lock_guard<std::mutex> lock(settings_mu);
  if (!settings) settings = FromEnvironment();
  return *settings;
}

void SetRepackCacheSettings(RepackCacheSettings s) {
  std::lock_guard<std::mutex> lock(settings_mu);
  settings = std::move(s);
}

RepackedBytes RepackedBytes::Heap(size_t size) {
  RepackedBytes b;
  b.heap_ = ops::AlignedBytes(size);
  b.size_ = size;
  return b;
}

RepackedBytes RepackedBytes::Mapping(void* addr, size_t map_len, size_t data_offset, size_t size) {
  RepackedBytes b;
  b.map_ = std::unique_ptr<uint8_t, Unmap>(static_cast<uint8_t*>(addr), Unmap{map_len});
  b.data_offset_ = data_offset;
  b.size_ = size;
  return b;
}

uint8_t* RepackedBytes::data() const { return map_ ? map_.get() + data_offset_ : heap_.data(); }

void RepackedBytes::Unmap::operator()(uint8_t* p) const { munmap(p, len); }

std::string RepackCachePath(const RepackCacheSettings& s, const std::string& model_path) {
  const std::string dir = s.dir.empty() ? DefaultRepackCacheDir() : s.dir;
  if (dir.empty()) return "";
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(model_path, ec);
  if (ec) canonical = fs::absolute(model_path);
  const std::string name = canonical.string();
  const uint64_t h = RepackChecksum(reinterpret_cast<const uint8_t*>(name.data()), name.size());
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return dir + "/" + canonical.stem().string() + "-" + hex + ".r4";
}

Result<RepackedBytes> OpenRepackCache(const std::string& path, const RepackCacheKey& key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound(path + ": no repack cache entry");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const Header want = HeaderFor(key);
  Header h{};
  struct stat st {};
  if (fstat(fd, &st) != 0 || pread(fd, &h, sizeof(h), 0) != ssize_t(sizeof(h))) {
    return Status::Corruption(path + ": truncated header");
  }
  if (std::string why = Mismatch(h, want); !why.empty()) {
    return Status::Corruption(path + ": " + why);
  }
  if (uint64_t(st.st_size) != want.data_offset + want.data_bytes) {
    return Status::Corruption(path + ": " + std::to_string(st.st_size) + " bytes, expected " +
                              std::to_string(want.data_offset + want.data_bytes));
  }
  std::vector<uint64_t> chunks(h.n_chunks);
  const ssize_t table = ssize_t(chunks.size() * sizeof(uint64_t));
  if (pread(fd, chunks.data(), size_t(table), sizeof(h)) != table ||
      HeaderHash(h, chunks) != h.header_hash) {
    return Status::Corruption(path + ": header checksum mismatch");
  }
  const size_t len = size_t(st.st_size);
  void* addr = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return Status::IoError(path + ": mmap failed: " + std::strerror(errno));
  RepackedBytes bytes = RepackedBytes::Mapping(addr, len, h.data_offset, h.data_bytes);
#if defined(MADV_HUGEPAGE)
  madvise(bytes.data(), h.data_bytes, MADV_HUGEPAGE);
#endif
  // Reading every byte also maps every page before the first token needs it.
  const std::vector<uint64_t> got = ChunkChecksums(bytes.data(), h.data_bytes);
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != chunks[i]) {
      return Status::Corruption(path + ": checksum mismatch in chunk " + std::to_string(i));
    }
  }
  futimens(fd, nullptr);  // recently used: pruned last
  return bytes;
}

Result<std::unique_ptr<RepackCacheWriter>> RepackCacheWriter::Create(const std::string& path,
                                                                     const RepackCacheKey& key) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  static std::atomic<int> counter{0};
  std::unique_ptr<RepackCacheWriter> w(new RepackCacheWriter());
  w->path_ = path;
  w->tmp_path_ = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  w->key_ = key;
  w->data_offset_ = DataOffset(key.data_bytes);
  w->map_len_ = w->data_offset_ + key.data_bytes;
  w->fd_ = ::open(w->tmp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd_ < 0) return Status::IoError(w->tmp_path_ + ": cannot create: " + std::strerror(errno));
  // Blocks reserved now: a write through the mapping to a sparse file on a full disk would
  // kill the process with SIGBUS.
  if (int err = posix_fallocate(w->fd_, 0, off_t(w->map_len_)); err != 0) {
    return Status::IoError(w->tmp_path_ + ": cannot reserve " + std::to_string(w->map_len_) +
                           " bytes: " + std::strerror(err));
  }
  void* addr = mmap(nullptr, w->map_len_, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd_, 0);
  if (addr == MAP_FAILED) {
    return Status::IoError(w->tmp_path_ + ": mmap failed: " + std::strerror(errno));
  }
  w->map_ = static_cast<uint8_t*>(addr);
#if defined(MADV_HUGEPAGE)
  madvise(w->data(), key.data_bytes, MADV_HUGEPAGE);
#endif
  return w;
}

RepackCacheWriter::~RepackCacheWriter() {
  if (map_ != nullptr) munmap(map_, map_len_);
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

RepackedBytes RepackCacheWriter::Commit(std::string* error) {
  Header h = HeaderFor(key_);
  const std::vector<uint64_t> chunks = ChunkChecksums(data(), key_.data_bytes);
  h.header_hash = HeaderHash(h, chunks);
  std::memcpy(map_, &h, sizeof(h));
  std::memcpy(map_ + sizeof(h), chunks.data(), chunks.size() * sizeof(uint64_t));
  mprotect(map_, map_len_, PROT_READ);
  // No fsync: after a crash the entry may hold anything, which its checksums catch.
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    *error = path_ + ": cannot rename the new entry: " + std::strerror(errno);
  } else {
    tmp_path_.clear();
  }
  RepackedBytes bytes = RepackedBytes::Mapping(map_, map_len_, data_offset_, key_.data_bytes);
  map_ = nullptr;
  return bytes;
}

void PruneRepackCache(const std::string& dir, uint64_t max_bytes, const std::string& keep) {
  struct Entry {
    fs::path path;
    fs::file_time_type used;
    uint64_t bytes;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    std::error_code ec2;
    const fs::file_time_type t = e.last_write_time(ec2);
    const uint64_t bytes = e.file_size(ec2);
    if (ec2) continue;
    if (name.find(".r4.tmp.") != std::string::npos) {
      // A writer that crashed; one still writing touched its file within the hour.
      if (now - t > std::chrono::hours(1)) fs::remove(e.path(), ec2);
    } else if (e.path().extension() == ".r4") {
      entries.push_back({e.path(), t, bytes});
      total += bytes;
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const Entry& e : entries) {
    if (total <= max_bytes) break;
    if (e.path == fs::path(keep)) continue;
    std::error_code ec2;
    if (fs::remove(e.path, ec2)) total -= e.bytes;
  }
}

}  // namespace inferno
