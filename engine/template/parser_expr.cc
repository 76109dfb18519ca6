// Expression half of the parser (statements are in parser.cc).
#include <cstdlib>

#include "engine/template/error.h"
#include "engine/template/parser_internal.h"

namespace inferno::tmpl {

ExprPtr Parser::NewExpr(ExprKind kind, const Token& at) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = at.line;
  e->column = at.column;
  return e;
}

ExprPtr Parser::ParseTuple(bool with_cond) {
  const Token& start = Peek();
  ExprPtr first = with_cond ? ParseExpr() : ParseOr();
  if (!IsOp(",")) return first;
  ExprPtr tuple = NewExpr(ExprKind::kTuple, start);
  tuple->args.push_back(std::move(first));
  while (SkipOp(",")) {
    if (AtTupleEnd()) break;
    tuple->args.push_back(with_cond ? ParseExpr() : ParseOr());
  }
  return tuple;
}

bool Parser::AtTupleEnd() const {
  const Token& t = Peek();
  return t.type == TokenType::kBlockEnd || t.type == TokenType::kVarEnd || IsOp(")") ||
         IsName("in") || IsName("if") || IsOp("=");
}

ExprPtr Parser::ParseExpr() {
  ExprPtr e = ParseOr();
  ChainGuard chain(this);
  while (IsName("if")) {
    chain.Grow();
    ExprPtr cond = NewExpr(ExprKind::kCond, Next());
    cond->a = ParseOr();
    cond->b = std::move(e);
    if (SkipName("else")) cond->c = ParseExpr();
    e = std::move(cond);
  }
  return e;
}

ExprPtr Parser::ParseOr() {
  ExprPtr e = ParseAnd();
  ChainGuard chain(this);
  while (IsName("or")) {
    chain.Grow();
    ExprPtr n = NewExpr(ExprKind::kOr, Next());
    n->a = std::move(e);
    n->b = ParseAnd();
    e = std::move(n);
  }
  return e;
}

ExprPtr Parser::ParseAnd() {
  ExprPtr e = ParseNot();
  ChainGuard chain(this);
  while (IsName("and")) {
    chain.Grow();
    ExprPtr n = NewExpr(ExprKind::kAnd, Next());
    n->a = std::move(e);
    n->b = ParseNot();
    e = std::move(n);
  }
  return e;
}

ExprPtr Parser::ParseNot() {
  DepthGuard guard(this);
  if (IsName("not")) {
    ExprPtr n = NewExpr(ExprKind::kUnary, Next());
    n->name = "not";
    n->a = ParseNot();
    return n;
  }
  return ParseCompare();
}

ExprPtr Parser::Binary(std::string op, ExprPtr a, ExprPtr b, const Token& at) {
  ExprPtr n = NewExpr(ExprKind::kBinary, at);
  n->name = std::move(op);
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}

ExprPtr Parser::ParseCompare() {
  ExprPtr e = ParseMath1();
  ChainGuard chain(this);
  while (true) {
    chain.Grow();
    const Token& t = Peek();
    std::string op;
    if (t.type == TokenType::kOperator && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                           t.text == "<=" || t.text == ">" || t.text == ">=")) {
      op = t.text;
      Next();
    } else if (IsName("in")) {
      op = "in";
      Next();
    } else if (IsName("not") && PeekAt(1).type == TokenType::kName && PeekAt(1).text == "in") {
      op = "not in";
      Next();
      Next();
    } else {
      return e;
    }
    e = Binary(op, std::move(e), ParseMath1(), t);
  }
}

ExprPtr Parser::ParseMath1() {
  ExprPtr e = ParseConcat();
  ChainGuard chain(this);
  while (IsOp("+") || IsOp("-")) {
    chain.Grow();
    const Token& t = Next();
    e = Binary(t.text, std::move(e), ParseConcat(), t);
  }
  return e;
}

ExprPtr Parser::ParseConcat() {
  ExprPtr e = ParseMath2();
  ChainGuard chain(this);
  while (IsOp("~")) {
    chain.Grow();
    const Token& t = Next();
    e = Binary("~", std::move(e), ParseMath2(), t);
  }
  return e;
}

