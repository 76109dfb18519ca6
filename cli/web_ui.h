// The built web UI compiled into the binary. Defined by the source that cmake/embed_web.cmake
// generates from web/dist at build time (empty when the UI was not built).
#pragma once

#include <span>

#include "server/static_site.h"

namespace inferno::cli {

std::span<const server::WebAsset> EmbeddedWebUi();

}  // namespace inferno::cli
