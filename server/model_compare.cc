#include "server/model_compare.h"

#include <boost/json.hpp>
#include <cmath>
#include <memory>

#include "server/api_generation.h"
#include "server/event_queue.h"
#include "server/remote_json.h"
#include "server/topk_compare.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// What a side reads: the prompt and the continuation so far, as token ids (when a local side
// tokenized the prompt) or as text (two remote sides).
struct Context {
  bool by_ids = true;
  std::vector<int32_t> ids;
  std::string text;
};

Context Extend(const Context& c, const std::vector<StepTopK>& ref, size_t n) {
  Context out = c;
  for (size_t i = 0; i < n; ++i) {
    out.ids.push_back(ref[i].id);
    out.text += ref[i].text;
  }
  return out;
}

double LogOf(float p) { return p > 0 ? std::log(double(p)) : -1e30; }

std::vector<TokenAlt> Alts(const std::vector<TopToken>& top) {
  std::vector<TokenAlt> out;
  for (const TopToken& t : top) out.push_back({t.id, t.text, LogOf(t.prob)});
  return out;
}

// One side of a comparison.
class Side {
 public:
  virtual ~Side() = default;
  // The greedy continuation of `ctx`, up to n tokens, with the top k at each step.
  virtual std::optional<ApiError> Generate(const Context& ctx, int n, int k,
                                           std::vector<StepTopK>* out) = 0;
  // The top k at each step of `ref` after `ctx`, teacher-forced; on_step(i, step) as each is
  // known, false to stop.
  using OnStep = std::function<bool(int, StepTopK)>;
  virtual std::optional<ApiError> Score(const Context& ctx, const std::vector<StepTopK>& ref, int k,
                                        const OnStep& on_step) = 0;
};

class LocalSide : public Side {
 public:
  LocalSide(std::shared_ptr<LoadedModel> lm, Admission& admission, std::string client)
      : lm_(std::move(lm)), admission_(admission), client_(std::move(client)) {}

  // The prompt as this model tokenizes it (chat messages through its template).
  std::optional<ApiError> Tokenize(const CompareSpec& spec, std::vector<int32_t>* ids) {
    GenerateRequest req;
    req.prompt = spec.prompt;
    req.messages = spec.messages;
    if (auto err = PreparePrompt(*lm_, req, true)) return err;
    *ids = std::move(req.prompt_tokens);
    return std::nullopt;
  }

  std::optional<ApiError> Generate(const Context& ctx, int n, int k,
                                   std::vector<StepTopK>* out) override {
    GenerateRequest req = Greedy(ctx.ids, k);
    req.max_tokens = n;
    return RunLocal(std::move(req), [&](const Event& e) {
      if (e.type == Event::Type::kToken) {
        out->push_back({e.id, e.piece, LogOf(e.prob), Alts(e.top)});
      }
    });
  }

  std::optional<ApiError> Score(const Context& ctx, const std::vector<StepTopK>& ref, int k,
                                const OnStep& on_step) override {
    GenerateRequest req = Greedy(Extend(ctx, ref, ref.size()).ids, k);
    req.max_tokens = 1;
    req.probes.prompt_surprisal = true;
    std::vector<StepTopK> steps(ref.size());
    std::optional<ApiError> err = RunLocal(std::move(req), [&](const Event& e) {
      if (e.type != Event::Type::kPromptScores) return;
      for (const PromptScore& s : e.prompt_scores) {
        const int i = s.position - int(ctx.ids.size());
        if (i >= 0 && i < int(steps.size())) {
          steps[i] = {s.id, ref[i].text, double(s.logprob), Alts(s.top)};
        }
      }
    });
    if (err) return err;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (!on_step(int(i), std::move(steps[i]))) break;
    }
    return std::nullopt;
  }

 private:
  static GenerateRequest Greedy(std::vector<int32_t> ids, int k) {
    GenerateRequest req;
    req.prompt_tokens = std::move(ids);
    req.sampling.temperature = 0;
    req.sampling.repeat_penalty = 1;
    req.top_k_events = k;
    req.speculation = SpecMode::kOff;  // one pass per token: the top-k are the target's
    return req;
  }

  // One generation through the client's admission, its events handed to on_event here.
  std::optional<ApiError> RunLocal(GenerateRequest req,
                                   const std::function<void(const Event&)>& on_event) {
    if (auto err = PreparePrompt(*lm_, req, true)) return err;
    auto queue = std::make_shared<EventQueue>();
    std::string refusal;
    std::optional<Admission::Admitted> admitted = admission_.Submit(
        client_, *lm_->scheduler, std::move(req),
        [queue](const Event& e) { return queue->Push(e); }, [queue] { return queue->Ready(); },
        &refusal);
    if (!admitted) return ApiError{429, refusal, "", "rate_limited"};
    for (;;) {
      const Event e = queue->Pop();
      if (e.type == Event::Type::kError) {
        return ApiError{EngineErrorStatus(e.error), lm_->id + ": " + e.error.message(), "",
                        "generation_failed"};
      }
      on_event(e);
      if (e.type == Event::Type::kDone) return std::nullopt;
    }
  }

  std::shared_ptr<LoadedModel> lm_;
  Admission& admission_;
  std::string client_;
};

