// The parser's class, shared by parser.cc (statements) and parser_expr.cc (expressions).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "engine/template/ast.h"
#include "engine/template/lexer.h"

namespace inferno::tmpl {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}
  Body ParseTemplate();

 private:
  // Token stream.
  const Token& Peek() const { return toks_[i_]; }
  const Token& PeekAt(size_t k) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& Next() { return i_ + 1 < toks_.size() ? toks_[i_++] : toks_[i_]; }
  bool IsOp(const char* op) const {
    return Peek().type == TokenType::kOperator && Peek().text == op;
  }
  bool IsName(const char* name) const {
    return Peek().type == TokenType::kName && Peek().text == name;
  }
  bool SkipOp(const char* op);
  bool SkipName(const char* name);
  void ExpectOp(const char* op);
  void ExpectBlockEnd();
  std::string ExpectName();
  static std::string Describe(const Token& t);
  [[noreturn]] static void Error(const Token& at, const std::string& message);

  // Statements.
  Body ParseBody(std::initializer_list<const char*> end_tags, std::string* ended_by);
  StmtPtr ParseStatement();
  StmtPtr NewStmt(StmtKind kind, const Token& at);
  StmtPtr ParseIf(const Token& at);
  StmtPtr ParseFor(const Token& at);
  StmtPtr ParseSet(const Token& at);
  StmtPtr ParseMacro(const Token& at);
  StmtPtr ParseCallBlock(const Token& at);
  StmtPtr ParseFilterBlock(const Token& at);
  StmtPtr ParseScope(const Token& at, const char* end_tag);
  std::vector<std::string> ParseTargets();
  void ParseParams(Stmt* s);

  // Expressions.
  ExprPtr NewExpr(ExprKind kind, const Token& at);
  ExprPtr ParseTuple(bool with_cond);
  bool AtTupleEnd() const;
  ExprPtr ParseExpr();
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  ExprPtr ParseCompare();
  ExprPtr ParseMath1();
  ExprPtr ParseConcat();
  ExprPtr ParseMath2();
  ExprPtr ParsePow();
  ExprPtr ParseUnary(bool with_filter);
  ExprPtr ParsePrimary();
  ExprPtr ParseNameLiteral();
  ExprPtr ParseParen();
  ExprPtr ParseListLiteral();
  ExprPtr ParseDictLiteral();
  ExprPtr ParsePostfix(ExprPtr e);
  ExprPtr ParseSubscript(ExprPtr e);
  ExprPtr ParseCall(ExprPtr callee);
  void ParseCallArgs(Expr* call);
  ExprPtr ParseFilterExpr(ExprPtr e);
  ExprPtr ParseTest(ExprPtr input);
  ExprPtr Binary(std::string op, ExprPtr a, ExprPtr b, const Token& at);

 public:
  ExprPtr ParseFilter(ExprPtr input);

 private:
  // Nesting of expressions and blocks. Parsing and rendering recurse along it, so a
  // pathological input ("((((((...") must be refused before it overflows the stack.
  static constexpr int kMaxDepth = 256;
  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p_(p) {
      if (++p_->depth_ > kMaxDepth) Error(p_->Peek(), "template nesting is too deep");
    }
    ~DepthGuard() { --p_->depth_; }
    Parser* p_;
  };
  // A loop that wraps its result once more per operator (a + b + c ...) deepens the tree
  // without recursing: each wrap counts as a level until the loop ends.
  struct ChainGuard {
    explicit ChainGuard(Parser* p) : p_(p) {}
    void Grow() {
      ++n_;
      if (++p_->depth_ > kMaxDepth) Error(p_->Peek(), "template nesting is too deep");
    }
    ~ChainGuard() { p_->depth_ -= n_; }
    Parser* p_;
    int n_ = 0;
  };

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace inferno::tmpl
