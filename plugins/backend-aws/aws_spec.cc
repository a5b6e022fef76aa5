#include "aws_spec.h"

#include <algorithm>
#include <cctype>

namespace kgw::aws {
namespace {

using sdk::Value;

bool all_of(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }
bool is_region_char(char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-'; }

// A string field: nullopt when absent; an error when present with another kind.
std::optional<std::string> string_at(const Value* parent, const char* key, const std::string& path,
                                     sdk::Diagnostics& diag) {
  const Value* v = parent ? parent->find(key) : nullptr;
  if (!v || v->is_null()) return std::nullopt;
  if (const std::string* s = v->as_string()) return *s;
  diag.error(path + "." + key, std::string("Invalid value: expected a string, got ") + v->kind_name());
  return std::nullopt;
}

bool valid_role_arn(std::string_view arn) {
  // ^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$
  if (!arn.starts_with("arn:aws")) return false;
  size_t i = 7;
  while (i < arn.size() && ((arn[i] >= 'a' && arn[i] <= 'z') || arn[i] == '-')) ++i;
  std::string_view rest = arn.substr(i);
  if (!rest.starts_with(":iam::")) return false;
  rest.remove_prefix(6);
  if (rest.size() < 12 || !all_of(rest.substr(0, 12), is_digit)) return false;
  rest.remove_prefix(12);
  return rest.starts_with(":role/") && rest.size() > 6;
}

AuthSpec parse_auth(const Value* auth, const std::string& path, sdk::Diagnostics& diag) {
  AuthSpec out;
  if (!auth || auth->is_null()) return out;
  if (!auth->is_map()) {
    diag.error(path, "Invalid value: expected an object");
    return out;
  }
  const auto type = string_at(auth, "type", path, diag);
  const Value* secret_ref = auth->find("secretRef");
  const Value* assume_role = auth->find("assumeRole");
  if (!type) {
    diag.error(path + ".type", "Required value");
  } else if (*type == "Secret") {
    out.type = AuthSpec::Type::Secret;
    if (!secret_ref)
      diag.error(path + ".secretRef", "Required value: secretRef must be specified when type is 'Secret'");
    else
      out.secret_name = string_at(secret_ref, "name", path + ".secretRef", diag).value_or("");
    if (secret_ref && out.secret_name.empty()) diag.error(path + ".secretRef.name", "Required value");
  } else if (*type == "AssumeRole") {
    out.type = AuthSpec::Type::AssumeRole;
    if (!assume_role)
      diag.error(path + ".assumeRole", "Required value: assumeRole must be specified when type is 'AssumeRole'");
    else if (auto arn = string_at(assume_role, "roleArn", path + ".assumeRole", diag); !arn)
      diag.error(path + ".assumeRole.roleArn", "Required value");
    else if (!valid_role_arn(*arn))
      diag.error(path + ".assumeRole.roleArn",
                 "Invalid value: \"" + *arn + "\": must look like arn:aws:iam::<12-digit account>:role/<name>");
    else
      out.role_arn = *arn;
  } else {
    diag.error(path + ".type", "Unsupported value: \"" + *type + "\": supported values: \"Secret\", \"AssumeRole\"");
  }
  if (secret_ref && type && *type != "Secret")
    diag.error(path + ".secretRef", "Forbidden: secretRef must be nil if the type is not 'Secret'");
  if (assume_role && type && *type != "AssumeRole")
    diag.error(path + ".assumeRole", "Forbidden: assumeRole must be nil if the type is not 'AssumeRole'");
  return out;
}

LambdaSpec parse_lambda(const Value& lambda, const std::optional<std::string>& aws_account, const std::string& path,
                        sdk::Diagnostics& diag) {
  LambdaSpec out;
  // The account on spec.aws.lambda wins over the deprecated spec.aws.accountId.
  auto account = string_at(&lambda, "accountId", path, diag);
  const std::string account_path = account ? path + ".accountId" : "spec.aws.accountId";
  if (!account) account = aws_account;
  if (!account)
    diag.error(path + ".accountId", "Required value: accountId must be specified on aws or aws.lambda");
  else if (!valid_account_id(*account))
    diag.error(account_path, "Invalid value: \"" + *account + "\": must be 12 digits");
  else
    out.account_id = *account;

  if (auto name = string_at(&lambda, "functionName", path, diag); !name)
    diag.error(path + ".functionName", "Required value");
  else if (!valid_function_name(*name))
    diag.error(path + ".functionName", "Invalid value: \"" + *name + "\": 1 to 140 letters, digits, '-' or '_'");
  else
    out.function_name = *name;

  if (auto qualifier = string_at(&lambda, "qualifier", path, diag)) {
    if (!valid_qualifier(*qualifier))
      diag.error(path + ".qualifier",
                 "Invalid value: \"" + *qualifier + "\": must be $LATEST, a version number or an alias name");
    else
      out.qualifier = *qualifier;
  }

  if (auto url = string_at(&lambda, "endpointURL", path, diag)) {
    std::string error;
    out.endpoint = parse_endpoint_url(*url, error);
    if (!out.endpoint) diag.error(path + ".endpointURL", "Invalid value: \"" + *url + "\": " + error);
  }

  if (auto mode = string_at(&lambda, "invocationMode", path, diag)) {
    if (*mode == "Async")
      out.async = true;
    else if (*mode != "Sync")
      diag.error(path + ".invocationMode",
                 "Unsupported value: \"" + *mode + "\": supported values: \"Sync\", \"Async\"");
  }
  if (auto mode = string_at(&lambda, "payloadTransformMode", path, diag)) {
    if (*mode == "None")
      out.payload_passthrough = true;
    else if (*mode != "Envoy")
      diag.error(path + ".payloadTransformMode",
                 "Unsupported value: \"" + *mode + "\": supported values: \"None\", \"Envoy\"");
  }
  return out;
}

Ec2Spec parse_ec2(const Value& ec2, const std::string& path, sdk::Diagnostics& diag) {
  Ec2Spec out;
  if (auto type = string_at(&ec2, "addressType", path, diag)) {
    if (*type == "PublicIP")
      out.public_ip = true;
    else if (*type != "PrivateIP")
      diag.error(path + ".addressType",
                 "Unsupported value: \"" + *type + "\": supported values: \"PrivateIP\", \"PublicIP\"");
  }
  if (const Value* port = ec2.find("port"); port && !port->is_null()) {
    auto n = port->as_int();
    if (!n || *n < 1 || *n > 65535)
      diag.error(path + ".port", "Invalid value: must be an integer between 1 and 65535");
    else
      out.port = static_cast<uint32_t>(*n);
  }
  if (const Value* filters = ec2.find("filters"); filters && !filters->is_null()) {
    const Value::List* list = filters->as_list();
    if (!list) {
      diag.error(path + ".filters", "Invalid value: expected a list");
      return out;
    }
    if (list->size() > 16) diag.error(path + ".filters", "Too many: must have at most 16 items");
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string at = path + ".filters[" + std::to_string(i) + "]";
      const Value& f = (*list)[i];
      auto key = string_at(&f, "key", at, diag);
      const Value* key_value = f.find("keyValue");
      if (key.has_value() == (key_value != nullptr)) {
        diag.error(at, "Invalid value: exactly one of the fields in [key keyValue] must be set");
        continue;
      }
      TagFilter filter;
      if (key) {
        filter.key = *key;
      } else {
        filter.key = string_at(key_value, "key", at + ".keyValue", diag).value_or("");
        filter.value = string_at(key_value, "value", at + ".keyValue", diag).value_or("");
        if (filter.value->empty()) diag.error(at + ".keyValue.value", "Required value");
      }
      if (filter.key.empty()) diag.error(at + (key ? ".key" : ".keyValue.key"), "Required value");
      out.filters.push_back(std::move(filter));
    }
  }
  return out;
}

}  // namespace

std::string EndpointUrl::to_string() const {
  const bool default_port = port == (https ? 443u : 80u);
  return std::string(https ? "https://" : "http://") + host + (default_port ? "" : ":" + std::to_string(port)) + path;
}

std::optional<EndpointUrl> parse_endpoint_url(std::string_view url, std::string& error) {
  EndpointUrl out;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    out.https = false;
    out.port = 80;
    url.remove_prefix(7);
  } else {
    error = "must start with http:// or https://";
    return std::nullopt;
  }
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    error = "user information is not allowed";
    return std::nullopt;
  }
  std::string_view host = authority;
  if (authority.starts_with("[")) {  // an IPv6 literal
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 address";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (!authority.empty()) {
    if (authority[0] != ':' || authority.size() < 2 || authority.size() > 6 || !all_of(authority.substr(1), is_digit)) {
      error = "invalid port";
      return std::nullopt;
    }
    const int port = std::stoi(std::string(authority.substr(1)));
    if (port < 1 || port > 65535) {
      error = "port must be between 1 and 65535";
      return std::nullopt;
    }
    out.port = static_cast<uint32_t>(port);
  }
  if (host.empty()) {
    error = "missing host";
    return std::nullopt;
  }
  out.host = std::string(host);
  return out;
}