class RemoteSide : public Side {
 public:
  RemoteSide(RemoteRegistry& registry, RemoteTarget target)
      : registry_(registry), target_(std::move(target)) {}

  std::optional<ApiError> Generate(const Context& ctx, int n, int k,
                                   std::vector<StepTopK>* out) override {
    return Call(ctx, n, k, out);
  }

  std::optional<ApiError> Score(const Context& ctx, const std::vector<StepTopK>& ref, int k,
                                const OnStep& on_step) override {
    for (size_t i = 0; i < ref.size(); ++i) {
      std::vector<StepTopK> steps;
      if (auto err = Call(Extend(ctx, ref, i), 1, k, &steps)) return err;
      if (steps.empty()) return Bad("no token for a max_tokens 1 request");
      StepTopK s = std::move(steps.front());
      // The step's figures are the remote's; the token read there is the reference's.
      s.id = ref[i].id;
      s.text = ref[i].text;
      s.logprob = std::nan("");
      for (const TokenAlt& a : s.top) {
        if ((a.id >= 0 && a.id == s.id) || (a.id < 0 && a.text == s.text)) s.logprob = a.logprob;
      }
      if (!on_step(int(i), std::move(s))) break;
    }
    return std::nullopt;
  }

 private:
  ApiError Bad(const std::string& what) {
    return {502, "remote endpoint '" + target_.endpoint + "' sent " + what, "",
            "remote_bad_response"};
  }

  // POST /v1/completions, greedy, with the top k of every generated token.
  std::optional<ApiError> Call(const Context& ctx, int n, int k, std::vector<StepTopK>* out) {
    json::object body{{"max_tokens", n}, {"temperature", 0}, {"logprobs", k}, {"stream", false}};
    if (ctx.by_ids) {
      body["prompt"] = json::array(ctx.ids.begin(), ctx.ids.end());
    } else {
      body["prompt"] = ctx.text;
    }
    std::variant<json::object, ApiError> answer =
        PostRemoteJson(registry_, target_, "/v1/completions", std::move(body));
    if (auto* err = std::get_if<ApiError>(&answer)) return *err;
    Result<std::vector<StepTopK>> steps = ParseCompletionLogprobs(std::get<json::object>(answer));
    if (!steps.ok()) return Bad(steps.status().message());
    *out = *std::move(steps);
    return std::nullopt;
  }

  RemoteRegistry& registry_;
  RemoteTarget target_;
};

json::array AltsJson(const std::vector<TokenAlt>& alts) {
  json::array out;
  for (const TokenAlt& a : alts) {
    out.push_back(json::object{{"id", a.id < 0 ? json::value(nullptr) : json::value(a.id)},
                               {"text", a.text},
                               {"logprob", a.logprob}});
  }
  return out;
}

json::object SideStepJson(const StepTopK& s) {
  json::object o{{"logprob", std::isfinite(s.logprob) ? json::value(s.logprob) : nullptr},
                 {"top", AltsJson(s.top)}};
  o["top1"] = s.top.empty() ? json::value(nullptr) : json::value(AltsJson({s.top.front()})[0]);
  return o;
}

json::object StepEvent(const std::string& id, int prompt_index, int index, const StepTopK& ref,
                       const StepTopK& a, const StepTopK& b, const TopKDivergence& d) {
  return json::object{
      {"kind", "step"},
      {"compare", id},
      {"prompt", prompt_index},
      {"index", index},
      {"token", json::object{{"id", ref.id < 0 ? json::value(nullptr) : json::value(ref.id)},
                             {"text", ref.text}}},
      {"a", SideStepJson(a)},
      {"b", SideStepJson(b)},
      {"kl_ab", d.kl_ab},
      {"kl_ba", d.kl_ba},
      {"tail_a", d.tail_a},
      {"tail_b", d.tail_b},
      {"top1_agree", d.top1_agree},
      {"matched_by", d.by_id ? "id" : "text"}};
}

}  // namespace

bool ModelComparer::IsRemote(const std::string& model) {
  return remotes_ != nullptr && remotes_->Find(model).has_value();
}

