// Expression evaluation.
#include <cstdint>

#include "engine/template/builtins.h"
#include "engine/template/error.h"
#include "engine/template/interpreter.h"
#include "engine/template/ops.h"

namespace inferno::tmpl {

Value Interpreter::Eval(const Expr& e) {
  Step();
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kName:
      return EvalName(e);
    case ExprKind::kList:
    case ExprKind::kTuple:
    case ExprKind::kDict:
      return EvalCollection(e);
    case ExprKind::kAttr:
      return GetAttr(Eval(*e.a), e.name);
    case ExprKind::kItem:
      return GetItem(Eval(*e.a), Eval(*e.b));
    case ExprKind::kSlice: {
      const Value obj = Eval(*e.a);
      auto part = [&](const ExprPtr& p) { return p ? Eval(*p) : Value(None{}); };
      return Slice(obj, part(e.b), part(e.c), part(e.args[0]));
    }
    case ExprKind::kCall:
      return EvalCall(e);
    case ExprKind::kFilter:
      return EvalFilter(e);
    case ExprKind::kTest:
      return EvalTest(e);
    case ExprKind::kUnary:
      return EvalUnary(e);
    case ExprKind::kBinary: {
      Value v = BinaryOp(e.name, Eval(*e.a), Eval(*e.b));
      // `{% set s = s ~ s %}` doubles a string per step: cap it like the output.
      if (v.is_string() && v.as_string().size() > limits_.max_output) {
        Fail("LimitError", "a string grew past " + std::to_string(limits_.max_output) + " bytes");
      }
      return v;
    }
    case ExprKind::kAnd: {
      Value a = Eval(*e.a);
      return a.Truthy() ? Eval(*e.b) : a;
    }
    case ExprKind::kOr: {
      Value a = Eval(*e.a);
      return a.Truthy() ? a : Eval(*e.b);
    }
    case ExprKind::kCond:
      if (Eval(*e.a).Truthy()) return Eval(*e.b);
      if (e.c) return Eval(*e.c);
      return Value::MakeUndefined("the inline if-expression on line " + std::to_string(e.line) +
                                  " evaluated to false and no else section was defined.");
  }
  return Value();
}

Value Interpreter::EvalName(const Expr& e) {
  if (const Value* v = scope_->Find(e.name)) return *v;
  return Value::MakeUndefined(Quoted(e.name) + " is undefined");
}

Value Interpreter::EvalCollection(const Expr& e) {
  if (e.kind == ExprKind::kDict) {
    Value d = Value::MakeDict();
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      d.dict_ptr()->Set(Eval(*e.args[i]), Eval(*e.args[i + 1]));
    }
    return d;
  }
  std::vector<Value> items;
  for (const ExprPtr& a : e.args) items.push_back(Eval(*a));
  return Value::MakeList(std::move(items), e.kind == ExprKind::kTuple);
}

CallArgs Interpreter::EvalArgs(const Expr& e) {
  CallArgs args;
  for (const ExprPtr& a : e.args) args.positional.push_back(Eval(*a));
  for (const auto& [name, a] : e.kwargs) args.keyword.emplace_back(name, Eval(*a));
  return args;
}

Value Interpreter::Call(const Value& callee, CallArgs& args) {
  if (callee.is_callable()) return callee.as_callable().fn(*this, args);
  RequireDefined(callee);
  Fail("TypeError", Quoted(callee.TypeName()) + " object is not callable");
}

Value Interpreter::EvalCall(const Expr& e) {
  const Value callee = Eval(*e.a);
  CallArgs args = EvalArgs(e);
  return Call(callee, args);
}

Value Interpreter::EvalFilter(const Expr& e) {
  const Value input = Eval(*e.a);
  CallArgs args = EvalArgs(e);
  return ApplyFilter(e.name, input, args);
}

Value Interpreter::EvalTest(const Expr& e) {
  const Value input = Eval(*e.a);
  CallArgs args = EvalArgs(e);
  return Value(ApplyTest(e.name, input, args) != e.negated);
}

Value Interpreter::EvalUnary(const Expr& e) {
  const Value v = Eval(*e.a);
  if (e.name == "not") return Value(!v.Truthy());
  RequireDefined(v);
  if (!v.is_number())
    Fail("TypeError", "bad operand type for unary " + e.name + ": '" + v.TypeName() + "'");
  if (e.name == "+") return v.is_bool() ? Value(int64_t{v.as_bool()}) : v;
  if (v.is_float()) return Value(-v.as_float());
  const int64_t i = v.is_bool() ? int64_t{v.as_bool()} : v.as_int();
  if (i == INT64_MIN) Fail("OverflowError", "integer result does not fit in 64 bits");
  return Value(-i);
}

Value Interpreter::ApplyFilter(const std::string& name, const Value& input, CallArgs& args) {
  return CallFilter(*this, name, input, args);
}

bool Interpreter::ApplyTest(const std::string& name, const Value& input, CallArgs& args) {
  return CallTest(*this, name, input, args);
}

}  // namespace inferno::tmpl
