#include "engine/template/parser.h"

#include "engine/template/error.h"
#include "engine/template/parser_internal.h"

namespace inferno::tmpl {

bool Parser::SkipOp(const char* op) {
  if (!IsOp(op)) return false;
  Next();
  return true;
}

bool Parser::SkipName(const char* name) {
  if (!IsName(name)) return false;
  Next();
  return true;
}

void Parser::ExpectOp(const char* op) {
  if (!SkipOp(op))
    Error(Peek(), std::string("expected '") + op + "', got '" + Describe(Peek()) + "'");
}

void Parser::ExpectBlockEnd() {
  if (Peek().type != TokenType::kBlockEnd) {
    Error(Peek(), "expected end of statement block, got '" + Describe(Peek()) + "'");
  }
  Next();
}

std::string Parser::ExpectName() {
  if (Peek().type != TokenType::kName)
    Error(Peek(), "expected a name, got '" + Describe(Peek()) + "'");
  return Next().text;
}

std::string Parser::Describe(const Token& t) {
  switch (t.type) {
    case TokenType::kBlockEnd:
      return "%}";
    case TokenType::kVarEnd:
      return "}}";
    case TokenType::kBlockBegin:
      return "{%";
    case TokenType::kVarBegin:
      return "{{";
    case TokenType::kEof:
      return "end of template";
    case TokenType::kString:
      return "string";
    default:
      return t.text;
  }
}

void Parser::Error(const Token& at, const std::string& message) {
  throw TemplateError("TemplateSyntaxError", message, at.line, at.column);
}

StmtPtr Parser::NewStmt(StmtKind kind, const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = kind;
  s->line = at.line;
  s->column = at.column;
  return s;
}

Body Parser::ParseTemplate() {
  Body body = ParseBody({}, nullptr);
  return body;
}

// Statements up to one of end_tags ({% endif %} ...); the tag's name is consumed and stored
// in *ended_by, the rest of that tag is left to the caller.
Body Parser::ParseBody(std::initializer_list<const char*> end_tags, std::string* ended_by) {
  Body body;
  while (true) {
    const Token& t = Peek();
    if (t.type == TokenType::kEof) {
      if (end_tags.size() == 0) return body;
      Error(t, std::string("unexpected end of template, expected '") + *end_tags.begin() + "'");
    }
    if (t.type == TokenType::kText) {
      StmtPtr s = NewStmt(StmtKind::kText, Next());
      s->text = t.text;
      body.push_back(std::move(s));
    } else if (t.type == TokenType::kVarBegin) {
      StmtPtr s = NewStmt(StmtKind::kOutput, Next());
      s->expr = ParseTuple(true);
      if (Peek().type != TokenType::kVarEnd)
        Error(Peek(), "expected '}}', got '" + Describe(Peek()) + "'");
      Next();
      body.push_back(std::move(s));
    } else if (t.type == TokenType::kBlockBegin) {
      const Token& name = PeekAt(1);
      for (const char* end : end_tags) {
        if (name.type == TokenType::kName && name.text == end) {
          Next();
          Next();
          *ended_by = end;
          return body;
        }
      }
      Next();
      body.push_back(ParseStatement());
    } else {
      Error(t, "unexpected '" + Describe(t) + "'");
    }
  }
}

StmtPtr Parser::ParseStatement() {
  DepthGuard guard(this);
  const Token& t = Peek();
  if (t.type != TokenType::kName) Error(t, "tag name expected");
  Next();
  const std::string& n = t.text;
  if (n == "if") return ParseIf(t);
  if (n == "for") return ParseFor(t);
  if (n == "set") return ParseSet(t);
  if (n == "macro") return ParseMacro(t);
  if (n == "call") return ParseCallBlock(t);
  if (n == "filter") return ParseFilterBlock(t);
  if (n == "generation") return ParseScope(t, "endgeneration");
  if (n == "break" || n == "continue") {
    ExpectBlockEnd();
    return NewStmt(n == "break" ? StmtKind::kBreak : StmtKind::kContinue, t);
  }
  Error(t, "Encountered unknown tag '" + n + "'");
}

StmtPtr Parser::ParseIf(const Token& at) {
  StmtPtr s = NewStmt(StmtKind::kIf, at);
  s->expr = ParseTuple(true);
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({"endif", "elif", "else"}, &ended);
  if (ended == "elif") {
    s->else_body.push_back(ParseIf(toks_[i_ - 1]));
    return s;
  }
  if (ended == "else") {
    ExpectBlockEnd();
    s->else_body = ParseBody({"endif"}, &ended);
  }
  ExpectBlockEnd();
  return s;
}

std::vector<std::string> Parser::ParseTargets() {
  std::vector<std::string> names;
  const bool paren = SkipOp("(");
  do {
    names.push_back(ExpectName());
  } while (SkipOp(","));
  if (paren) ExpectOp(")");
  return names;
}

StmtPtr Parser::ParseFor(const Token& at) {
  StmtPtr s = NewStmt(StmtKind::kFor, at);
  s->targets = ParseTargets();
  if (!SkipName("in")) Error(Peek(), "expected 'in'");
  s->expr = ParseTuple(false);
  if (SkipName("if")) s->cond = ParseExpr();
  if (IsName("recursive")) Error(Peek(), "recursive loops are not supported");
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({"endfor", "else"}, &ended);
  if (ended == "else") {
    ExpectBlockEnd();
    s->else_body = ParseBody({"endfor"}, &ended);
  }
  ExpectBlockEnd();
  return s;
}

StmtPtr Parser::ParseSet(const Token& at) {
  StmtPtr s = NewStmt(StmtKind::kSet, at);
  s->targets = ParseTargets();
  if (s->targets.size() == 1 && SkipOp(".")) s->attr = ExpectName();
  if (SkipOp("=")) {
    s->expr = ParseTuple(true);
    ExpectBlockEnd();
    return s;
  }
  if (s->targets.size() != 1 || !s->attr.empty()) Error(Peek(), "expected '='");
  s->kind = StmtKind::kSetBlock;
  if (SkipOp("|")) {
    s->expr = ParseFilter(nullptr);
    while (SkipOp("|")) s->expr = ParseFilter(std::move(s->expr));
  }
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({"endset"}, &ended);
  ExpectBlockEnd();
  return s;
}

void Parser::ParseParams(Stmt* s) {
  ExpectOp("(");
  while (!IsOp(")")) {
    if (!s->params.empty()) ExpectOp(",");
    std::string name = ExpectName();
    ExprPtr def;
    if (SkipOp("=")) def = ParseExpr();
    s->params.emplace_back(std::move(name), std::move(def));
  }
  ExpectOp(")");
}

StmtPtr Parser::ParseMacro(const Token& at) {
  StmtPtr s = NewStmt(StmtKind::kMacro, at);
  s->text = ExpectName();
  ParseParams(s.get());
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({"endmacro"}, &ended);
  ExpectBlockEnd();
  return s;
}

StmtPtr Parser::ParseCallBlock(const Token& at) {
  StmtPtr s = NewStmt(StmtKind::kCallBlock, at);
  if (IsOp("(")) ParseParams(s.get());
  s->expr = ParseExpr();
  if (s->expr->kind != ExprKind::kCall) Error(at, "expected a call after 'call'");
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({"endcall"}, &ended);
  ExpectBlockEnd();
  return s;
}

StmtPtr Parser::ParseFilterBlock(const Token& at) {
  StmtPtr s = NewStmt(StmtKind::kFilterBlock, at);
  s->expr = ParseFilter(nullptr);
  while (SkipOp("|")) s->expr = ParseFilter(std::move(s->expr));
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({"endfilter"}, &ended);
  ExpectBlockEnd();
  return s;
}

StmtPtr Parser::ParseScope(const Token& at, const char* end_tag) {
  StmtPtr s = NewStmt(StmtKind::kScope, at);
  ExpectBlockEnd();
  std::string ended;
  s->body = ParseBody({end_tag}, &ended);
  ExpectBlockEnd();
  return s;
}

Body Parse(std::vector<Token> tokens) { return Parser(std::move(tokens)).ParseTemplate(); }

}  // namespace inferno::tmpl
