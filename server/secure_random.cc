#include "server/secure_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace inferno::server {

void SecureRandomBytes(void* out, size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::perror("inferno: getrandom");
      std::abort();
    }
    p += got;
    n -= size_t(got);
  }
}

std::string RandomHex128() {
  unsigned char bytes[16];
  SecureRandomBytes(bytes, sizeof(bytes));
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof(bytes));
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string RandomId(char kind) {
  // Inserted rather than `kind + RandomHex128()`: GCC 12 warns (-Wrestrict, wrongly) on
  // some inlinings of operator+ with a leading character.
  std::string id = RandomHex128();
  id.insert(id.begin(), kind);
  return id;
}

}  // namespace inferno::server
