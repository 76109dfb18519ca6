#include "server/topk_compare.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

namespace inferno::server {
namespace {

namespace json = boost::json;

// A probability as small as a float's logprob can say: cells are floored at it so that a
// cell one side gives (almost) nothing cannot make the KL infinite.
constexpr double kFloor = 1e-12;

std::string Key(const TokenAlt& t, bool by_id) {
  return by_id ? std::to_string(t.id) : "t:" + t.text;
}

// One side on the shared cells (see the header): `keys` are the union of both lists.
std::vector<double> Cells(const std::vector<TokenAlt>& side, const std::vector<std::string>& keys,
                          bool by_id, double* tail) {
  std::map<std::string, double> listed;
  double sum = 0, smallest = 1;
  for (const TokenAlt& t : side) {
    const double p = std::exp(t.logprob);
    // A token listed twice (two ids with the same text) adds up.
    listed[Key(t, by_id)] += p;
    sum += p;
    smallest = std::min(smallest, p);
  }
  *tail = std::clamp(1.0 - sum, 0.0, 1.0);
  int missing = 0;
  for (const std::string& k : keys) missing += listed.count(k) == 0;
  const double share = missing > 0 ? std::min(smallest, *tail / (missing + 1)) : 0;
  std::vector<double> cells;
  for (const std::string& k : keys) {
    auto it = listed.find(k);
    cells.push_back(it != listed.end() ? it->second : share);
  }
  cells.push_back(*tail - missing * share);  // the others
  double total = 0;
  for (double& c : cells) total += (c = std::max(c, kFloor));
  for (double& c : cells) c /= total;
  return cells;
}

double Kl(const std::vector<double>& p, const std::vector<double>& q) {
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) kl += p[i] * std::log(p[i] / q[i]);
  return std::max(0.0, kl);
}

}  // namespace

TopKDivergence CompareTopK(const std::vector<TokenAlt>& a, const std::vector<TokenAlt>& b) {
  TopKDivergence d;
  if (a.empty() || b.empty()) return d;
  d.by_id = std::all_of(a.begin(), a.end(), [](const TokenAlt& t) { return t.id >= 0; }) &&
            std::all_of(b.begin(), b.end(), [](const TokenAlt& t) { return t.id >= 0; });
  std::vector<std::string> keys;
  for (const auto* side : {&a, &b}) {
    for (const TokenAlt& t : *side) {
      std::string k = Key(t, d.by_id);
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
    }
  }
  const std::vector<double> pa = Cells(a, keys, d.by_id, &d.tail_a);
  const std::vector<double> pb = Cells(b, keys, d.by_id, &d.tail_b);
  d.kl_ab = Kl(pa, pb);
  d.kl_ba = Kl(pb, pa);
  d.top1_agree = Key(a.front(), d.by_id) == Key(b.front(), d.by_id);
  return d;
}

// --- Reading logprobs ------------------------------------------------------------------------

