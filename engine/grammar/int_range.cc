#include "engine/grammar/int_range.h"

#include <string>
#include <vector>

namespace inferno::grammar {
namespace {

// 10^n - 1, the largest n-digit number, for n <= 18.
int64_t AllNines(int n) {
  int64_t v = 0;
  for (int i = 0; i < n; ++i) v = v * 10 + 9;
  return v;
}

Element Digits(Builder* b, char lo, char hi) {
  return b->Chars(CharSet({{uint32_t(lo), uint32_t(hi)}}, false));
}

// Same-length digit strings lo..hi (lo <= hi, equal lengths) as alternatives of rule r.
void SameLength(const std::string& lo, const std::string& hi, Builder* b, uint32_t r) {
  if (lo.size() == 1) {
    b->AddAlternative(r, {Digits(b, lo[0], hi[0])});
    return;
  }
  const std::string lo_rest = lo.substr(1), hi_rest = hi.substr(1);
  auto tail = [&](const std::string& a, const std::string& z) {
    if (a.find_first_not_of('0') == std::string::npos &&
        z.find_first_not_of('9') == std::string::npos) {
      Sequence any;
      for (size_t i = 0; i < a.size(); ++i) any.push_back(Digits(b, '0', '9'));
      return any;
    }
    const uint32_t sub = b->FreshRule("int-range");
    SameLength(a, z, b, sub);
    return Sequence{Builder::Ref(sub)};
  };
  if (lo[0] == hi[0]) {
    Sequence seq = {b->Char(uint32_t(lo[0]))};
    for (const Element& e : tail(lo_rest, hi_rest)) seq.push_back(e);
    b->AddAlternative(r, seq);
    return;
  }
  const std::string nines(lo_rest.size(), '9'), zeros(lo_rest.size(), '0');
  Sequence first = {b->Char(uint32_t(lo[0]))};
  for (const Element& e : tail(lo_rest, nines)) first.push_back(e);
  b->AddAlternative(r, first);
  if (hi[0] - lo[0] > 1) {
    Sequence middle = {Digits(b, char(lo[0] + 1), char(hi[0] - 1))};
    for (const Element& e : tail(zeros, nines)) middle.push_back(e);
    b->AddAlternative(r, middle);
  }
  Sequence last = {b->Char(uint32_t(hi[0]))};
  for (const Element& e : tail(zeros, hi_rest)) last.push_back(e);
  b->AddAlternative(r, last);
}

// Non-negative integers lo..hi as alternatives of rule r, one digit count at a time.
void NonNegative(int64_t lo, int64_t hi, Builder* b, uint32_t r) {
  for (int n = 1; n <= kMaxIntegerDigits + 2; ++n) {
    const int64_t first = n == 1 ? 0 : AllNines(n - 1) + 1;
    const int64_t last = AllNines(n);
    if (first > hi) break;
    if (last < lo) continue;
    SameLength(std::to_string(std::max(lo, first)), std::to_string(std::min(hi, last)), b, r);
  }
}

}  // namespace

Status AppendIntegerRange(std::optional<int64_t> min, std::optional<int64_t> max, Builder* b,
                          Sequence* seq) {
  const int64_t limit = AllNines(kMaxIntegerDigits);
  const int64_t lo = min ? std::max(*min, -limit) : -limit;
  const int64_t hi = max ? std::min(*max, limit) : limit;
  if (lo > hi) {
    return Status::InvalidArgument("the integer range [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "] is empty");
  }
  const uint32_t r = b->FreshRule("integer-range");
  if (lo < 0) {
    // -|x| for x in [max(1, -hi), -lo].
    const uint32_t neg = b->FreshRule("integer-range");
    NonNegative(std::max<int64_t>(1, -hi), -lo, b, neg);
    b->AddAlternative(r, {b->Char('-'), Builder::Ref(neg)});
  }
  if (hi >= 0) NonNegative(std::max<int64_t>(0, lo), hi, b, r);
  seq->push_back(Builder::Ref(r));
  return Status::Ok();
}

}  // namespace inferno::grammar
