#include "engine/convert/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/convert/json_file.h"

namespace inferno::convert {

namespace fs = std::filesystem;

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Result<std::unique_ptr<Checkpoint>> Checkpoint::Open(const std::string& dir) {
  std::unique_ptr<Checkpoint> c(new Checkpoint());
  c->dir_ = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(dir +
                            ": not a directory (expected a checkpoint folder with "
                            "config.json and *.safetensors)");
  }
  std::vector<std::string> files;
  std::map<std::string, std::string> weight_map;  // from the index, when there is one
  const fs::path index_path = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(index_path)) {
    Result<boost::json::object> index = ReadJsonObject(index_path.string());
    if (!index.ok()) return index.status();
    const boost::json::value* wm = index->if_contains("weight_map");
    if (wm == nullptr || !wm->is_object()) {
      return Status::Corruption(index_path.string() + ": 'weight_map' missing or not an object");
    }
    std::set<std::string> unique;
    for (const auto& kv : wm->as_object()) {
      if (!kv.value().is_string()) {
        return Status::Corruption(index_path.string() + ": weight_map entry '" +
                                  std::string(kv.key()) + "' is not a file name");
      }
      const std::string file(kv.value().as_string());
      // Shard names are plain file names inside the checkpoint folder.
      if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
        return Status::Corruption(index_path.string() + ": shard name '" + file +
                                  "' is not a file name in the checkpoint folder");
      }
      weight_map[std::string(kv.key())] = file;
      unique.insert(file);
    }
    files.assign(unique.begin(), unique.end());
  } else if (fs::exists(fs::path(dir) / "model.safetensors")) {
    files.push_back("model.safetensors");
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".safetensors") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
  }
  if (files.empty()) {
    return Status::NotFound(dir +
                            ": no *.safetensors weights found (only safetensors "
                            "checkpoints are supported, not PyTorch .bin files)");
  }
  for (const std::string& name : files) {
    Result<std::unique_ptr<SafetensorsFile>> f =
        SafetensorsFile::Open((fs::path(dir) / name).string());
    if (!f.ok()) return f.status();
    const SafetensorsFile* file = f->get();
    for (const StTensor& t : file->tensors()) {
      if (c->index_.count(t.name)) {
        return Status::Corruption(file->path() + ": tensor '" + t.name +
                                  "' also appears in another shard");
      }
      auto it = weight_map.find(t.name);
      if (!weight_map.empty() && (it == weight_map.end() || it->second != name)) continue;
      c->index_[t.name] = {file, &t};
      c->total_bytes_ += t.bytes;
    }
    c->files_.push_back(std::move(f).value());
  }
  for (const auto& [tensor, file] : weight_map) {
    if (!c->index_.count(tensor)) {
      return Status::Corruption(index_path.string() + ": tensor '" + tensor + "' is listed in " +
                                file + " but not stored there");
    }
  }
  return c;
}

Result<Checkpoint::Entry> Checkpoint::Find(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) {
    return Status::NotFound(dir_ + ": tensor '" + name + "' is missing from the checkpoint");
  }
  return it->second;
}

Result<std::vector<int64_t>> Checkpoint::Shape(const std::string& name) const {
  Result<Entry> e = Find(name);
  if (!e.ok()) return e.status();
  return e->tensor->shape;
}

Status Checkpoint::Read(const std::string& name, const std::vector<int64_t>& want_shape,
                        std::vector<float>* out) const {
  Result<Entry> e = Find(name);
  if (!e.ok()) return e.status();
  const StTensor& t = *e->tensor;
  if (!want_shape.empty() && t.shape != want_shape) {
    return Status::Corruption(e->file->path() + ": tensor '" + name + "' has shape " +
                              ShapeString(t.shape) + ", expected " + ShapeString(want_shape) +
                              " from config.json");
  }
  out->resize(size_t(t.n_elements));
  return TensorToFloat(e->file->path(), t, out->data());
}

bool Checkpoint::AllMatricesBf16() const {
  bool any = false;
  for (const auto& [name, e] : index_) {
    if (e.tensor->shape.size() < 2) continue;
    if (e.tensor->dtype != StDType::kBF16) return false;
    any = true;
  }
  return any;
}

std::vector<std::string> Checkpoint::Names() const {
  std::vector<std::string> names;
  for (const auto& kv : index_) names.push_back(kv.first);
  return names;
}

}  // namespace inferno::convert
