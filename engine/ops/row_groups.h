// The attention kernels' row loop: query rows in groups of up to four, each group handled by
// a kernel instantiated for its row count (accumulators in registers need a compile-time
// count). ISA-free, shared by attention_f16_avx2.cc and attention_f16_avx512.cc.
#pragma once

#include <algorithm>

namespace inferno::ops {

constexpr int kRowsPerGroup = 4;

// Calls f.template operator()<NR>(r0) for r0 = 0, 4, 8, ... < n_rows, NR = the group's rows.
template <typename F>
void ForEachRowGroup(int n_rows, F&& f) {
  for (int r0 = 0; r0 < n_rows; r0 += kRowsPerGroup) {
    switch (std::min(kRowsPerGroup, n_rows - r0)) {
      case 1:
        f.template operator()<1>(r0);
        break;
      case 2:
        f.template operator()<2>(r0);
        break;
      case 3:
        f.template operator()<3>(r0);
        break;
      default:
        f.template operator()<4>(r0);
        break;
    }
  }
}

}  // namespace inferno::ops
