#include "xml.h"

namespace kgw::aws::xml {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view doc) : doc_(doc) {}

  std::optional<Element> document(std::string& error) {
    skip_misc();
    if (!failed_ && at("<!DOCTYPE")) fail("document type declarations are not accepted");
    if (failed_ || !at("<")) {
      error = failed_ ? error_ : "no root element";
      return std::nullopt;
    }
    Element root;
    element(root, 0);
    if (!failed_) {
      skip_misc();
      if (pos_ != doc_.size()) fail("content after the root element");
    }
    if (failed_) {
      error = error_ + " at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    return root;
  }

 private:
  bool at(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }
  void fail(std::string message) {
    if (!failed_) error_ = std::move(message);
    failed_ = true;
  }
  void skip_space() {
    while (pos_ < doc_.size() && (doc_[pos_] == ' ' || doc_[pos_] == '\t' || doc_[pos_] == '\r' || doc_[pos_] == '\n'))
      ++pos_;
  }
  bool skip_past(std::string_view end) {
    const size_t found = doc_.find(end, pos_);
    if (found == std::string_view::npos) {
      fail("unterminated markup");
      pos_ = doc_.size();
      return false;
    }
    pos_ = found + end.size();
    return true;
  }
  // Whitespace, comments and processing instructions (the XML declaration among them).
  void skip_misc() {
    for (;;) {
      skip_space();
      if (at("<?")) {
        if (!skip_past("?>")) return;
      } else if (at("<!--")) {
        if (!skip_past("-->")) return;
      } else {
        return;
      }
    }
  }
  static std::string local_name(std::string_view qname) {
    const size_t colon = qname.find(':');
    return std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
  }
  std::string name() {
    const size_t start = pos_;
    while (pos_ < doc_.size() && doc_[pos_] != '>' && doc_[pos_] != '/' && doc_[pos_] != ' ' && doc_[pos_] != '\t' &&
           doc_[pos_] != '\r' && doc_[pos_] != '\n')
      ++pos_;
    if (start == pos_) fail("an element without a name");
    return std::string(doc_.substr(start, pos_ - start));
  }
  void append_decoded(std::string_view raw, std::string& out) {
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos) {
        fail("an unterminated entity");
        return;
      }
      const std::string_view entity = raw.substr(i + 1, semi - i - 1);
      if (entity == "amp")
        out += '&';
      else if (entity == "lt")
        out += '<';
      else if (entity == "gt")
        out += '>';
      else if (entity == "quot")
        out += '"';
      else if (entity == "apos")
        out += '\'';
      else if (entity.size() > 1 && entity[0] == '#') {
        unsigned long code = 0;
        try {
          code = entity[1] == 'x' ? std::stoul(std::string(entity.substr(2)), nullptr, 16)
                                  : std::stoul(std::string(entity.substr(1)));
        } catch (...) {
          fail("a bad character reference");
          return;
        }
        append_utf8(code, out);
      } else {
        fail("an unknown entity &" + std::string(entity) + ";");
        return;
      }
      i = semi;
    }
  }
  static void append_utf8(unsigned long c, std::string& out) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  // At '<' of a start tag.
  void element(Element& out, int depth) {
    if (depth > kMaxDepth) return fail("elements nested too deep");
    ++pos_;
    const std::string qname = name();
    out.name = local_name(qname);
    // Attributes are not needed: skip to the end of the tag, minding quoted values.
    char quote = 0;
    while (pos_ < doc_.size()) {
      const char c = doc_[pos_];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>' || c == '/') {
        break;
      }
      ++pos_;
    }
    if (at("/>")) {
      pos_ += 2;
      return;
    }
    if (!at(">")) return fail("an unterminated start tag <" + qname + ">");
    ++pos_;
    while (!failed_) {
      const size_t lt = doc_.find('<', pos_);
      if (lt == std::string_view::npos) return fail("an unclosed element <" + qname + ">");
      append_decoded(doc_.substr(pos_, lt - pos_), out.text);
      pos_ = lt;
      if (at("</")) {
        pos_ += 2;
        const std::string closing = name();
        skip_space();
        if (closing != qname) return fail("</" + closing + "> closes <" + qname + ">");
        if (!at(">")) return fail("an unterminated end tag");
        ++pos_;
        return;
      }
      if (at("<!--")) {
        skip_past("-->");
      } else if (at("<![CDATA[")) {
        pos_ += 9;
        const size_t end = doc_.find("]]>", pos_);
        if (end == std::string_view::npos) return fail("an unterminated CDATA section");
        out.text += doc_.substr(pos_, end - pos_);
        pos_ = end + 3;
      } else if (at("<?")) {
        skip_past("?>");
      } else if (at("<!")) {
        return fail("markup declarations are not accepted");
      } else {
        out.children.emplace_back();
        element(out.children.back(), depth + 1);
      }
    }
  }

  std::string_view doc_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace

const Element* Element::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::string Element::child_text(std::string_view n) const {
  const Element* c = child(n);
  return c ? c->text : std::string();
}

std::optional<Element> parse(std::string_view document, std::string& error) { return Parser(document).document(error); }

}  // namespace kgw::aws::xml