namespace {

// The two sides of a comparison, and the prompt as both read it.
struct Sides {
  std::unique_ptr<Side> side[2];
  Context ctx;
};

std::optional<ApiError> PromptContext(const CompareSpec& spec, LocalSide* tokenizer, Context* ctx) {
  if (tokenizer != nullptr) return tokenizer->Tokenize(spec, &ctx->ids);
  if (!spec.messages.empty()) {
    return ApiError{400,
                    "two remote models are compared on a raw prompt ('prompt'): no local model's "
                    "chat template renders 'messages' for them",
                    "messages", "invalid_request"};
  }
  ctx->by_ids = false;
  ctx->text = spec.prompt;
  return std::nullopt;
}

json::object StartEvent(const std::string& id, int prompt_index, const CompareSpec& spec,
                        const bool remote[2], const Context& ctx, size_t reference_tokens) {
  json::object start{{"kind", "start"},
                     {"compare", id},
                     {"prompt", prompt_index},
                     {"method", "teacher_forcing"},
                     {"reference", spec.reference == 0 ? "a" : "b"},
                     {"top_k", spec.top_k},
                     {"reference_tokens", reference_tokens},
                     {"prompt_tokens", ctx.by_ids ? json::value(ctx.ids.size()) : nullptr}};
  start["a"] = json::object{{"model", spec.model_a}, {"remote", remote[0]}};
  start["b"] = json::object{{"model", spec.model_b}, {"remote", remote[1]}};
  return start;
}

std::optional<ApiError> MakeSides(ModelRegistry& registry, Admission& admission,
                                  RemoteRegistry* remotes, const std::string& client,
                                  const CompareSpec& spec, Sides& out) {
  LocalSide* tokenizer = nullptr;  // the reference if it is local, else the other if it is
  const std::string* names[2] = {&spec.model_a, &spec.model_b};
  for (int s : {spec.reference, 1 - spec.reference}) {
    if (std::optional<RemoteTarget> t = remotes ? remotes->Find(*names[s]) : std::nullopt) {
      out.side[s] = std::make_unique<RemoteSide>(*remotes, *std::move(t));
      continue;
    }
    Result<std::shared_ptr<LoadedModel>> lm = registry.Acquire(*names[s]);
    if (!lm.ok()) {
      return ApiError{404, std::string(s == 0 ? "a" : "b") + ": " + lm.status().message(),
                      s == 0 ? "a" : "b", "model_not_found"};
    }
    auto local = std::make_unique<LocalSide>(*std::move(lm), admission, client);
    if (tokenizer == nullptr) tokenizer = local.get();
    out.side[s] = std::move(local);
  }
  return PromptContext(spec, tokenizer, &out.ctx);
}

}  // namespace

std::variant<CompareTotals, ApiError> ModelComparer::Run(const std::string& client,
                                                         const CompareSpec& spec,
                                                         const std::string& id, int prompt_index,
                                                         const CompareSink& sink) {
  Sides sides;
  if (auto err = MakeSides(registry_, admission_, remotes_, client, spec, sides)) return *err;
  const Context& ctx = sides.ctx;
  const int ref = spec.reference, other = 1 - spec.reference;
  std::vector<StepTopK> reference;
  // Generated before "start" goes out: a failure this early is an ordinary HTTP error.
  if (auto err = sides.side[ref]->Generate(ctx, spec.max_tokens, spec.top_k, &reference)) {
    return *err;
  }
  for (const StepTopK& s : reference) {
    if (ctx.by_ids && s.id < 0) {
      return ApiError{502,
                      "the reference's server gave no token ids with its logprobs, so the other "
                      "model cannot read its text token by token: make the other one the "
                      "reference",
                      "reference", "remote_bad_response"};
    }
  }
  const bool remote[2] = {IsRemote(spec.model_a), IsRemote(spec.model_b)};
  if (!sink(StartEvent(id, prompt_index, spec, remote, ctx, reference.size()))) {
    return CompareTotals{};
  }
  CompareTotals t;
  bool client_gone = false;
  std::optional<ApiError> err =
      sides.side[other]->Score(ctx, reference, spec.top_k, [&](int i, StepTopK scored) {
        const StepTopK& a = ref == 0 ? reference[i] : scored;
        const StepTopK& b = ref == 0 ? scored : reference[i];
        const TopKDivergence d = CompareTopK(a.top, b.top);
        ++t.steps;
        t.kl_ab_sum += d.kl_ab;
        t.kl_ba_sum += d.kl_ba;
        t.agree += d.top1_agree;
        if (!d.top1_agree && t.first_divergence < 0) t.first_divergence = i;
        client_gone = !sink(StepEvent(id, prompt_index, i, reference[i], a, b, d));
        return !client_gone;
      });
  if (err) return *err;
  if (!client_gone) sink(CompareSummaryEvent(id, prompt_index, t));
  return t;
}

json::object CompareSummaryEvent(const std::string& id, int prompt_index, const CompareTotals& t) {
  const double n = std::max(1, t.steps);
  return json::object{{"kind", "summary"},
                      {"compare", id},
                      {"prompt", prompt_index},
                      {"steps", t.steps},
                      {"mean_kl_ab", t.kl_ab_sum / n},
                      {"mean_kl_ba", t.kl_ba_sum / n},
                      {"top1_agreement", t.agree / n},
                      {"first_divergence", t.first_divergence}};
}

const std::vector<std::string>& BuiltinReportPrompts() {
  // Short and varied: prose, facts, code, a list, arithmetic, another language. Greedy
  // continuations of these touch different parts of a vocabulary.
  static const std::vector<std::string> prompts = {
      "Once upon a time, in a small village by the sea,",
      "The capital of France is",
      "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
      "Three things to pack for a hike:\n1.",
      "Question: what is 17 + 25?\nAnswer:",
      "La vie est belle quand",
  };
  return prompts;
}

}  // namespace inferno::server
