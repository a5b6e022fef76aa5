#include "sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <stdexcept>

namespace kgw::aws {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and folds runs of spaces into one, as the canonical headers want values.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k), uri_encode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

// Headers by lower-case name (sorted), repeated ones joined with commas.
std::map<std::string, std::string> canonical_headers(const HttpRequest& request) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : request.headers) {
    auto [it, inserted] = out.emplace(lower(name), canonical_value(value));
    if (!inserted) it->second += "," + canonical_value(value);
  }
  return out;
}

SigV4Result compute(const HttpRequest& request, const std::map<std::string, std::string>& headers,
                    const Credentials& credentials, std::string_view region, std::string_view service,
                    std::string_view amz_date) {
  SigV4Result r;
  std::string header_block;
  for (const auto& [name, value] : headers) {
    header_block += name + ":" + value + "\n";
    if (!r.signed_headers.empty()) r.signed_headers += ';';
    r.signed_headers += name;
  }
  r.canonical_request = request.method + "\n" + uri_encode(request.path.empty() ? "/" : request.path, true) + "\n" +
                        canonical_query(request.query) + "\n" + header_block + "\n" + r.signed_headers + "\n" +
                        sha256_hex(request.body);
  const std::string date(amz_date.substr(0, 8));
  const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  r.string_to_sign =
      "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" + sha256_hex(r.canonical_request);
  r.signature = hex(hmac_sha256(signing_key(credentials.secret_access_key, date, region, service), r.string_to_sign));
  r.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                    ", SignedHeaders=" + r.signed_headers + ", Signature=" + r.signature;
  return r;
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [n, v] : headers)
    if (lower(n) == wanted) return v;
  return {};
}

std::string hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &size))
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string key = hmac_sha256("AWS4" + std::string(secret_access_key), date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, "aws4_request");
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigV4Result sign_request(HttpRequest& request, const Credentials& credentials, std::string_view region,
                         std::string_view service, std::string_view date) {
  if (request.header("x-amz-date").empty()) request.headers.emplace_back("X-Amz-Date", std::string(date));
  if (!credentials.session_token.empty() && request.header("x-amz-security-token").empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  SigV4Result r = compute(request, canonical_headers(request), credentials, region, service, date);
  request.headers.emplace_back("Authorization", r.authorization);
  return r;
}

SigV4Result compute_signature(const HttpRequest& request, const Credentials& credentials, std::string_view region,
                              std::string_view service, std::string_view date, std::string_view signed_headers) {
  std::map<std::string, std::string> all = canonical_headers(request), chosen;
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t end = signed_headers.find(';', start);
    if (end == std::string_view::npos) end = signed_headers.size();
    const std::string name(signed_headers.substr(start, end - start));
    if (!name.empty()) chosen[name] = all.count(name) ? all[name] : "";
    start = end + 1;
  }
  return compute(request, chosen, credentials, region, service, date);
}

}  // namespace kgw::aws
