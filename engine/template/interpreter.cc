// Statement execution; expressions are evaluated in eval.cc.
#include "engine/template/interpreter.h"

#include "engine/template/error.h"
#include "engine/template/ops.h"

namespace inferno::tmpl {

const Value* Scope::Find(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_.get()) {
    auto it = s->vars_.find(name);
    if (it != s->vars_.end()) return &it->second;
  }
  return nullptr;
}

void Interpreter::Step() {
  if (++steps_ > limits_.max_steps) {
    Fail("LimitError", "template exceeded its budget of " + std::to_string(limits_.max_steps) +
                           " steps (an endless loop?)");
  }
}

void Interpreter::Append(std::string* out, std::string_view text) {
  if (out->size() + text.size() > limits_.max_output) {
    Fail("LimitError", "template output exceeds " + std::to_string(limits_.max_output) + " bytes");
  }
  out->append(text);
}

std::string Interpreter::Render(const Body& body, std::shared_ptr<Scope> root) {
  scope_ = std::move(root);
  std::string out;
  if (Exec(body, &out) != Flow::kNormal)
    Fail("TemplateSyntaxError", "break or continue outside a loop");
  return out;
}

std::string Interpreter::RenderBody(const Body& body) {
  std::string out;
  Exec(body, &out);
  return out;
}

Interpreter::Flow Interpreter::Exec(const Body& body, std::string* out) {
  for (const StmtPtr& s : body) {
    const Flow f = ExecStmt(*s, out);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::ExecStmt(const Stmt& s, std::string* out) {
  Step();
  try {
    switch (s.kind) {
      case StmtKind::kText:
        Append(out, s.text);
        return Flow::kNormal;
      case StmtKind::kOutput:
        Append(out, Eval(*s.expr).Str());
        return Flow::kNormal;
      case StmtKind::kIf:
        return ExecIf(s, out);
      case StmtKind::kFor:
        return ExecFor(s, out);
      case StmtKind::kSet:
        ExecSet(s);
        return Flow::kNormal;
      case StmtKind::kSetBlock:
        ExecSetBlock(s);
        return Flow::kNormal;
      case StmtKind::kMacro:
        ExecMacro(s);
        return Flow::kNormal;
      case StmtKind::kCallBlock:
        ExecCallBlock(s, out);
        return Flow::kNormal;
      case StmtKind::kFilterBlock:
        ExecFilterBlock(s, out);
        return Flow::kNormal;
      case StmtKind::kBreak:
        return Flow::kBreak;
      case StmtKind::kContinue:
        return Flow::kContinue;
      case StmtKind::kScope:
        return Exec(s.body, out);
    }
  } catch (TemplateError& e) {
    // The innermost statement names the line of a runtime error.
    if (e.line == 0) {
      e.line = s.line;
      e.column = s.column;
    }
    throw;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::ExecIf(const Stmt& s, std::string* out) {
  return Exec(Eval(*s.expr).Truthy() ? s.body : s.else_body, out);
}

void Interpreter::Assign(const std::vector<std::string>& targets, const Value& v) {
  if (targets.size() == 1) {
    scope_->Set(targets[0], v);
    return;
  }
  const std::vector<Value> parts = Iterate(v);
  if (parts.size() != targets.size()) {
    Fail("ValueError",
         parts.size() > targets.size()
             ? "too many values to unpack (expected " + std::to_string(targets.size()) + ")"
             : "not enough values to unpack (expected " + std::to_string(targets.size()) +
                   ", got " + std::to_string(parts.size()) + ")");
  }
  for (size_t i = 0; i < parts.size(); ++i) scope_->Set(targets[i], parts[i]);
}

Value Interpreter::MakeLoop(const std::vector<Value>& items, size_t i) {
  const int64_t n = items.size();
  const int64_t k = i;
  Value loop = Value::MakeDict();
  Dict& d = *loop.dict_ptr();
  d.items = {{"index", k + 1},  {"index0", k},        {"revindex", n - k}, {"revindex0", n - k - 1},
             {"first", k == 0}, {"last", k == n - 1}, {"length", n},       {"depth", 1},
             {"depth0", 0}};
  if (i > 0) d.items.emplace_back("previtem", items[i - 1]);
  if (i + 1 < items.size()) d.items.emplace_back("nextitem", items[i + 1]);
  d.items.emplace_back("cycle", Value::MakeCallable("cycle", [k](Interpreter&, CallArgs& a) {
                         if (a.positional.empty()) Fail("TypeError", "no items for cycling given");
                         return a.positional[k % a.positional.size()];
                       }));
  return loop;
}

Interpreter::Flow Interpreter::ExecFor(const Stmt& s, std::string* out) {
  const Value seq = Eval(*s.expr);
  std::vector<Value> items = Iterate(seq);
  const std::shared_ptr<Scope> outer = scope_;
  if (s.cond) {
    std::vector<Value> kept;
    for (const Value& item : items) {
      Step();
      scope_ = std::make_shared<Scope>(outer);
      Assign(s.targets, item);
      if (Eval(*s.cond).Truthy()) kept.push_back(item);
    }
    scope_ = outer;
    items = std::move(kept);
  }
  if (items.empty()) return Exec(s.else_body, out);
  for (size_t i = 0; i < items.size(); ++i) {
    Step();  // an empty body must still count against the budget
    scope_ = std::make_shared<Scope>(outer);
    Assign(s.targets, items[i]);
    scope_->Set("loop", MakeLoop(items, i));
    Flow f;
    try {
      f = Exec(s.body, out);
    } catch (...) {
      scope_ = outer;
      throw;
    }
    scope_ = outer;
    if (f == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

void Interpreter::ExecSet(const Stmt& s) {
  const Value v = Eval(*s.expr);
  if (s.attr.empty()) {
    Assign(s.targets, v);
    return;
  }
  const Value* ns = scope_->Find(s.targets[0]);
  if (!ns || !ns->is_dict() || !ns->as_dict().is_namespace) {
    Fail("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
  }
  ns->dict_ptr()->Set(Value(s.attr), v);
}

Value Interpreter::ApplyFilterChain(const Expr& f, Value input) {
  if (f.a) input = ApplyFilterChain(*f.a, std::move(input));
  CallArgs args = EvalArgs(f);
  return ApplyFilter(f.name, input, args);
}

void Interpreter::ExecSetBlock(const Stmt& s) {
  Value v(RenderBody(s.body));
  if (s.expr) v = ApplyFilterChain(*s.expr, std::move(v));
  scope_->Set(s.targets[0], v);
}

void Interpreter::ExecFilterBlock(const Stmt& s, std::string* out) {
  Append(out, ApplyFilterChain(*s.expr, Value(RenderBody(s.body))).Str());
}

}  // namespace inferno::tmpl
