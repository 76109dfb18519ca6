// Decimal integers within bounds, as grammar elements: JSON Schema's minimum/maximum on
// integers. The range is split by sign and digit count, and each same-length piece digit by
// digit (the way a regex for a numeric range is written), so the grammar accepts exactly the
// integers of the range in JSON's form (no leading zeros, no "-0", at most 16 digits).
#pragma once

#include <cstdint>
#include <optional>

#include "engine/grammar/grammar.h"
#include "engine/util/status.h"

namespace inferno::grammar {

// The most digits an integer may have when the range leaves it unbounded (as llama.cpp's
// JSON grammars: models cannot loop on digits).
constexpr int kMaxIntegerDigits = 16;

// Appends an element matching the integers in [min, max] (either open) to seq. An empty range
// is an error.
Status AppendIntegerRange(std::optional<int64_t> min, std::optional<int64_t> max, Builder* b,
                          Sequence* seq);

}  // namespace inferno::grammar
