#include "cel_syntax.h"

#include <cctype>
#include <string>
#include <vector>

namespace kgw::agw_plugin {
namespace {

enum class Tok { Ident, Literal, Op, End };

struct Token {
  Tok kind;
  std::string text;
};

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Splits `s` into tokens; false on a character or literal CEL does not have.
bool lex(std::string_view s, std::vector<Token>& out) {
  size_t i = 0;
  auto string_literal = [&](size_t start, bool raw) -> bool {
    const char quote = s[i];
    const bool triple = i + 2 < s.size() && s[i + 1] == quote && s[i + 2] == quote;
    i += triple ? 3 : 1;
    while (i < s.size()) {
      if (!raw && s[i] == '\\') {
        i += 2;
        continue;
      }
      if (triple) {
        if (i + 2 < s.size() && s[i] == quote && s[i + 1] == quote && s[i + 2] == quote) {
          i += 3;
          out.push_back({Tok::Literal, std::string(s.substr(start, i - start))});
          return true;
        }
      } else if (s[i] == quote) {
        ++i;
        out.push_back({Tok::Literal, std::string(s.substr(start, i - start))});
        return true;
      } else if (s[i] == '\n') {
        return false;
      }
      ++i;
    }
    return false;
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      if (!string_literal(i, false)) return false;
    } else if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') && i + 1 < s.size() &&
               (s[i + 1] == '"' || s[i + 1] == '\'' ||
                (i + 2 < s.size() && std::tolower(s[i + 1]) != std::tolower(c) &&
                 (std::tolower(s[i + 1]) == 'r' || std::tolower(s[i + 1]) == 'b') &&
                 (s[i + 2] == '"' || s[i + 2] == '\'')))) {
      const size_t start = i;
      bool raw = false;
      while (s[i] != '"' && s[i] != '\'') raw = raw || std::tolower(s[i++]) == 'r';
      if (!string_literal(start, raw)) return false;
    } else if (is_ident_start(c)) {
      const size_t start = i;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      std::string word(s.substr(start, i - start));
      if (word == "true" || word == "false" || word == "null")
        out.push_back({Tok::Literal, word});
      else if (word == "in")
        out.push_back({Tok::Op, word});
      else
        out.push_back({Tok::Ident, word});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      const size_t start = i;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
      } else {
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i + 1 < s.size() && s[i] == '.' && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
          ++i;
          while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        }
        if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
          ++i;
          if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
          if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
          while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        }
      }
      if (i < s.size() && (s[i] == 'u' || s[i] == 'U')) ++i;
      if (i < s.size() && is_ident_char(s[i])) return false;
      out.push_back({Tok::Literal, std::string(s.substr(start, i - start))});
    } else {
      static const char* const two[] = {"==", "!=", "<=", ">=", "&&", "||"};
      bool matched = false;
      for (const char* op : two)
        if (s.substr(i, 2) == op) {
          out.push_back({Tok::Op, op});
          i += 2;
          matched = true;
          break;
        }
      if (matched) continue;
      if (std::string_view("<>!-+*/%?:.,()[]{}").find(c) == std::string_view::npos) return false;
      out.push_back({Tok::Op, std::string(1, c)});
      ++i;
    }
  }
  out.push_back({Tok::End, ""});
  return true;
}

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  bool parse() { return expr(0) && peek().kind == Tok::End; }

 private:
  static constexpr int kMaxDepth = 200;

  const Token& peek() const { return t_[pos_]; }
  bool is_op(const char* op) const { return peek().kind == Tok::Op && peek().text == op; }
  bool accept(const char* op) {
    if (!is_op(op)) return false;
    ++pos_;
    return true;
  }

  bool expr(int depth) {
    if (depth > kMaxDepth || !binary(0, depth)) return false;
    if (accept("?")) return binary(0, depth) && accept(":") && expr(depth + 1);
    return true;
  }

  // Levels: ||, &&, relations, + -, * / %.
  bool binary(int level, int depth) {
    static const std::vector<std::vector<const char*>> levels = {
        {"||"}, {"&&"}, {"<", "<=", ">=", ">", "==", "!=", "in"}, {"+", "-"}, {"*", "/", "%"}};
    if (level == static_cast<int>(levels.size())) return unary(depth);
    if (!binary(level + 1, depth)) return false;
    for (;;) {
      bool matched = false;
      for (const char* op : levels[level])
        if (accept(op)) matched = true;
      if (!matched) return true;
      if (!binary(level + 1, depth)) return false;
    }
  }

  bool unary(int depth) {
    if (accept("!") || accept("-")) return unary(depth + 1);
    return member(depth);
  }

  bool args(int depth) {
    if (accept(")")) return true;
    do {
      if (!expr(depth + 1)) return false;
    } while (accept(","));
    return accept(")");
  }

  bool member(int depth) {
    bool qualified_name = false;  // a (dotted) identifier, which may start a message literal
    if (!primary(depth, qualified_name)) return false;
    for (;;) {
      if (accept(".")) {
        if (peek().kind != Tok::Ident) return false;
        ++pos_;
        if (accept("(")) {
          if (!args(depth)) return false;
          qualified_name = false;
        }
      } else if (accept("[")) {
        if (!expr(depth + 1) || !accept("]")) return false;
        qualified_name = false;
      } else if (qualified_name && accept("{")) {
        if (!field_inits(depth)) return false;
        qualified_name = false;
      } else {
        return true;
      }
    }
  }

  bool field_inits(int depth) {
    if (accept("}")) return true;
    do {
      if (is_op("}")) break;  // trailing comma
      accept("?");
      if (peek().kind != Tok::Ident) return false;
      ++pos_;
      if (!accept(":") || !expr(depth + 1)) return false;
    } while (accept(","));
    return accept("}");
  }

  bool primary(int depth, bool& qualified_name) {
    const Token& tok = peek();
    if (tok.kind == Tok::Literal) {
      ++pos_;
      return true;
    }
    if (accept(".")) {
      if (peek().kind != Tok::Ident) return false;
    }
    if (peek().kind == Tok::Ident) {
      ++pos_;
      if (accept("(")) return args(depth);
      qualified_name = true;
      return true;
    }
    if (accept("(")) return expr(depth + 1) && accept(")");
    if (accept("[")) {
      if (accept("]")) return true;
      do {
        if (is_op("]")) break;
        accept("?");
        if (!expr(depth + 1)) return false;
      } while (accept(","));
      return accept("]");
    }
    if (accept("{")) {
      if (accept("}")) return true;
      do {
        if (is_op("}")) break;
        accept("?");
        if (!expr(depth + 1) || !accept(":") || !expr(depth + 1)) return false;
      } while (accept(","));
      return accept("}");
    }
    return false;
  }

  const std::vector<Token>& t_;
  size_t pos_ = 0;
};

}  // namespace

bool is_valid_cel(std::string_view text) {
  std::vector<Token> tokens;
  if (!lex(text, tokens)) return false;
  if (tokens.size() == 1) return false;  // empty
  return Parser(tokens).parse();
}

}  // namespace kgw::agw_plugin
