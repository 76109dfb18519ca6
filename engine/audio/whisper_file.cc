// Parsing whisper.cpp's legacy ggml model file (layout in whisper_file.h), with every read
// bounds-checked so that a truncated or corrupt file is an error naming what was being read.
#include "engine/audio/whisper_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "engine/audio/languages.h"
#include "engine/tensor/dtype.h"

namespace inferno::audio {

namespace {

constexpr uint32_t kMagic = 0x67676d6c;  // "ggml" read as a little-endian uint32
constexpr int32_t kQuantVersionFactor = 1000;

class Reader {
 public:
  Reader(const std::string& name, const uint8_t* base, size_t size)
      : name_(name), base_(base), size_(size) {}

  size_t pos() const { return pos_; }
  bool done() const { return pos_ == size_; }

  Status Bytes(size_t n, const char* what, const uint8_t** out) {
    if (n > size_ - pos_) {
      return Status::Corruption(name_ + ": truncated at byte " + std::to_string(pos_) +
                                " while reading " + what + " (" + std::to_string(n) +
                                " bytes needed, " + std::to_string(size_ - pos_) + " left)");
    }
    *out = base_ + pos_;
    pos_ += n;
    return Status::Ok();
  }
  template <typename T>
  Status Scalar(const char* what, T* out) {
    const uint8_t* p = nullptr;
    INFERNO_RETURN_IF_ERROR(Bytes(sizeof(T), what, &p));
    std::memcpy(out, p, sizeof(T));
    return Status::Ok();
  }
  Status Error(const std::string& m) const {
    return Status::Corruption(name_ + ": " + m + " (at byte " + std::to_string(pos_) + ")");
  }

