// Secrets and unguessable identifiers from the operating system's CSPRNG. A debugger session
// id or resume token is all a client needs to act on a session, so a guessable one (a counter,
// or a PRNG seeded with 64 bits) would let any other client reach it.
#pragma once

#include <cstddef>
#include <string>

namespace inferno::server {

// Fills `out` with n random bytes from the OS (getrandom); aborts if the OS has none, since
// every use is a secret that must not be predictable.
void SecureRandomBytes(void* out, size_t n);
// 32 lower-case hex digits from 128 random bits.
std::string RandomHex128();
// An identifier: a letter that says what it names (debugger sessions 's', compares 'c',
// imported sessions 'i'), then RandomHex128().
std::string RandomId(char kind);

}  // namespace inferno::server
