// {% macro %} and {% call %}: a macro is a callable that renders its body in a scope of its
// own whose parent is the scope it was defined in; {% call %} passes its body to the macro
// as `caller`.
#include <cstdint>

#include "engine/template/error.h"
#include "engine/template/interpreter.h"

namespace inferno::tmpl {

void Interpreter::ExecMacro(const Stmt& s) {
  scope_->Set(s.text, MakeMacro(s, scope_, s.text.c_str()));
}

Value Interpreter::MakeMacro(const Stmt& s, std::shared_ptr<Scope> closure, const char* name) {
  const Stmt* stmt = &s;  // the tree outlives every render
  // Weak: the scope holds the macro, so a strong reference would be a cycle that leaks.
  std::weak_ptr<Scope> weak = closure;
  return Value::MakeCallable(name, [stmt, weak](Interpreter& in, CallArgs& args) {
    const std::shared_ptr<Scope> scope = weak.lock();
    if (!scope) Fail("TemplateRuntimeError", "macro called after its scope ended");
    return in.CallMacro(*stmt, scope, args);
  });
}

Value Interpreter::CallMacro(const Stmt& s, const std::shared_ptr<Scope>& closure, CallArgs& args) {
  if (++depth_ > limits_.max_depth) Fail("LimitError", "macro calls nested too deeply");
  auto frame = std::make_shared<Scope>(closure);
  const std::shared_ptr<Scope> saved = scope_;
  scope_ = frame;
  std::vector<Value> varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < s.params.size()) {
      frame->Set(s.params[i].first, args.positional[i]);
    } else {
      varargs.push_back(args.positional[i]);
    }
  }
  Value kwargs = Value::MakeDict();
  for (auto& [name, v] : args.keyword) {
    bool is_param = name == "caller";
    for (const auto& p : s.params) is_param |= p.first == name;
    if (is_param) {
      frame->Set(name, v);
    } else {
      kwargs.dict_ptr()->Set(Value(name), v);
    }
  }
  for (size_t i = args.positional.size(); i < s.params.size(); ++i) {
    const auto& [name, def] = s.params[i];
    if (args.Get(SIZE_MAX, name)) continue;  // given by keyword
    frame->Set(
        name, def ? Eval(*def) : Value::MakeUndefined("parameter '" + name + "' was not provided"));
  }
  frame->Set("varargs", Value::MakeList(std::move(varargs), /*tuple=*/true));
  frame->Set("kwargs", kwargs);
  std::string out = RenderBody(s.body);
  scope_ = saved;
  --depth_;
  return Value(std::move(out));
}

void Interpreter::ExecCallBlock(const Stmt& s, std::string* out) {
  Value caller = MakeMacro(s, scope_, "caller");
  const Expr& call = *s.expr;
  Value callee = Eval(*call.a);
  CallArgs args = EvalArgs(call);
  args.keyword.emplace_back("caller", caller);
  Append(out, Call(callee, args).Str());
}

}  // namespace inferno::tmpl
