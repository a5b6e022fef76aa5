#include "cel.h"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace kgw::filters {
namespace {

using cel::expr::Expr;

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Tok { End, Ident, Int, Uint, Double, String, Bytes, Punct };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // identifier, punctuation, or the decoded literal
  size_t pos = 0;    // byte offset
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
};

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(const std::string& text) : s_(text) {}

  std::vector<Token> tokens() {
    std::vector<Token> out;
    for (;;) {
      skip_space();
      Token t;
      t.pos = p_;
      if (p_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      const char c = s_[p_];
      if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') && p_ + 1 < s_.size() &&
          (s_[p_ + 1] == '"' || s_[p_ + 1] == '\'' ||
           ((s_[p_ + 1] == 'r' || s_[p_ + 1] == 'R' || s_[p_ + 1] == 'b' || s_[p_ + 1] == 'B') && p_ + 2 < s_.size() &&
            (s_[p_ + 2] == '"' || s_[p_ + 2] == '\'')))) {
        bool raw = false, bytes = false;
        while (s_[p_] != '"' && s_[p_] != '\'') {
          raw = raw || s_[p_] == 'r' || s_[p_] == 'R';
          bytes = bytes || s_[p_] == 'b' || s_[p_] == 'B';
          ++p_;
        }
        t.kind = bytes ? Tok::Bytes : Tok::String;
        t.text = string_literal(raw);
      } else if (ident_start(c)) {
        size_t start = p_;
        while (p_ < s_.size() && (ident_start(s_[p_]) || digit(s_[p_]))) ++p_;
        t.kind = Tok::Ident;
        t.text = s_.substr(start, p_ - start);
      } else if (digit(c) || (c == '.' && p_ + 1 < s_.size() && digit(s_[p_ + 1]))) {
        number(t);
      } else if (c == '"' || c == '\'') {
        t.kind = Tok::String;
        t.text = string_literal(false);
      } else {
        static const char* two[] = {"==", "!=", "<=", ">=", "&&", "||"};
        t.kind = Tok::Punct;
        for (const char* op : two)
          if (s_.compare(p_, 2, op) == 0) t.text = op;
        if (t.text.empty()) {
          if (std::string("+-*/%!<>?:.,()[]{}").find(c) == std::string::npos)
            throw Error("unexpected character at " + std::to_string(p_));
          t.text = std::string(1, c);
        }
        p_ += t.text.size();
      }
      out.push_back(std::move(t));
    }
  }

 private:
  void skip_space() {
    for (;;) {
      while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r' || s_[p_] == '\f'))
        ++p_;
      if (s_.compare(p_, 2, "//") != 0) return;
      while (p_ < s_.size() && s_[p_] != '\n') ++p_;
    }
  }

  void number(Token& t) {
    size_t start = p_;
    if (s_.compare(p_, 2, "0x") == 0 || s_.compare(p_, 2, "0X") == 0) {
      p_ += 2;
      while (p_ < s_.size() && hex(s_[p_])) ++p_;
      const std::string digits = s_.substr(start + 2, p_ - start - 2);
      finish_int(t, digits, 16);
      return;
    }
    bool is_double = false;
    while (p_ < s_.size() && digit(s_[p_])) ++p_;
    if (p_ + 1 < s_.size() && s_[p_] == '.' && digit(s_[p_ + 1])) {
      is_double = true;
      ++p_;
      while (p_ < s_.size() && digit(s_[p_])) ++p_;
    }
    if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
      is_double = true;
      ++p_;
      if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
      while (p_ < s_.size() && digit(s_[p_])) ++p_;
    }
    const std::string text = s_.substr(start, p_ - start);
    if (is_double) {
      t.kind = Tok::Double;
      t.d = std::strtod(text.c_str(), nullptr);
      return;
    }
    finish_int(t, text, 10);
  }

  void finish_int(Token& t, const std::string& digits, int base) {
    if (digits.empty()) throw Error("invalid number at " + std::to_string(t.pos));
    if (p_ < s_.size() && (s_[p_] == 'u' || s_[p_] == 'U')) {
      ++p_;
      t.kind = Tok::Uint;
      t.u = std::strtoull(digits.c_str(), nullptr, base);
    } else {
      t.kind = Tok::Int;
      t.u = std::strtoull(digits.c_str(), nullptr, base);
    }
  }

  std::string string_literal(bool raw) {
    const char q = s_[p_];
    const bool triple = s_.compare(p_, 3, std::string(3, q)) == 0;
    const std::string close = triple ? std::string(3, q) : std::string(1, q);
    p_ += close.size();
    std::string out;
    for (;;) {
      if (p_ >= s_.size() || (!triple && s_[p_] == '\n')) throw Error("unterminated string");
      if (s_.compare(p_, close.size(), close) == 0) {
        p_ += close.size();
        return out;
      }
      char c = s_[p_++];
      if (c != '\\' || raw) {
        out += c;
        if (c == '\\' && p_ < s_.size()) out += s_[p_++];
        continue;
      }
      if (p_ >= s_.size()) throw Error("unterminated string");
      c = s_[p_++];
      switch (c) {
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
        case '\'':
        case '"':
        case '`':
        case '?':
          out += c;
          break;
        case 'x':
        case 'X':
        case 'u':
        case 'U': {
          const size_t n = (c == 'x' || c == 'X') ? 2 : c == 'u' ? 4 : 8;
          if (p_ + n > s_.size()) throw Error("invalid escape");
          const uint32_t cp = static_cast<uint32_t>(std::strtoul(s_.substr(p_, n).c_str(), nullptr, 16));
          p_ += n;
          if (n == 2)
            out += static_cast<char>(cp);
          else
            append_utf8(cp, out);
          break;
        }
        default:
          if (c >= '0' && c <= '3' && p_ + 2 <= s_.size()) {
            out += static_cast<char>(std::strtoul(s_.substr(p_ - 1, 3).c_str(), nullptr, 8));
            p_ += 2;
            break;
          }
          throw Error("invalid escape \\" + std::string(1, c));
      }
    }
  }

  const std::string& s_;
  size_t p_ = 0;
};

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text), tokens_(Lexer(text).tokens()) {
    // Positions count code points, as the reference parser does.
    rune_at_.resize(text.size() + 1);
    int64_t runes = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      rune_at_[i] = runes;
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++runes;
    }
    rune_at_[text.size()] = runes;
  }

  cel::expr::ParsedExpr parse() {
    cel::expr::ParsedExpr out;
    *out.mutable_expr() = expr();
    if (peek().kind != Tok::End) throw Error("unexpected '" + peek().text + "' at " + std::to_string(rune(peek())));
    auto* info = out.mutable_source_info();
    info->set_location("<input>");
    int32_t offset = 0;
    size_t line_start = 0;
    for (;;) {
      size_t nl = text_.find('\n', line_start);
      const size_t end = nl == std::string::npos ? text_.size() : nl;
      offset += static_cast<int32_t>(rune_at_[end] - rune_at_[line_start]) + 1;
      info->add_line_offsets(offset);
      if (nl == std::string::npos) break;
      line_start = nl + 1;
    }
    for (const auto& [id, pos] : positions_) (*info->mutable_positions())[id] = static_cast<int32_t>(pos);
    return out;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(i_ + ahead, tokens_.size() - 1)]; }
  bool is(const char* punct, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::Punct && peek(ahead).text == punct;
  }
  const Token& take() { return tokens_[i_ < tokens_.size() - 1 ? i_++ : i_]; }
  void expect(const char* punct) {
    if (!is(punct)) throw Error(std::string("expected '") + punct + "' at " + std::to_string(rune(peek())));
    take();
  }
  int64_t rune(const Token& t) const { return rune_at_[t.pos]; }

  int64_t new_id(const Token& at) {
    const int64_t id = ++last_id_;
    positions_.emplace_back(id, rune(at));
    return id;
  }

  static Expr call(int64_t id, const std::string& function, std::vector<Expr> args, Expr* target = nullptr) {
    Expr e;
    e.set_id(id);
    auto* c = e.mutable_call_expr();
    c->set_function(function);
    if (target) *c->mutable_target() = std::move(*target);
    for (auto& a : args) *c->add_args() = std::move(a);
    return e;
  }

  Expr expr() {
    Expr cond = logic("||", "_||_", [this] { return logic("&&", "_&&_", [this] { return relation(); }); });
    if (!is("?")) return cond;
    const int64_t id = new_id(take());
    Expr yes = logic("||", "_||_", [this] { return logic("&&", "_&&_", [this] { return relation(); }); });
    expect(":");
    Expr no = expr();
    return call(id, "_?_:_", {std::move(cond), std::move(yes), std::move(no)});
  }

  // A chain of one logical operator, as a balanced tree of calls.
  template <typename Next>
  Expr logic(const char* op, const char* function, Next next) {
    std::vector<Expr> terms;
    std::vector<int64_t> ids;
    terms.push_back(next());
    while (is(op)) {
      const Token& at = take();
      Expr term = next();
      ids.push_back(new_id(at));
      terms.push_back(std::move(term));
    }
    if (ids.empty()) return std::move(terms[0]);
    return balanced(function, terms, ids, 0, static_cast<int>(ids.size()) - 1);
  }

  Expr balanced(const char* function, std::vector<Expr>& terms, const std::vector<int64_t>& ids, int lo, int hi) {
    const int mid = (lo + hi + 1) / 2;
    Expr left = mid == lo ? std::move(terms[static_cast<size_t>(mid)]) : balanced(function, terms, ids, lo, mid - 1);
    Expr right =
        mid == hi ? std::move(terms[static_cast<size_t>(mid) + 1]) : balanced(function, terms, ids, mid + 1, hi);
    return call(ids[static_cast<size_t>(mid)], function, {std::move(left), std::move(right)});
  }

  Expr relation() {
    static const std::vector<std::pair<std::string, std::string>> ops = {
        {"==", "_==_"}, {"!=", "_!=_"}, {"<", "_<_"}, {"<=", "_<=_"}, {">", "_>_"}, {">=", "_>=_"}};
    Expr lhs = additive();
    for (;;) {
      std::string function;
      for (const auto& [text, f] : ops)
        if (is(text.c_str())) function = f;
      if (peek().kind == Tok::Ident && peek().text == "in") function = "@in";
      if (function.empty()) return lhs;
      const int64_t id = new_id(take());
      Expr rhs = additive();
      lhs = call(id, function, {std::move(lhs), std::move(rhs)});
    }
  }

  Expr additive() {
    Expr lhs = multiplicative();
    while (is("+") || is("-")) {
      const std::string function = is("+") ? "_+_" : "_-_";
      const int64_t id = new_id(take());
      Expr rhs = multiplicative();
      lhs = call(id, function, {std::move(lhs), std::move(rhs)});
    }
    return lhs;
  }

  Expr multiplicative() {
    Expr lhs = unary();
    while (is("*") || is("/") || is("%")) {
      const std::string function = is("*") ? "_*_" : is("/") ? "_/_" : "_%_";
      const int64_t id = new_id(take());
      Expr rhs = unary();
      lhs = call(id, function, {std::move(lhs), std::move(rhs)});
    }
    return lhs;
  }

  Expr unary() {
    for (const char* op : {"!", "-"}) {
      if (!is(op)) continue;
      // A minus right before a number is the literal's sign.
      if (std::string(op) == "-" && (peek(1).kind == Tok::Int || peek(1).kind == Tok::Double)) break;
      const Token& first = peek();
      size_t count = 0;
      while (is(op)) {
        take();
        ++count;
      }
      if (count % 2 == 0) return member();
      const int64_t id = new_id(first);
      Expr target = member();
      return call(id, std::string(op) == "!" ? "!_" : "-_", {std::move(target)});
    }
    return member();
  }

  std::vector<Expr> args(const char* close) {
    std::vector<Expr> out;
    while (!is(close)) {
      out.push_back(expr());
      if (!is(",")) break;
      take();
    }
    expect(close);
    return out;
  }

  Expr member() {
    Expr e = primary();
    for (;;) {
      if (is(".")) {
        const Token& dot = take();
        if (peek().kind != Tok::Ident) throw Error("expected a field name at " + std::to_string(rune(peek())));
        const std::string name = take().text;
        if (is("(")) {
          static const std::vector<std::string> macros = {"all", "exists", "exists_one", "map", "filter"};
          for (const auto& m : macros)
            if (m == name) throw Error("the macro " + name + "() is not supported");
          const int64_t id = new_id(take());
          std::vector<Expr> a = args(")");
          e = call(id, name, std::move(a), &e);
          continue;
        }
        Expr sel;
        sel.set_id(new_id(dot));
        sel.mutable_select_expr()->set_field(name);
        *sel.mutable_select_expr()->mutable_operand() = std::move(e);
        e = std::move(sel);
      } else if (is("[")) {
        const int64_t id = new_id(take());
        Expr index = expr();
        expect("]");
        e = call(id, "_[_]", {std::move(e), std::move(index)});
      } else if (is("{")) {
        throw Error("message construction is not supported");
      } else {
        return e;
      }
    }
  }

  Expr primary() {
    const Token& t = peek();
    Expr e;
    if (is(".") || t.kind == Tok::Ident) {
      std::string name;
      if (is(".")) {
        take();
        name = ".";
      }
      if (peek().kind != Tok::Ident) throw Error("expected an identifier at " + std::to_string(rune(peek())));
      const Token& id_token = take();
      name += id_token.text;
      if (name == "true" || name == "false") {
        e.set_id(new_id(id_token));
        e.mutable_const_expr()->set_bool_value(name == "true");
        return e;
      }
      if (name == "null") {
        e.set_id(new_id(id_token));
        e.mutable_const_expr()->set_null_value(google::protobuf::NULL_VALUE);
        return e;
      }
      if (is("(")) {
        if (name == "has") throw Error("the macro has() is not supported");
        const int64_t id = new_id(take());
        return call(id, name, args(")"));
      }
      e.set_id(new_id(id_token));
      e.mutable_ident_expr()->set_name(name);
      return e;
    }
    if (is("(")) {
      take();
      e = expr();
      expect(")");
      return e;
    }
    if (is("[")) {
      e.set_id(new_id(take()));
      auto* list = e.mutable_list_expr();
      for (auto& item : args("]")) *list->add_elements() = std::move(item);
      return e;
    }
    if (is("{")) {
      e.set_id(new_id(take()));
      auto* map = e.mutable_struct_expr();
      while (!is("}")) {
        // The entry's id comes before its key's, at the colon.
        auto* entry = map->add_entries();
        entry->set_id(++last_id_);
        const size_t slot = positions_.size();
        positions_.emplace_back(entry->id(), 0);
        *entry->mutable_map_key() = expr();
        if (!is(":")) throw Error("expected ':' at " + std::to_string(rune(peek())));
        positions_[slot].second = rune(take());
        *entry->mutable_value() = expr();
        if (!is(",")) break;
        take();
      }
      expect("}");
      return e;
    }
    bool negative = false;
    const Token& start = t;
    if (is("-")) {
      take();
      negative = true;
    }
    const Token& lit = take();
    e.set_id(new_id(start));
    auto* c = e.mutable_const_expr();
    switch (lit.kind) {
      case Tok::Int:
        if (negative ? lit.u > uint64_t{1} << 63 : lit.u > static_cast<uint64_t>(INT64_MAX))
          throw Error("integer out of range");
        c->set_int64_value(negative ? static_cast<int64_t>(0 - lit.u) : static_cast<int64_t>(lit.u));
        return e;
      case Tok::Uint:
        if (negative) throw Error("negative unsigned integer");
        c->set_uint64_value(lit.u);
        return e;
      case Tok::Double:
        c->set_double_value(negative ? -lit.d : lit.d);
        return e;
      case Tok::String:
        if (!negative) {
          c->set_string_value(lit.text);
          return e;
        }
        break;
      case Tok::Bytes:
        if (!negative) {
          c->set_bytes_value(lit.text);
          return e;
        }
        break;
      default:
        break;
    }
    throw Error("unexpected '" + lit.text + "' at " + std::to_string(rune(lit)));
  }

  const std::string& text_;
  std::vector<Token> tokens_;
  std::vector<int64_t> rune_at_;
  size_t i_ = 0;
  int64_t last_id_ = 0;
  std::vector<std::pair<int64_t, int64_t>> positions_;
};

}  // namespace

std::variant<cel::expr::ParsedExpr, std::string> parse_cel(const std::string& text) {
  try {
    return Parser(text).parse();
  } catch (const Error& e) {
    return std::string(e.what());
  }
}

}  // namespace kgw::filters