bool valid_region(std::string_view region) {
  return !region.empty() && region.size() <= 63 && all_of(region, is_region_char);
}
bool valid_account_id(std::string_view account) { return account.size() == 12 && all_of(account, is_digit); }
bool valid_function_name(std::string_view name) {
  return !name.empty() && name.size() <= 140 && all_of(name, is_name_char);
}
bool valid_qualifier(std::string_view qualifier) {
  if (qualifier == "$LATEST") return true;
  return !qualifier.empty() && qualifier.size() <= 128 && all_of(qualifier, is_name_char);
}

std::string lambda_arn(std::string_view region, const LambdaSpec& lambda) {
  std::string arn = "arn:aws:lambda:";
  arn += region;
  arn += ":" + lambda.account_id + ":function:" + lambda.function_name + ":" + lambda.qualifier;
  return arn;
}

AwsBackendSpec parse_aws_backend(const Value* spec, sdk::Diagnostics& diag) {
  AwsBackendSpec out;
  const Value* aws = spec ? spec->find("aws") : nullptr;
  if (!aws || !aws->is_map()) {
    diag.error("spec.aws", "Required value: aws backend must be specified when type is 'AWS'");
    return out;
  }
  const std::string path = "spec.aws";
  if (auto region = string_at(aws, "region", path, diag)) {
    if (!valid_region(*region))
      diag.error(path + ".region", "Invalid value: \"" + *region + "\": lower-case letters, digits and '-'");
    else
      out.region = *region;
  }
  const auto account = string_at(aws, "accountId", path, diag);
  out.auth = parse_auth(aws->find("auth"), path + ".auth", diag);
  const Value* lambda = aws->find("lambda");
  const Value* ec2 = aws->find("ec2");
  if ((lambda != nullptr) == (ec2 != nullptr)) {
    diag.error(path, "Invalid value: exactly one of the fields in [lambda ec2] must be set");
    return out;
  }
  if (lambda) {
    if (!lambda->is_map())
      diag.error(path + ".lambda", "Invalid value: expected an object");
    else
      out.lambda = parse_lambda(*lambda, account, path + ".lambda", diag);
  } else {
    if (!ec2->is_map() && !ec2->is_null())
      diag.error(path + ".ec2", "Invalid value: expected an object");
    else
      out.ec2 = parse_ec2(*ec2, path + ".ec2", diag);
  }
  return out;
}

}  // namespace kgw::aws
