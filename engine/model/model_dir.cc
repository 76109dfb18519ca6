#include "engine/model/model_dir.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace inferno {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtension = ".gguf";
constexpr int kMaxDepth = 4;

bool StartsWithDir(const fs::path& path, const fs::path& dir) {
  const std::string p = path.string(), d = dir.string();
  return p.size() > d.size() && p.compare(0, d.size(), d) == 0 && p[d.size()] == '/';
}

bool HasExtension(const std::string& s, std::string_view extension = kExtension) {
  return s.size() > extension.size() &&
         s.compare(s.size() - extension.size(), extension.size(), extension) == 0;
}

Status NotInside(const std::string& name) {
  return Status::NotFound("model '" + name + "' is not a name inside the models dir");
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// An mmproj's name without "mmproj" and the separators around it, lower case: the part that
// may repeat the model's name ("mmproj-gemma-3-4b-it-F16" -> "gemma-3-4b-it-f16").
std::string MmprojModelPart(std::string_view stem) {
  std::string s = Lower(stem);
  const size_t at = s.find("mmproj");
  s.erase(at, 6);
  auto sep = [](char c) { return c == '-' || c == '_' || c == '.'; };
  while (!s.empty() && sep(s.front())) s.erase(s.begin());
  for (size_t i = at; i > 0 && i <= s.size() && sep(s[i - 1]);) s.erase(--i, 1);
  return s;
}

size_t CommonPrefix(const std::string& a, const std::string& b) {
  return size_t(
      std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin()).first -
      a.begin());
}

}  // namespace

bool IsMmprojName(std::string_view file_name) {
  return Lower(file_name).find("mmproj") != std::string::npos;
}

std::string FindMmprojFor(const std::string& model_path) {
  std::error_code ec;
  const fs::path dir = fs::path(model_path).parent_path();
  std::vector<fs::path> found;
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->path().extension() == kExtension && IsMmprojName(name)) found.push_back(it->path());
  }
  if (found.size() == 1) return found[0].string();
  const std::string model = Lower(fs::path(model_path).stem().string());
  std::string best;
  size_t best_len = 3, ties = 0;  // fewer than 4 shared characters is no evidence
  for (const fs::path& p : found) {
    const size_t n = CommonPrefix(model, MmprojModelPart(p.stem().string()));
    if (n > best_len) {
      best = p.string();
      best_len = n;
      ties = 0;
    } else if (n == best_len && !best.empty()) {
      ++ties;
    }
  }
  return ties == 0 ? best : "";
}

std::vector<ModelFile> FindModelFiles(const std::string& models_dir) {
  std::vector<ModelFile> out;
  std::error_code ec;
  if (models_dir.empty() || !fs::is_directory(models_dir, ec)) return out;
  const fs::path dir = fs::canonical(models_dir, ec);
  for (fs::recursive_directory_iterator
           it(dir, fs::directory_options::follow_directory_symlink, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it.depth() > kMaxDepth) it.disable_recursion_pending();
    if (it->path().extension() != kExtension || IsMmprojName(it->path().filename().string())) {
      continue;
    }
    const fs::path real = fs::canonical(it->path(), ec);
    if (ec || !StartsWithDir(real, dir) || !fs::is_regular_file(real, ec)) {
      ec.clear();
      continue;  // a symlink leading out of the dir is not ours to serve
    }
    // The id is the name in the dir, not the target's: a symlink inside the dir is a name.
    std::string id = it->path().lexically_relative(dir).string();
    id.resize(id.size() - kExtension.size());
    out.push_back({std::move(id), real.string()});
  }
  std::sort(out.begin(), out.end(),
            [](const ModelFile& a, const ModelFile& b) { return a.id < b.id; });
  return out;
}

std::string ModelIdFor(const std::string& models_dir, const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  if (!models_dir.empty()) {
    const fs::path dir = fs::weakly_canonical(models_dir, ec);
    if (StartsWithDir(p, dir)) {
      std::string rel = p.string().substr(dir.string().size() + 1);
      if (HasExtension(rel)) rel.resize(rel.size() - kExtension.size());
      return rel;
    }
  }
  return fs::path(path).stem().string();
}

Result<std::string> ResolveModelName(const std::string& models_dir, const std::string& name,
                                     std::string_view extension) {
  if (name.empty() || name.size() > 512) return Status::NotFound("model name is empty or too long");
  if (name[0] == '/' || name.find('\\') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return NotInside(name);
  }
  for (const fs::path& part : fs::path(name)) {
    if (part == ".." || part == ".") return NotInside(name);
  }
  const std::string file = HasExtension(name, extension) ? name : name + std::string(extension);
  std::error_code ec;
  const fs::path dir = fs::canonical(models_dir, ec);
  if (ec) return Status::NotFound("models dir " + models_dir + " does not exist");
  const fs::path candidate = dir / file;
  if (!fs::exists(candidate, ec)) return Status::NotFound("model '" + name + "' not found");
  // Symlinks are fine as long as what they point at stays inside the dir.
  const fs::path real = fs::canonical(candidate, ec);
  if (ec || !StartsWithDir(real, dir) || !fs::is_regular_file(real, ec)) return NotInside(name);
  return real.string();
}

}  // namespace inferno
