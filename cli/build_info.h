// What `inferno --version` says besides the version (engine/util/version.h): the git commit
// the binary was built from, written at build time by cmake/build_info.cmake.
#pragma once

namespace inferno::cli {

// The short commit hash ("-dirty" with uncommitted changes), or "unknown" outside a checkout.
const char* BuildCommit();

}  // namespace inferno::cli
