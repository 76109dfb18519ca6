// Filters over sequences: first, last, join, list, map, select/reject(attr), items, unique,
// reverse, sort, dictsort, min, max, sum, batch. The lazy ones return a list marked as a
// generator, as Jinja2 returns one: it iterates, but json.dumps refuses it.
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "engine/template/filters_internal.h"
#include "engine/template/ops.h"
#include "engine/template/strings.h"

namespace inferno::tmpl {

Value GetAttrPath(const Value& obj, const Value& path) {
  if (!path.is_string()) return GetItem(obj, path);
  Value v = obj;
  static const std::string kDot = ".";
  for (const std::string& part : Split(path.as_string(), &kDot, -1)) {
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    v = GetItem(v, digits ? Value(int64_t{std::stoll(part)}) : Value(part));
    if (v.is_undefined()) break;
  }
  return v;
}

namespace {

Value Generator(std::vector<Value> items) {
  Value v = Value::MakeList(std::move(items));
  v.list_ptr()->generator = true;
  return v;
}

Value First(Interpreter&, const Value& v, CallArgs&) {
  const std::vector<Value> items = Iterate(v);
  return items.empty() ? Value::MakeUndefined("No first item, sequence was empty.") : items.front();
}

Value Last(Interpreter&, const Value& v, CallArgs&) {
  const std::vector<Value> items = Iterate(v);
  return items.empty() ? Value::MakeUndefined("No last item, sequence was empty.") : items.back();
}

Value Join(Interpreter&, const Value& v, CallArgs& a) {
  const std::string sep = Arg(a, 0, "d", Value("")).Str();
  const Value attr = Arg(a, 1, "attribute", Value(None{}));
  std::string out;
  bool first = true;
  for (const Value& item : Iterate(v)) {
    if (!first) out += sep;
    out += (attr.is_none() ? item : GetAttrPath(item, attr)).Str();
    first = false;
  }
  return Value(std::move(out));
}

Value ToList(Interpreter&, const Value& v, CallArgs&) { return Value::MakeList(Iterate(v)); }

// Jinja2's map and select family skip a falsy input (none included) instead of iterating it.
std::vector<Value> IterateIfTruthy(const Value& v) {
  return v.Truthy() ? Iterate(v) : std::vector<Value>{};
}

Value Map(Interpreter& in, const Value& v, CallArgs& a) {
  std::vector<Value> out;
  if (const Value* attr = a.Get(SIZE_MAX, "attribute")) {
    const Value* dflt = a.Get(SIZE_MAX, "default");
    for (const Value& item : IterateIfTruthy(v)) {
      Value got = GetAttrPath(item, *attr);
      out.push_back(got.is_undefined() && dflt ? *dflt : got);
    }
    return Generator(std::move(out));
  }
  if (a.positional.empty()) Fail("FilterArgumentError", "map requires a filter argument");
  const std::string filter = a.positional[0].Str();
  CallArgs rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const Value& item : IterateIfTruthy(v)) out.push_back(in.ApplyFilter(filter, item, rest));
  return Generator(std::move(out));
}

// select/reject/selectattr/rejectattr: keep items whose (attribute's) test result == keep.
Value SelectImpl(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  size_t next = 0;
  Value attr;
  if (by_attr) {
    if (a.positional.empty()) Fail("FilterArgumentError", "missing parameter for attribute name");
    attr = a.positional[next++];
  }
  std::string test;
  if (next < a.positional.size()) test = a.positional[next++].Str();
  CallArgs targs;
  targs.positional.assign(a.positional.begin() + std::min(next, a.positional.size()),
                          a.positional.end());
  std::vector<Value> out;
  for (const Value& item : IterateIfTruthy(v)) {
    const Value subject = by_attr ? GetAttrPath(item, attr) : item;
    const bool r = test.empty() ? subject.Truthy() : in.ApplyTest(test, subject, targs);
    if (r == keep) out.push_back(item);
  }
  return Generator(std::move(out));
}

Value Items(Interpreter&, const Value& v, CallArgs&) {
  if (v.is_undefined()) return Generator({});
  if (!v.is_dict()) Fail("TypeError", "Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.as_dict().items) out.push_back(Value::MakeList({k, val}, true));
  return Generator(std::move(out));
}

// Sort key: lower-cased strings unless case_sensitive (Jinja2's ignore_case).
Value SortKey(const Value& v, const Value& attr, bool case_sensitive) {
  Value k = attr.is_none() ? v : GetAttrPath(v, attr);
  if (!case_sensitive && k.is_string()) return Value(Lower(k.as_string()));
  return k;
}

Value Sort(Interpreter&, const Value& v, CallArgs& a) {
  const bool reverse = Arg(a, 0, "reverse", Value(false)).Truthy();
  const bool cs = Arg(a, 1, "case_sensitive", Value(false)).Truthy();
  const Value attr = Arg(a, 2, "attribute", Value(None{}));
  std::vector<Value> items = Iterate(v);
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    const Value kx = SortKey(x, attr, cs), ky = SortKey(y, attr, cs);
    return reverse ? Less(ky, kx) : Less(kx, ky);
  });
  return Value::MakeList(std::move(items));
}

