#include "engine/model/repack_matrices.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "engine/ops/cpu_features.h"

namespace inferno {
namespace {

// The matrices to repack and where each goes in the block.
struct Plan {
  std::vector<ops::WeightMatrix*> todo;
  std::vector<ops::WeightMatrix> packed;  // shapes; data set when placed
  std::vector<size_t> offset;
  size_t total = 0;
};

Plan MakePlan(std::span<ops::WeightMatrix* const> matrices) {
  Plan p;
  for (ops::WeightMatrix* m : matrices) {
    if (ops::ShouldRepack(*m)) p.todo.push_back(m);
  }
  // One block for all of them: it goes on 2 MiB pages (see AlignedBytes) without rounding
  // each matrix (a 64-expert layer has 192 small ones) up to a page.
  for (ops::WeightMatrix* m : p.todo) {
    p.packed.push_back(ops::RepackedShape(*m));
    p.offset.push_back(p.total);
    p.total += (ops::R4Bytes(p.packed.back()) + 63) / 64 * 64;
  }
  return p;
}

// Everything the block's bytes depend on besides the file's contents.
RepackCacheKey KeyFor(const gguf::File& file, const Plan& p) {
  RepackCacheKey key;
  key.model = *file.identity();
  key.isa = uint64_t(ops::ActiveIsa());
  key.data_bytes = p.total;
  std::vector<uint64_t> fields;
  for (size_t i = 0; i < p.todo.size(); ++i) {
    const ops::WeightMatrix& m = *p.todo[i];
    fields.insert(fields.end(),
                  {uint64_t(m.type), uint64_t(m.rows), uint64_t(m.cols), uint64_t(m.row_bytes),
                   uint64_t(p.packed[i].layout), file.OffsetOf(m.data), uint64_t(p.offset[i])});
  }
  key.matrices_hash =
      RepackChecksum(reinterpret_cast<const uint8_t*>(fields.data()), fields.size() * 8);
  return key;
}

// Points every matrix at its place in base (repacking it there first when `repack`), on all
// cores, releasing the file pages it came from.
void Place(const gguf::File* file, Plan& p, uint8_t* base, bool repack) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < p.todo.size(); i = next++) {
      const ops::WeightMatrix source = *p.todo[i];
      p.packed[i].data = base + p.offset[i];
      if (repack) ops::RepackInto(source, p.packed[i]);
      *p.todo[i] = p.packed[i];
      if (file != nullptr) file->Release(source.data, size_t(source.rows) * source.row_bytes);
    }
  };
  std::vector<std::thread> threads;
  const size_t n =
      repack ? std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), p.todo.size())
             : 1;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
}

// A cache entry to repack into, or null (with info->note saying why when it is not by choice).
// A valid entry already there goes into *storage instead.
std::unique_ptr<RepackCacheWriter> UseCache(const gguf::File* file, const Plan& p,
                                            RepackedBytes* storage, RepackInfo* info) {
  const RepackCacheSettings s = GetRepackCacheSettings();
  if (file == nullptr || file->identity() == nullptr || !s.enabled || p.total < s.min_bytes) {
    return nullptr;
  }
  info->cache_path = RepackCachePath(s, file->path());
  if (info->cache_path.empty()) return nullptr;
  const RepackCacheKey key = KeyFor(*file, p);
  Result<RepackedBytes> hit = OpenRepackCache(info->cache_path, key);
  if (hit.ok()) {
    *storage = std::move(hit).value();
    info->source = RepackSource::kCacheHit;
    return nullptr;
  }
  if (hit.status().code() != Status::Code::kNotFound) info->note = hit.status().message();
  Result<std::unique_ptr<RepackCacheWriter>> w = RepackCacheWriter::Create(info->cache_path, key);
  if (!w.ok()) {
    info->note += (info->note.empty() ? "" : "; ") + w.status().message();
    return nullptr;
  }
  return std::move(w).value();
}

}  // namespace

const char* RepackSourceName(RepackSource source) {
  switch (source) {
    case RepackSource::kNone:
      return "none";
    case RepackSource::kRepacked:
      return "repacked";
    case RepackSource::kCacheHit:
      return "cache hit";
    case RepackSource::kCacheWritten:
      return "cache written";
  }
  return "?";
}

RepackInfo RepackMatrices(const gguf::File* file, std::span<ops::WeightMatrix* const> matrices,
                          RepackedBytes* storage) {
  RepackInfo info;
  Plan p = MakePlan(matrices);
  if (p.todo.empty()) return info;
  info.matrices = p.todo.size();
  info.bytes = p.total;
  std::unique_ptr<RepackCacheWriter> writer = UseCache(file, p, storage, &info);
  if (info.source == RepackSource::kCacheHit) {
    Place(file, p, storage->data(), /*repack=*/false);
    return info;
  }
  if (writer == nullptr) {
    *storage = RepackedBytes::Heap(p.total);
    Place(file, p, storage->data(), /*repack=*/true);
    info.source = RepackSource::kRepacked;
    return info;
  }
  Place(file, p, writer->data(), /*repack=*/true);
  std::string error;
  *storage = writer->Commit(&error);
  if (!error.empty()) info.note += (info.note.empty() ? "" : "; ") + error;
  info.source = error.empty() ? RepackSource::kCacheWritten : RepackSource::kRepacked;
  if (error.empty()) {
    PruneRepackCache(std::filesystem::path(info.cache_path).parent_path().string(),
                     GetRepackCacheSettings().max_bytes, info.cache_path);
  }
  return info;
}

}  // namespace inferno
