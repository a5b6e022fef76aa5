#include "jwks.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kgw::filters {
namespace {

using Bytes = std::vector<uint8_t>;

std::optional<Bytes> base64_decode(std::string_view text) {
  Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t')
      continue;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

// Unpadded base64url, as JWK members are written.
std::string base64url(const uint8_t* data, size_t size) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

// One DER element: its tag and content.
struct Tlv {
  uint8_t tag = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Reads the elements of a DER encoding one after another.
class DerReader {
 public:
  DerReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  explicit DerReader(const Tlv& t) : DerReader(t.data, t.size) {}

  std::optional<Tlv> next(uint8_t expected_tag) {
    if (end_ - p_ < 2 || p_[0] != expected_tag) return std::nullopt;
    Tlv t{p_[0], nullptr, 0};
    size_t len = p_[1];
    const uint8_t* q = p_ + 2;
    if (len & 0x80) {
      const size_t n = len & 0x7f;
      if (n == 0 || n > 4 || static_cast<size_t>(end_ - q) < n) return std::nullopt;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | *q++;
    }
    if (static_cast<size_t>(end_ - q) < len) return std::nullopt;
    t.data = q;
    t.size = len;
    p_ = q + len;
    return t;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

constexpr uint8_t kSequence = 0x30, kInteger = 0x02, kBitString = 0x03, kOid = 0x06;

bool oid_is(const Tlv& t, const Bytes& oid) {
  return t.size == oid.size() && std::equal(oid.begin(), oid.end(), t.data);
}

// An unsigned big-endian integer without its DER sign byte.
std::string unsigned_member(const Tlv& t) {
  size_t skip = 0;
  while (skip + 1 < t.size && t.data[skip] == 0) ++skip;
  return base64url(t.data + skip, t.size - skip);
}

std::string rsa_jwk(const Tlv& rsa_public_key, std::string& error) {
  DerReader seq(rsa_public_key);
  auto n = seq.next(kInteger);
  auto e = n ? seq.next(kInteger) : std::nullopt;
  if (!e) {
    error = "invalid RSA public key";
    return {};
  }
  return R"({"use":"sig","kty":"RSA","alg":"RS256","n":")" + unsigned_member(*n) + R"(","e":")" + unsigned_member(*e) +
         R"("})";
}

// A SubjectPublicKeyInfo as a JWK.
std::string spki_jwk(const Bytes& der, std::string& error) {
  DerReader top(der.data(), der.size());
  auto spki = top.next(kSequence);
  if (!spki) {
    error = "invalid public key";
    return {};
  }
  DerReader fields(*spki);
  auto algorithm = fields.next(kSequence);
  auto key = algorithm ? fields.next(kBitString) : std::nullopt;
  if (!key || key->size < 1 || key->data[0] != 0) {
    error = "invalid public key";
    return {};
  }
  const Tlv bits{kBitString, key->data + 1, key->size - 1};
  DerReader alg(*algorithm);
  auto oid = alg.next(kOid);
  if (!oid) {
    error = "invalid public key algorithm";
    return {};
  }
  if (oid_is(*oid, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01})) {
    DerReader inner(bits);
    auto seq = inner.next(kSequence);
    if (!seq) {
      error = "invalid RSA public key";
      return {};
    }
    return rsa_jwk(*seq, error);
  }
  if (oid_is(*oid, {0x2b, 0x65, 0x70})) {
    if (bits.size != 32) {
      error = "invalid Ed25519 public key";
      return {};
    }
    return R"({"use":"sig","kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":")" + base64url(bits.data, bits.size) +
           R"("})";
  }
  if (oid_is(*oid, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01})) {
    auto curve = alg.next(kOid);
    struct Curve {
      Bytes oid;
      const char* name;
      const char* alg;
      size_t size;
    };
    static const Curve kCurves[] = {
        {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, "P-256", "ES256", 32},
        {{0x2b, 0x81, 0x04, 0x00, 0x22}, "P-384", "ES384", 48},
        {{0x2b, 0x81, 0x04, 0x00, 0x23}, "P-521", "ES512", 66},
    };
    for (const auto& c : kCurves) {
      if (!curve || !oid_is(*curve, c.oid)) continue;
      // Only uncompressed points: 0x04, X, Y.
      if (bits.size != 1 + 2 * c.size || bits.data[0] != 0x04) {
        error = "invalid EC public key";
        return {};
      }
      return std::string(R"({"use":"sig","kty":"EC","crv":")") + c.name + R"(","alg":")" + c.alg + R"(","x":")" +
             base64url(bits.data + 1, c.size) + R"(","y":")" + base64url(bits.data + 1 + c.size, c.size) + R"("})";
    }
    error = "unsupported EC curve";
    return {};
  }
  error = "unsupported public key algorithm";
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Jwks jwks_from_inline(const std::string& text) {
  Jwks out;
  const std::string_view body = trim(text);
  if (body.empty()) {
    out.error = "empty JWKS";
    return out;
  }
  if (body.front() == '{') {
    // A key set names its keys; anything else is one key.
    out.json =
        body.find("\"keys\"") != std::string_view::npos ? std::string(body) : R"({"keys":[)" + std::string(body) + "]}";
    return out;
  }
  std::vector<std::string> keys;
  std::string_view rest = body;
  while (true) {
    const size_t begin = rest.find("-----BEGIN ");
    if (begin == std::string_view::npos) break;
    const size_t label_end = rest.find("-----", begin + 11);
    if (label_end == std::string_view::npos) break;
    const std::string label(rest.substr(begin + 11, label_end - begin - 11));
    const std::string footer = "-----END " + label + "-----";
    const size_t end = rest.find(footer, label_end + 5);
    if (end == std::string_view::npos) {
      out.error = "PEM block " + label + " has no end";
      return out;
    }
    auto der = base64_decode(rest.substr(label_end + 5, end - label_end - 5));
    rest = rest.substr(end + footer.size());
    if (!der) {
      out.error = "PEM block " + label + " is not valid base64";
      return out;
    }
    std::string error, key;
    if (label == "PUBLIC KEY") {
      key = spki_jwk(*der, error);
    } else if (label == "RSA PUBLIC KEY") {
      DerReader top(der->data(), der->size());
      if (auto seq = top.next(kSequence))
        key = rsa_jwk(*seq, error);
      else
        error = "invalid RSA public key";
    } else {
      error = "unsupported PEM block " + label;
    }
    if (!error.empty()) {
      out.error = error;
      return out;
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) {
    out.error = "neither a PEM public key nor a JSON Web Key";
    return out;
  }
  out.json = R"({"keys":[)";
  for (size_t i = 0; i < keys.size(); ++i) out.json += (i ? "," : "") + keys[i];
  out.json += "]}";
  return out;
}

}  // namespace kgw::filters