Value DictSort(Interpreter&, const Value& v, CallArgs& a) {
  if (!v.is_dict()) Fail("TypeError", "dictsort needs a mapping");
  const bool cs = Arg(a, 0, "case_sensitive", Value(false)).Truthy();
  const bool by_value = Arg(a, 1, "by", Value("key")).Str() == "value";
  const bool reverse = Arg(a, 2, "reverse", Value(false)).Truthy();
  std::vector<Value> items;
  for (const auto& [k, val] : v.as_dict().items) items.push_back(Value::MakeList({k, val}, true));
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    const Value kx = SortKey(x.as_list().items[by_value], Value(None{}), cs);
    const Value ky = SortKey(y.as_list().items[by_value], Value(None{}), cs);
    return reverse ? Less(ky, kx) : Less(kx, ky);
  });
  return Value::MakeList(std::move(items));
}

Value Unique(Interpreter&, const Value& v, CallArgs& a) {
  const bool cs = Arg(a, 0, "case_sensitive", Value(false)).Truthy();
  const Value attr = Arg(a, 1, "attribute", Value(None{}));
  std::vector<Value> out, seen;
  for (const Value& item : Iterate(v)) {
    const Value k = SortKey(item, attr, cs);
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return s.Equals(k); }))
      continue;
    seen.push_back(k);
    out.push_back(item);
  }
  return Generator(std::move(out));
}

Value Reverse(Interpreter&, const Value& v, CallArgs&) {
  if (v.is_string()) return Slice(v, Value(None{}), Value(None{}), Value(int64_t{-1}));
  std::vector<Value> items = Iterate(v);
  std::reverse(items.begin(), items.end());
  return Generator(std::move(items));
}

Value MinMax(const Value& v, CallArgs& a, bool max) {
  const bool cs = Arg(a, 0, "case_sensitive", Value(false)).Truthy();
  const Value attr = Arg(a, 1, "attribute", Value(None{}));
  const std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No aggregated item, sequence was empty.");
  const Value* best = &items[0];
  for (const Value& item : items) {
    const Value k = SortKey(item, attr, cs), kb = SortKey(*best, attr, cs);
    if (max ? Less(kb, k) : Less(k, kb)) best = &item;
  }
  return *best;
}

Value Sum(Interpreter&, const Value& v, CallArgs& a) {
  const Value attr = Arg(a, 0, "attribute", Value(None{}));
  Value total = Arg(a, 1, "start", Value(int64_t{0}));
  for (const Value& item : Iterate(v)) {
    total = BinaryOp("+", total, attr.is_none() ? item : GetAttrPath(item, attr));
  }
  return total;
}

Value Batch(Interpreter&, const Value& v, CallArgs& a) {
  const int64_t n = Arg(a, 0, "linecount", Value(int64_t{1})).as_int();
  if (n <= 0) Fail("FilterArgumentError", "batch size must be positive");
  const Value* fill = a.Get(1, "fill_with");
  std::vector<Value> out, cur;
  for (const Value& item : Iterate(v)) {
    cur.push_back(item);
    if (static_cast<int64_t>(cur.size()) == n)
      out.push_back(Value::MakeList(std::move(cur))), cur.clear();
  }
  if (!cur.empty()) {
    while (fill && static_cast<int64_t>(cur.size()) < n) cur.push_back(*fill);
    out.push_back(Value::MakeList(std::move(cur)));
  }
  return Generator(std::move(out));
}

}  // namespace

FilterFn FindSeqFilter(std::string_view n) {
  if (n == "first") return First;
  if (n == "last") return Last;
  if (n == "join") return Join;
  if (n == "list") return ToList;
  if (n == "map") return Map;
  if (n == "items") return Items;
  if (n == "sort") return Sort;
  if (n == "dictsort") return DictSort;
  if (n == "unique") return Unique;
  if (n == "reverse") return Reverse;
  if (n == "sum") return Sum;
  if (n == "batch") return Batch;
  if (n == "min")
    return [](Interpreter&, const Value& v, CallArgs& a) { return MinMax(v, a, false); };
  if (n == "max")
    return [](Interpreter&, const Value& v, CallArgs& a) { return MinMax(v, a, true); };
  if (n == "select")
    return [](Interpreter& in, const Value& v, CallArgs& a) {
      return SelectImpl(in, v, a, false, true);
    };
  if (n == "reject")
    return [](Interpreter& in, const Value& v, CallArgs& a) {
      return SelectImpl(in, v, a, false, false);
    };
  if (n == "selectattr")
    return [](Interpreter& in, const Value& v, CallArgs& a) {
      return SelectImpl(in, v, a, true, true);
    };
  if (n == "rejectattr")
    return [](Interpreter& in, const Value& v, CallArgs& a) {
      return SelectImpl(in, v, a, true, false);
    };
  return nullptr;
}

}  // namespace inferno::tmpl
