// For tests against shared/fixtures/templates: strftime_now() at the date its reference
// renderings were made with (render_reference.py fixes it at 2026-01-15 10:30).
#pragma once

#include <ctime>

#include "engine/template/template.h"

namespace inferno {

inline RenderOptions FixtureClock() {
  RenderOptions o;
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 0;
  tm.tm_mday = 15;
  tm.tm_hour = 10;
  tm.tm_min = 30;
  tm.tm_wday = 4;  // a Thursday
  tm.tm_yday = 14;
  o.now = tm;
  return o;
}

}  // namespace inferno
