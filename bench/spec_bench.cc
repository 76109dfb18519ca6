#include "bench/spec_bench.h"

#include <algorithm>

#include "engine/runtime/session.h"
#include "engine/threads/thread_pool.h"

namespace inferno::bench {

const char kCodeEditPrompt[] =
    "Rewrite the file below with two changes: rename `total` to `subtotal`, and make "
    "`apply_discount` refuse a negative rate. Keep everything else exactly as it is.\n\n"
    "```python\n"
    "\"\"\"A small shopping cart with prices in cents.\"\"\"\n\n"
    "from dataclasses import dataclass, field\n\n\n"
    "@dataclass\n"
    "class Item:\n"
    "    name: str\n"
    "    price: int\n"
    "    quantity: int = 1\n\n"
    "    def cost(self) -> int:\n"
    "        return self.price * self.quantity\n\n\n"
    "@dataclass\n"
    "class Cart:\n"
    "    items: list[Item] = field(default_factory=list)\n"
    "    discount: float = 0.0\n\n"
    "    def add(self, name: str, price: int, quantity: int = 1) -> None:\n"
    "        for item in self.items:\n"
    "            if item.name == name:\n"
    "                item.quantity += quantity\n"
    "                return\n"
    "        self.items.append(Item(name, price, quantity))\n\n"
    "    def remove(self, name: str) -> None:\n"
    "        self.items = [item for item in self.items if item.name != name]\n\n"
    "    def apply_discount(self, rate: float) -> None:\n"
    "        if rate > 1:\n"
    "            raise ValueError(\"a discount is at most 100%\")\n"
    "        self.discount = rate\n\n"
    "    def total(self) -> int:\n"
    "        total = sum(item.cost() for item in self.items)\n"
    "        return round(total * (1 - self.discount))\n\n"
    "    def receipt(self) -> str:\n"
    "        lines = [f\"{item.name} x{item.quantity}: {item.cost()}\" for item in self.items]\n"
    "        lines.append(f\"total: {self.total()}\")\n"
    "        return \"\\n\".join(lines)\n"
    "```\n\n"
    "```python\n"
    "\"\"\"A small shopping cart with prices in cents.\"\"\"\n\n";

namespace {

struct Run {
  std::vector<int32_t> ids;
  Timings timings;
};

Result<Run> Generate(const Model& model, ThreadPool& pool, const GenerateRequest& req, int n_ctx,
                     const SpecOptions& spec) {
  SessionOptions so;
  so.n_ctx = n_ctx;
  so.spec = spec;
  Session session(model, pool, so);
  if (!session.spec_note().empty()) return Status::InvalidArgument(session.spec_note());
  Run run;
  const Status st = session.Generate(req, [&](const Event& e) {
    if (e.type == Event::Type::kToken) run.ids.push_back(e.id);
    if (e.type == Event::Type::kDone) run.timings = e.timings;
    return true;
  });
  if (!st.ok()) return st;
  return run;
}

}  // namespace

Result<SpecBenchResult> RunSpecBench(const Model& model, const SpecBenchOptions& o) {
  if (o.spec.mode == SpecMode::kOff) return Status::InvalidArgument("no speculation to measure");
  ThreadPool pool(std::max(1, o.threads));
  GenerateRequest req;
  req.prompt = o.prompt;
  req.ignore_eos = true;
  req.sampling.temperature = o.temperature;
  req.sampling.seed = 1;
  Result<std::vector<int32_t>> prompt = PromptTokens(model, req);
  if (!prompt.ok()) return prompt.status();
  const int n_prompt = int(prompt->size());
  const int n_ctx = std::min(model.config().n_ctx_train, n_prompt + o.generate + 1);
  req.max_tokens = std::min(o.generate, n_ctx - n_prompt - 1);
  if (req.max_tokens < 2) {
    return Status::InvalidArgument("the workload's prompt (" + std::to_string(n_prompt) +
                                   " tokens) leaves no room to generate in the model's context");
  }
  SpecBenchResult r;
  r.test = "edit" + std::to_string(req.max_tokens) + "+" + SpecModeName(o.spec.mode);
  r.prompt_tokens = n_prompt;
  r.tokens = req.max_tokens;
  r.identical = true;
  int drafted = 0, accepted = 0, passes = 0;
  for (int rep = 0; rep < std::max(1, o.repetitions); ++rep) {
    Result<Run> plain = Generate(model, pool, req, n_ctx, {});
    if (!plain.ok()) return plain.status();
    Result<Run> fast = Generate(model, pool, req, n_ctx, o.spec);
    if (!fast.ok()) return fast.status();
    r.identical = r.identical && plain->ids == fast->ids;
    r.plain_tps += plain->timings.decode_tokens_per_second();
    r.spec_tps += fast->timings.decode_tokens_per_second();
    drafted += fast->timings.drafted_tokens;
    accepted += fast->timings.accepted_tokens;
    // Each pass after the prompt's yields one token plus the drafted ones it accepted.
    passes += fast->timings.generated_tokens - 1 - fast->timings.accepted_tokens;
  }
  const int reps = std::max(1, o.repetitions);
  r.plain_tps /= reps;
  r.spec_tps /= reps;
  r.acceptance_rate = drafted > 0 ? double(accepted) / drafted : 0;
  r.tokens_per_pass = passes > 0 ? double(reps * (r.tokens - 1)) / passes : 0;
  return r;
}

}  // namespace inferno::bench
