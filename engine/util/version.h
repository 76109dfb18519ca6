// Inferno's version, one place for `inferno --version` and the servers' version routes.
#pragma once

namespace inferno {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace inferno