 private:
  const std::string& name_;
  const uint8_t* base_;
  size_t size_;
  size_t pos_ = 0;
};

Status ReadHparams(Reader& r, WhisperHparams* hp) {
  int32_t* fields[] = {&hp->n_vocab,       &hp->n_audio_ctx, &hp->n_audio_state, &hp->n_audio_head,
                       &hp->n_audio_layer, &hp->n_text_ctx,  &hp->n_text_state,  &hp->n_text_head,
                       &hp->n_text_layer,  &hp->n_mels,      &hp->ftype};
  for (int32_t* f : fields) INFERNO_RETURN_IF_ERROR(r.Scalar("hyper-parameters", f));
  hp->ftype %= kQuantVersionFactor;
  const std::string bad = hp->Check();
  return bad.empty() ? Status::Ok() : r.Error(bad);
}

Status ReadFilters(Reader& r, int32_t n_mels, MelFilters* f) {
  INFERNO_RETURN_IF_ERROR(r.Scalar("mel filters", &f->n_mel));
  INFERNO_RETURN_IF_ERROR(r.Scalar("mel filters", &f->n_fft));
  if (const std::string bad = f->CheckSize(n_mels); !bad.empty()) return r.Error(bad);
  const uint8_t* p = nullptr;
  const size_t n = size_t(f->n_mel) * f->n_fft;
  INFERNO_RETURN_IF_ERROR(r.Bytes(n * sizeof(float), "mel filters", &p));
  f->data.resize(n);
  std::memcpy(f->data.data(), p, n * sizeof(float));
  return Status::Ok();
}

Status ReadVocab(Reader& r, int32_t n_vocab, WhisperVocab* v) {
  int32_t count = 0;
  INFERNO_RETURN_IF_ERROR(r.Scalar("vocabulary size", &count));
  if (count < 0 || count > n_vocab) {
    return r.Error("vocabulary holds " + std::to_string(count) + " tokens (expected 0.." +
                   std::to_string(n_vocab) + ")");
  }
  v->tokens.resize(count);
  for (int32_t i = 0; i < count; ++i) {
    uint32_t len = 0;
    const uint8_t* p = nullptr;
    INFERNO_RETURN_IF_ERROR(r.Scalar("vocabulary", &len));
    INFERNO_RETURN_IF_ERROR(r.Bytes(len, "vocabulary", &p));
    v->tokens[i].assign(reinterpret_cast<const char*>(p), len);
  }
  v->SetSize(n_vocab);
  return Status::Ok();
}

Status ReadTensor(Reader& r, gguf::TensorInfo* t) {
  int32_t n_dims = 0, name_len = 0, type = 0;
  INFERNO_RETURN_IF_ERROR(r.Scalar("tensor header", &n_dims));
  INFERNO_RETURN_IF_ERROR(r.Scalar("tensor header", &name_len));
  INFERNO_RETURN_IF_ERROR(r.Scalar("tensor header", &type));
  if (n_dims < 1 || n_dims > 4 || name_len <= 0 || name_len > 256) {
    return r.Error("tensor header has " + std::to_string(n_dims) + " dimensions and a name of " +
                   std::to_string(name_len) + " bytes (expected 1..4 and 1..256)");
  }
  const DTypeInfo* info = FindDType(uint32_t(type));
  t->n_elements = 1;
  for (int i = 0; i < n_dims; ++i) {
    int32_t ne = 0;
    INFERNO_RETURN_IF_ERROR(r.Scalar("tensor shape", &ne));
    if (ne <= 0 || ne > (1 << 24)) return r.Error("tensor dimension " + std::to_string(ne));
    t->shape.push_back(ne);
    t->n_elements *= ne;
  }
  const uint8_t* name = nullptr;
  INFERNO_RETURN_IF_ERROR(r.Bytes(size_t(name_len), "tensor name", &name));
  t->name = std::string_view(reinterpret_cast<const char*>(name), size_t(name_len));
  const std::string where = "tensor '" + std::string(t->name) + "'";
  if (info == nullptr || info->type == DType::kQ8_1 || info->type == DType::kQ8_K) {
    return r.Error(where + " has ggml type " + std::to_string(type) +
                   " (supported: " + SupportedWeightTypes() + ")");
  }
  if (t->shape[0] % info->block_size != 0) {
    return r.Error(where + ": row of " + std::to_string(t->shape[0]) +
                   " is not a multiple of the " + std::string(info->name) + " block");
  }
  t->type = info->type;
  t->bytes = RowBytes(t->type, t->shape[0]) * size_t(t->n_elements / t->shape[0]);
  t->offset = r.pos();
  return r.Bytes(t->bytes, ("data of " + where).c_str(), &t->data);
}

}  // namespace

std::string WhisperHparams::Check() const {
  const int32_t fields[] = {n_vocab,    n_audio_ctx,  n_audio_state, n_audio_head, n_audio_layer,
                            n_text_ctx, n_text_state, n_text_head,   n_text_layer, n_mels};
  for (int i = 0; i < 10; ++i) {
    if (fields[i] <= 0 || fields[i] > (1 << 20)) {
      return "hyper-parameter " + std::to_string(i) + " is " + std::to_string(fields[i]) +
             " (expected 1..1048576)";
    }
  }
  if (n_audio_state % n_audio_head != 0 || n_text_state % n_text_head != 0) {
    return "state size is not a multiple of the head count";
  }
  if (n_vocab < 51864) {
    return "n_vocab " + std::to_string(n_vocab) +
           " is below Whisper's 51864 (the special tokens follow the 50257 text tokens)";
  }
  // A smaller encoder context is a shorter window (2 * n_audio_ctx mel frames, as whisper.cpp's
  // --audio-ctx); a larger one would read past the 30 s window.
  if (n_audio_ctx > 1500) {
    return "n_audio_ctx " + std::to_string(n_audio_ctx) + " is above Whisper's 1500 (30 s)";
  }
  return "";
}

std::string MelFilters::CheckSize(int32_t n_mels) const {
  if (n_mel == n_mels && n_fft == 201) return "";
  return "mel filterbank is " + std::to_string(n_mel) + " x " + std::to_string(n_fft) +
         " (expected " + std::to_string(n_mels) + " x 201 for n_fft 400)";
}

void WhisperVocab::SetSize(int32_t size) {
  *this = WhisperVocab{.tokens = std::move(tokens), .n_vocab = size};
  if (!multilingual()) return;
  const int shift = n_languages() - 98;
  ++eot;
  ++sot;
  for (int32_t* id :
       {&translate, &transcribe, &solm, &prev, &nosp, &no_timestamps, &timestamp_begin}) {
    *id += shift;
  }
}

std::string WhisperVocab::Text(int32_t id) const {
  if (id >= 0 && id < int32_t(tokens.size()) && id < eot) return tokens[id];
  if (id > timestamp_begin) return "[_TT_" + std::to_string(id - timestamp_begin) + "]";
  if (id == eot) return "[_EOT_]";
  if (id == sot) return "[_SOT_]";
  if (id == translate) return "[_TRANSLATE_]";
  if (id == transcribe) return "[_TRANSCRIBE_]";
  if (id == solm) return "[_SOLM_]";
  if (id == prev) return "[_PREV_]";
  if (id == nosp) return "[_NOSP_]";
  if (id == no_timestamps) return "[_NOT_]";
  if (id == timestamp_begin) return "[_BEG_]";
  const int lang = id - sot - 1;
  if (lang >= 0 && lang < n_languages() && lang < int(LanguageCodes().size())) {
    return "[_LANG_" + std::string(LanguageCodes()[lang]) + "]";
  }
  return "[_extra_token_" + std::to_string(id) + "]";
}

namespace {

// The C locale's classes, as std::regex sees bytes in whisper.cpp (bytes past ASCII are none).
bool Alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool Other(char c) { return !Alpha(c) && !Digit(c) && !Space(c); }

// The length of the match at `p` of whisper.cpp's word pattern (GPT-2's, ECMAScript order:
// the first alternative that matches):
//   's|'t|'re|'ve|'m|'ll|'d| ?[[:alpha:]]+| ?[[:digit:]]+| ?[^\s[:alpha:][:digit:]]+|\s+(?!\S)|\s+
// Written out rather than run by std::regex, whose matcher recurses once per character.
size_t WordLength(std::string_view t, size_t p) {
  for (std::string_view c : {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}) {
    if (t.substr(p, c.size()) == c) return c.size();
  }
  for (bool (*cls)(char) : {Alpha, Digit, Other}) {
    const size_t q = p + (t[p] == ' ' && p + 1 < t.size() && cls(t[p + 1]) ? 1 : 0);
    size_t e = q;
    while (e < t.size() && cls(t[e])) ++e;
    if (e > q) return e - p;
  }
  size_t e = p;
  while (e < t.size() && Space(t[e])) ++e;
  // \s+(?!\S): all of the run at the end, else all but its last character (the next word's
  // optional space), else the single character by \s+.
  if (e == t.size() || e - p == 1) return e - p;
  return e - p - 1;
}

}  // namespace

std::vector<int32_t> WhisperVocab::Tokenize(const std::string& text) const {
  // whisper.cpp's token_to_id: every id's text, a later id winning over an earlier one.
  std::unordered_map<std::string, int32_t> to_id;
  size_t longest = 1;  // no match is longer: a long word costs its length times this
  for (int32_t id = 0; id < n_vocab; ++id) {
    std::string t = id < int32_t(tokens.size()) ? tokens[id] : Text(id);
    longest = std::max(longest, t.size());
    to_id[std::move(t)] = id;
  }
  std::vector<int32_t> out;
  for (size_t p = 0; p < text.size();) {
    const std::string word = text.substr(p, WordLength(text, p));
    p += word.size();
    size_t i = 0;
    while (i < word.size()) {
      size_t j = std::min(word.size(), i + longest);
      for (; j > i; --j) {
        auto found = to_id.find(word.substr(i, j - i));
        if (found == to_id.end()) continue;
        out.push_back(found->second);
        break;
      }
      i = j > i ? j : i + 1;  // a byte no token starts with is dropped, as whisper.cpp does
    }
  }
  return out;
}

bool WhisperFile::Sniff(std::span<const uint8_t> head) {
  uint32_t magic = 0;
  if (head.size() < 4) return false;
  std::memcpy(&magic, head.data(), 4);
  return magic == kMagic;
}

Status WhisperFile::Parse() {
  Reader r(name_, base_, size_);
  uint32_t magic = 0;
  INFERNO_RETURN_IF_ERROR(r.Scalar("magic", &magic));
  if (magic != kMagic) return r.Error("not a whisper.cpp model (bad magic)");
  INFERNO_RETURN_IF_ERROR(ReadHparams(r, &hp_));
  INFERNO_RETURN_IF_ERROR(ReadFilters(r, hp_.n_mels, &filters_));
  INFERNO_RETURN_IF_ERROR(ReadVocab(r, hp_.n_vocab, &vocab_));
  while (!r.done()) {
    gguf::TensorInfo t;
    INFERNO_RETURN_IF_ERROR(ReadTensor(r, &t));
    if (FindTensor(t.name) != nullptr) {
      return r.Error("tensor '" + std::string(t.name) + "' appears twice");
    }
    tensors_.push_back(std::move(t));
  }
  return Status::Ok();
}

const gguf::TensorInfo* WhisperFile::FindTensor(std::string_view name) const {
  for (const gguf::TensorInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string WhisperFile::SizeName() const {
  switch (hp_.n_audio_layer) {
    case 4:
      return "tiny";
    case 6:
      return "base";
    case 12:
      return "small";
    case 24:
      return "medium";
    case 32:
      return "large";
  }
  return std::to_string(hp_.n_audio_layer) + "-layer";
}

Result<std::unique_ptr<WhisperFile>> WhisperFile::FromMemory(std::string name,
                                                             std::span<const uint8_t> bytes) {
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), "GGUF", 4) == 0) {
    return FromGguf(gguf::File::FromMemory(std::move(name), bytes));
  }
  std::unique_ptr<WhisperFile> f(new WhisperFile());
  f->name_ = std::move(name);
  f->base_ = bytes.data();
  f->size_ = bytes.size();
  INFERNO_RETURN_IF_ERROR(f->Parse());
  return f;
}

Result<std::unique_ptr<WhisperFile>> WhisperFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return Status::Corruption(path + ": empty or unreadable file");
  }
  char magic[4] = {};
  if (::pread(fd, magic, 4, 0) == 4 && std::memcmp(magic, "GGUF", 4) == 0) {
    ::close(fd);
    return FromGguf(gguf::File::Open(path));
  }
  void* p = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return Status::IoError(path + ": mmap failed");
  std::unique_ptr<WhisperFile> f(new WhisperFile());
  f->name_ = path;
  f->base_ = static_cast<const uint8_t*>(p);
  f->size_ = size_t(st.st_size);
  f->mapped_ = true;
  INFERNO_RETURN_IF_ERROR(f->Parse());
  return f;
}

WhisperFile::~WhisperFile() {
  if (mapped_) munmap(const_cast<uint8_t*>(base_), size_);
}

}  // namespace inferno::audio