namespace {

// vLLM's return_tokens_as_token_ids writes a token as "token_id:N".
void ReadIdFromText(TokenAlt* t) {
  constexpr std::string_view kPrefix = "token_id:";
  if (t->id >= 0 || t->text.rfind(kPrefix, 0) != 0) return;
  const std::string digits = t->text.substr(kPrefix.size());
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return;
  t->id = std::stoi(digits);
}

bool Number(const json::value* v, double* out) {
  if (v == nullptr) return false;
  if (v->is_double())
    *out = v->as_double();
  else if (v->is_int64())
    *out = double(v->as_int64());
  else if (v->is_uint64())
    *out = double(v->as_uint64());
  else
    return false;
  return true;
}

// One entry of the "content" shape: {id?, token, bytes?, logprob}.
Result<TokenAlt> ContentEntry(const json::value& v) {
  if (!v.is_object()) return Status::InvalidArgument("a logprobs entry that is not an object");
  const json::object& o = v.as_object();
  TokenAlt t;
  if (!Number(o.if_contains("logprob"), &t.logprob)) {
    return Status::InvalidArgument("a logprobs entry without a number 'logprob'");
  }
  if (const json::value* id = o.if_contains("id"); id && id->is_int64())
    t.id = int32_t(id->as_int64());
  // The bytes are exact where "token" may have lost part of a UTF-8 character.
  if (const json::value* bytes = o.if_contains("bytes"); bytes && bytes->is_array()) {
    for (const json::value& b : bytes->as_array()) {
      if (b.is_int64()) t.text.push_back(char(b.as_int64() & 0xff));
    }
  } else if (const json::value* tok = o.if_contains("token"); tok && tok->is_string()) {
    t.text = std::string(tok->as_string());
  }
  ReadIdFromText(&t);
  return t;
}

Result<std::vector<StepTopK>> ContentShape(const json::array& content) {
  std::vector<StepTopK> steps;
  for (const json::value& v : content) {
    Result<TokenAlt> tok = ContentEntry(v);
    if (!tok.ok()) return tok.status();
    StepTopK s{tok->id, tok->text, tok->logprob, {}};
    const json::value* top = v.as_object().if_contains("top_logprobs");
    if (top == nullptr || !top->is_array()) {
      return Status::InvalidArgument("a logprobs entry without 'top_logprobs'");
    }
    for (const json::value& alt : top->as_array()) {
      Result<TokenAlt> a = ContentEntry(alt);
      if (!a.ok()) return a.status();
      s.top.push_back(*std::move(a));
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

Result<std::vector<StepTopK>> LegacyShape(const json::object& lp) {
  const json::value* tokens = lp.if_contains("tokens");
  const json::value* lps = lp.if_contains("token_logprobs");
  const json::value* tops = lp.if_contains("top_logprobs");
  if (!tokens || !tokens->is_array() || !lps || !lps->is_array() || !tops || !tops->is_array() ||
      tokens->as_array().size() != lps->as_array().size() ||
      tokens->as_array().size() != tops->as_array().size()) {
    return Status::InvalidArgument(
        "'logprobs' has neither 'content' nor 'tokens', 'token_logprobs' and 'top_logprobs' of "
        "one length");
  }
  std::vector<StepTopK> steps;
  for (size_t i = 0; i < tokens->as_array().size(); ++i) {
    const json::value& tok = tokens->as_array()[i];
    StepTopK s;
    if (tok.is_string()) s.text = std::string(tok.as_string());
    Number(&lps->as_array()[i], &s.logprob);
    TokenAlt self{-1, s.text, s.logprob};
    ReadIdFromText(&self);
    s.id = self.id;
    const json::value& top = tops->as_array()[i];
    if (!top.is_object()) return Status::InvalidArgument("a 'top_logprobs' entry is not an object");
    for (const auto& kv : top.as_object()) {
      TokenAlt a{-1, std::string(kv.key()), 0};
      if (!Number(&kv.value(), &a.logprob)) {
        return Status::InvalidArgument("a 'top_logprobs' value is not a number");
      }
      ReadIdFromText(&a);
      s.top.push_back(std::move(a));
    }
    // JSON objects have no order: best first again.
    std::stable_sort(s.top.begin(), s.top.end(),
                     [](const TokenAlt& x, const TokenAlt& y) { return x.logprob > y.logprob; });
    steps.push_back(std::move(s));
  }
  return steps;
}

}  // namespace

Result<std::vector<StepTopK>> ParseCompletionLogprobs(const json::object& answer) {
  const json::value* choices = answer.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty() ||
      !choices->as_array()[0].is_object()) {
    return Status::InvalidArgument("an answer without 'choices'");
  }
  const json::value* lp = choices->as_array()[0].as_object().if_contains("logprobs");
  if (lp == nullptr || !lp->is_object()) {
    return Status::InvalidArgument(
        "an answer without 'logprobs' (the server gave no top_logprobs)");
  }
  if (const json::value* content = lp->as_object().if_contains("content");
      content && content->is_array()) {
    return ContentShape(content->as_array());
  }
  return LegacyShape(lp->as_object());
}

}  // namespace inferno::server