ExprPtr Parser::ParseMath2() {
  ExprPtr e = ParsePow();
  ChainGuard chain(this);
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    chain.Grow();
    const Token& t = Next();
    e = Binary(t.text, std::move(e), ParsePow(), t);
  }
  return e;
}

ExprPtr Parser::ParsePow() {
  ExprPtr e = ParseUnary(true);
  ChainGuard chain(this);
  while (IsOp("**")) {
    chain.Grow();
    const Token& t = Next();
    e = Binary("**", std::move(e), ParseUnary(true), t);
  }
  return e;
}

ExprPtr Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(this);
  ExprPtr e;
  if (IsOp("-") || IsOp("+")) {
    const Token& t = Next();
    e = NewExpr(ExprKind::kUnary, t);
    e->name = t.text;
    e->a = ParseUnary(false);
  } else {
    e = ParsePrimary();
  }
  e = ParsePostfix(std::move(e));
  return with_filter ? ParseFilterExpr(std::move(e)) : std::move(e);
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.type) {
    case TokenType::kName:
      return ParseNameLiteral();
    case TokenType::kString: {
      ExprPtr e = NewExpr(ExprKind::kLiteral, t);
      std::string s;
      while (Peek().type == TokenType::kString) s += Next().text;  // "a" "b" concatenates
      e->literal = Value(std::move(s));
      return e;
    }
    case TokenType::kInt:
    case TokenType::kFloat: {
      ExprPtr e = NewExpr(ExprKind::kLiteral, Next());
      e->literal = t.type == TokenType::kInt
                       ? Value(int64_t{std::strtoll(t.text.c_str(), nullptr, 10)})
                       : Value(std::strtod(t.text.c_str(), nullptr));
      return e;
    }
    default:
      break;
  }
  if (IsOp("(")) return ParseParen();
  if (IsOp("[")) return ParseListLiteral();
  if (IsOp("{")) return ParseDictLiteral();
  Error(t, "unexpected '" + Describe(t) + "'");
}

ExprPtr Parser::ParseNameLiteral() {
  const Token& t = Next();
  ExprPtr e = NewExpr(ExprKind::kLiteral, t);
  if (t.text == "true" || t.text == "True") {
    e->literal = Value(true);
  } else if (t.text == "false" || t.text == "False") {
    e->literal = Value(false);
  } else if (t.text == "none" || t.text == "None") {
    e->literal = Value(None{});
  } else {
    e->kind = ExprKind::kName;
    e->name = t.text;
  }
  return e;
}

ExprPtr Parser::ParseParen() {
  const Token& open = Next();
  if (SkipOp(")")) return NewExpr(ExprKind::kTuple, open);
  ExprPtr first = ParseExpr();
  if (SkipOp(")")) return first;
  ExprPtr tuple = NewExpr(ExprKind::kTuple, open);
  tuple->args.push_back(std::move(first));
  while (SkipOp(",")) {
    if (IsOp(")")) break;
    tuple->args.push_back(ParseExpr());
  }
  ExpectOp(")");
  return tuple;
}

ExprPtr Parser::ParseListLiteral() {
  ExprPtr list = NewExpr(ExprKind::kList, Next());
  while (!IsOp("]")) {
    if (!list->args.empty()) {
      ExpectOp(",");
      if (IsOp("]")) break;
    }
    list->args.push_back(ParseExpr());
  }
  ExpectOp("]");
  return list;
}

ExprPtr Parser::ParseDictLiteral() {
  ExprPtr dict = NewExpr(ExprKind::kDict, Next());
  while (!IsOp("}")) {
    if (!dict->args.empty()) {
      ExpectOp(",");
      if (IsOp("}")) break;
    }
    dict->args.push_back(ParseExpr());
    ExpectOp(":");
    dict->args.push_back(ParseExpr());
  }
  ExpectOp("}");
  return dict;
}

