// Executes a parsed template. Scopes follow Jinja2: a for loop's body gets a fresh scope per
// iteration (a `set` inside does not outlive it, which is what namespace() is for), a macro
// call gets a scope whose parent is where the macro was defined, and `if` opens none.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "engine/template/ast.h"
#include "engine/template/value.h"

namespace inferno::tmpl {

struct Limits {
  uint64_t max_steps = 10'000'000;  // statements + expressions evaluated
  size_t max_output = 16u << 20;    // bytes of rendered text, in any one buffer
  int max_depth = 100;              // nested macro calls (each is many C++ frames)
};

class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  const Value* Find(const std::string& name) const;
  void Set(const std::string& name, Value v) { vars_[name] = std::move(v); }

 private:
  std::shared_ptr<Scope> parent_;
  std::map<std::string, Value> vars_;
};

class Interpreter {
 public:
  Interpreter(const Limits& limits, const std::tm& now) : limits_(limits), now_(now) {}

  // Renders body with `root` as the outermost scope.
  std::string Render(const Body& body, std::shared_ptr<Scope> root);

  Value Eval(const Expr& e);
  Value Call(const Value& callee, CallArgs& args);
  Value ApplyFilter(const std::string& name, const Value& input, CallArgs& args);
  bool ApplyTest(const std::string& name, const Value& input, CallArgs& args);
  const std::tm& now() const { return now_; }
  void Step();

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow Exec(const Body& body, std::string* out);
  Flow ExecStmt(const Stmt& s, std::string* out);
  Flow ExecIf(const Stmt& s, std::string* out);
  Flow ExecFor(const Stmt& s, std::string* out);
  void ExecSet(const Stmt& s);
  void ExecSetBlock(const Stmt& s);
  void ExecMacro(const Stmt& s);
  void ExecCallBlock(const Stmt& s, std::string* out);
  void ExecFilterBlock(const Stmt& s, std::string* out);
  void Append(std::string* out, std::string_view text);
  std::string RenderBody(const Body& body);
  void Assign(const std::vector<std::string>& targets, const Value& v);
  Value MakeLoop(const std::vector<Value>& items, size_t i);
  Value MakeMacro(const Stmt& s, std::shared_ptr<Scope> closure, const char* name);
  Value CallMacro(const Stmt& s, const std::shared_ptr<Scope>& closure, CallArgs& args);
  Value ApplyFilterChain(const Expr& f, Value input);

  Value EvalName(const Expr& e);
  Value EvalCall(const Expr& e);
  Value EvalFilter(const Expr& e);
  Value EvalTest(const Expr& e);
  Value EvalUnary(const Expr& e);
  Value EvalCollection(const Expr& e);
  CallArgs EvalArgs(const Expr& e);

  Limits limits_;
  std::tm now_;
  uint64_t steps_ = 0;
  int depth_ = 0;
  std::shared_ptr<Scope> scope_;
};

}  // namespace inferno::tmpl
