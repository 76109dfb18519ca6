// The syntax tree of a template: expressions (Expr) and statements (Stmt). One struct per
// category with a kind tag keeps the tree small; each kind documents which fields it uses.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/template/value.h"

namespace inferno::tmpl {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  kLiteral,  // literal
  kName,     // name
  kList,     // args (items)
  kTuple,    // args (items)
  kDict,     // args: key, value, key, value, ...
  kAttr,     // a.name
  kItem,     // a[b]
  kSlice,    // a[b:c:d]; absent parts are null
  kCall,     // a(args, kwargs)
  kFilter,   // a|name(args, kwargs); a is null in a {% filter %} block's chain
  kTest,     // a is name(args)    (negated: `is not`)
  kUnary,    // op a: "not", "-", "+"
  kBinary,   // a op b: + - * / // % ** ~ == != < <= > >= in "not in"
  kAnd,      // a and b
  kOr,       // a or b
  kCond,     // b if a else c  (c may be null)
};

struct Expr {
  ExprKind kind;
  int line = 0;
  int column = 0;
  std::string name;  // identifier, attribute, filter/test name, operator
  Value literal;
  bool negated = false;
  ExprPtr a, b, c;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

enum class StmtKind {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // expr, body, else_body (elif is a nested kIf in else_body)
  kFor,          // targets in expr [if cond] body [else else_body]
  kSet,          // targets (or attr target: name.attr) = expr
  kSetBlock,     // set targets[0] [| filter] body
  kMacro,        // name(params, defaults) body
  kCallBlock,    // {% call(params) expr %} body: expr is the call, body becomes caller()
  kFilterBlock,  // filter chain (expr, innermost a == null) applied to the body
  kBreak,
  kContinue,
  kScope,  // {% generation %}: body
};

struct Stmt {
  StmtKind kind;
  int line = 0;
  int column = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr cond;
  std::vector<std::string> targets;
  std::string attr;  // kSet with namespace target: targets[0].attr
  std::vector<std::pair<std::string, ExprPtr>> params;  // macro/call parameters, defaults
  Body body;
  Body else_body;
};

}  // namespace inferno::tmpl