ExprPtr Parser::ParsePostfix(ExprPtr e) {
  ChainGuard chain(this);
  while (true) {
    chain.Grow();
    if (IsOp(".")) {
      const Token& dot = Next();
      const Token& name = Next();
      if (name.type == TokenType::kInt) {
        ExprPtr item = NewExpr(ExprKind::kItem, dot);
        item->a = std::move(e);
        item->b = NewExpr(ExprKind::kLiteral, name);
        item->b->literal = Value(int64_t{std::strtoll(name.text.c_str(), nullptr, 10)});
        e = std::move(item);
        continue;
      }
      if (name.type != TokenType::kName) Error(name, "expected an attribute name after '.'");
      ExprPtr attr = NewExpr(ExprKind::kAttr, dot);
      attr->a = std::move(e);
      attr->name = name.text;
      e = std::move(attr);
    } else if (IsOp("[")) {
      e = ParseSubscript(std::move(e));
    } else if (IsOp("(")) {
      e = ParseCall(std::move(e));
    } else {
      return e;
    }
  }
}

ExprPtr Parser::ParseSubscript(ExprPtr e) {
  const Token& open = Next();
  ExprPtr parts[3];
  int colons = 0;
  while (!IsOp("]")) {
    if (SkipOp(":")) {
      if (++colons > 2) Error(open, "too many ':' in a slice");
      continue;
    }
    if (parts[colons]) Error(Peek(), "expected ']'");
    parts[colons] = ParseExpr();
  }
  ExpectOp("]");
  ExprPtr n = NewExpr(colons ? ExprKind::kSlice : ExprKind::kItem, open);
  n->a = std::move(e);
  if (!colons && !parts[0]) Error(open, "expected a subscript");
  n->b = std::move(parts[0]);
  n->c = std::move(parts[1]);
  if (colons) n->args.push_back(std::move(parts[2]));
  return n;
}

void Parser::ParseCallArgs(Expr* call) {
  ExpectOp("(");
  while (!IsOp(")")) {
    if (!call->args.empty() || !call->kwargs.empty()) {
      ExpectOp(",");
      if (IsOp(")")) break;
    }
    if (Peek().type == TokenType::kName && PeekAt(1).type == TokenType::kOperator &&
        PeekAt(1).text == "=") {
      std::string name = Next().text;
      Next();
      call->kwargs.emplace_back(std::move(name), ParseExpr());
    } else {
      if (!call->kwargs.empty()) Error(Peek(), "positional argument after keyword argument");
      call->args.push_back(ParseExpr());
    }
  }
  ExpectOp(")");
}

ExprPtr Parser::ParseCall(ExprPtr callee) {
  ExprPtr call = NewExpr(ExprKind::kCall, Peek());
  call->a = std::move(callee);
  ParseCallArgs(call.get());
  return call;
}

ExprPtr Parser::ParseFilter(ExprPtr input) {
  const Token& name = Next();
  if (name.type != TokenType::kName) Error(name, "expected a filter name after '|'");
  ExprPtr f = NewExpr(ExprKind::kFilter, name);
  f->name = name.text;
  f->a = std::move(input);
  if (IsOp("(")) ParseCallArgs(f.get());
  return f;
}

ExprPtr Parser::ParseFilterExpr(ExprPtr e) {
  ChainGuard chain(this);
  while (true) {
    chain.Grow();
    if (SkipOp("|")) {
      e = ParseFilter(std::move(e));
    } else if (IsName("is")) {
      e = ParseTest(std::move(e));
    } else if (IsOp("(")) {
      e = ParseCall(std::move(e));
    } else {
      return e;
    }
  }
}

ExprPtr Parser::ParseTest(ExprPtr input) {
  Next();  // is
  const bool negated = SkipName("not");
  const Token& name = Next();
  if (name.type != TokenType::kName) Error(name, "expected a test name after 'is'");
  ExprPtr t = NewExpr(ExprKind::kTest, name);
  t->name = name.text;
  t->negated = negated;
  t->a = std::move(input);
  const Token& n = Peek();
  if (IsOp("(")) {
    ParseCallArgs(t.get());
  } else if ((n.type == TokenType::kName || n.type == TokenType::kString ||
              n.type == TokenType::kInt || n.type == TokenType::kFloat || IsOp("[") || IsOp("{")) &&
             !IsName("else") && !IsName("or") && !IsName("and")) {
    // `x is divisibleby 3`: one argument without parentheses.
    if (IsName("is")) Error(n, "You cannot chain multiple tests with is");
    t->args.push_back(ParsePostfix(ParsePrimary()));
  }
  return t;
}

}  // namespace inferno::tmpl
