// whisper.cpp's model quantization for the zoo (the peer's subset leaves out its quantize
// example): the hyper-parameters with the new ftype (plus the quantization version times 1000, as
// whisper.cpp writes it), the mel filters and the vocabulary copied, then the tensors through
// the peer's own ggml_common_quantize_0 (examples/common-ggml.cpp), skipping the tensors
// whisper.cpp's quantizer keeps in their type (convolution biases and positional embeddings).
//
// usage: whisper_quantize IN.bin OUT.bin q5_0|q8_0
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common-ggml.h"

namespace {

bool Copy(std::ifstream& in, std::ofstream& out, size_t n) {
  std::vector<char> buf(n);
  in.read(buf.data(), std::streamsize(n));
  out.write(buf.data(), std::streamsize(n));
  return bool(in);
}

int32_t Int(std::ifstream& in) {
  int32_t v = 0;
  in.read(reinterpret_cast<char*>(&v), sizeof v);
  return v;
}

void Put(std::ofstream& out, int32_t v) { out.write(reinterpret_cast<char*>(&v), sizeof v); }

// magic, 10 hyper-parameters, ftype; filters; vocabulary.
bool CopyHeader(std::ifstream& in, std::ofstream& out, ggml_ftype ftype) {
  for (int i = 0; i < 11; ++i) Put(out, Int(in));
  Int(in);  // the source ftype
  Put(out, GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + int32_t(ftype));
  const int32_t n_mel = Int(in), n_fft = Int(in);
  Put(out, n_mel);
  Put(out, n_fft);
  if (!Copy(in, out, size_t(n_mel) * n_fft * sizeof(float))) return false;
  const int32_t n_vocab = Int(in);
  Put(out, n_vocab);
  for (int32_t i = 0; i < n_vocab; ++i) {
    const int32_t len = Int(in);
    Put(out, len);
    if (!Copy(in, out, size_t(len))) return false;
  }
  return bool(in);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s IN.bin OUT.bin q5_0|q8_0\n", argv[0]);
    return 2;
  }
  const ggml_ftype ftype = ggml_parse_ftype(argv[3]);
  std::ifstream in(argv[1], std::ios::binary);
  std::ofstream out(argv[2], std::ios::binary);
  if (!in || !out || ftype == GGML_FTYPE_UNKNOWN || !CopyHeader(in, out, ftype)) {
    fprintf(stderr, "cannot quantize %s\n", argv[1]);
    return 1;
  }
  const std::vector<std::string> skip = {"encoder.conv1.bias", "encoder.conv2.bias",
                                         "encoder.positional_embedding",
                                         "decoder.positional_embedding"};
  return ggml_common_quantize_0(in, out, ftype, {".*"}, skip) ? 0 : 1;
}
