#include "ec2_discovery.h"

#include <algorithm>

#include "http_client.h"
#include "sigv4.h"

namespace kgw::aws {
namespace {

constexpr int kMaxPages = 50;
constexpr const char* kConditionType = "EndpointsDiscovered";

bool rejected_code(const std::string& code) {
  return code == "AuthFailure" || code == "SignatureDoesNotMatch" || code == "InvalidClientTokenId" ||
         code == "UnauthorizedOperation" || code == "UnrecognizedClientException" || code == "ExpiredToken" ||
         code == "RequestExpired" || code == "OptInRequired" || code == "Blocked";
}

std::string plural(size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

}  // namespace

EndpointUrl ec2_endpoint(const Ec2DiscoveryOptions& options, const std::string& region) {
  if (options.endpoint) return *options.endpoint;
  return EndpointUrl{true, "ec2." + region + ".amazonaws.com", 443, "/"};
}

Ec2PollResult poll_instances(const Ec2DiscoveryOptions& options, const Ec2Target& target) {
  const EndpointUrl endpoint = ec2_endpoint(options, target.region);
  if (!target.credentials) return Ec2PollFailure{"NoCredentials", target.credentials_error};
  std::vector<Ec2Instance> instances;
  std::string token;
  for (int page = 0; page < kMaxPages; ++page) {
    HttpRequest request;
    request.method = "POST";
    request.path = endpoint.path;
    const bool default_port = endpoint.port == (endpoint.https ? 443u : 80u);
    request.headers = {{"Host", endpoint.host + (default_port ? "" : ":" + std::to_string(endpoint.port))},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = form_encode(describe_instances_params(target.spec, token));
    sign_request(request, *target.credentials, target.region, "ec2", amz_date(std::chrono::system_clock::now()));

    auto sent = send_http(endpoint, request, options.timeout);
    if (auto* error = std::get_if<std::string>(&sent))
      return Ec2PollFailure{"Unreachable", "cannot reach the EC2 API at " + endpoint.to_string() + ": " + *error};
    const HttpResponse& response = std::get<HttpResponse>(sent);
    if (response.status != 200) {
      const Ec2ApiError e = parse_ec2_error(response.body);
      const bool rejected = response.status == 401 || response.status == 403 || rejected_code(e.code);
      return Ec2PollFailure{rejected ? "Rejected" : "APIError",
                            "the EC2 API at " + endpoint.to_string() + " answered HTTP " +
                                std::to_string(response.status) + (e.code.empty() ? "" : " " + e.code) +
                                (e.message.empty() ? "" : ": " + e.message)};
    }
    auto parsed = parse_describe_instances(response.body);
    if (auto* e = std::get_if<Ec2ApiError>(&parsed))
      return Ec2PollFailure{"APIError",
                            "the EC2 API at " + endpoint.to_string() + " answered " + e->code + ": " + e->message};
    auto& result = std::get<DescribeInstancesPage>(parsed);
    instances.insert(instances.end(), result.instances.begin(), result.instances.end());
    if (result.next_token.empty()) return instances;
    token = result.next_token;
  }
  return Ec2PollFailure{"APIError", "DescribeInstances returned more than " + std::to_string(kMaxPages) + " pages"};
}

Ec2Discovery::Ec2Discovery(Ec2DiscoveryOptions options, Notify notify)
    : options_(std::move(options)), notify_(std::move(notify)) {}

Ec2Discovery::~Ec2Discovery() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Ec2Endpoints Ec2Discovery::watch(const sdk::ObjectRef& backend, const Ec2Target& target) {
  std::lock_guard lock(mu_);
  auto [it, added] = watches_.try_emplace(backend);
  Watch& w = it->second;
  if (added) {
    w.current.condition = {kConditionType, sdk::Condition::Status::Unknown, "Pending",
                           "waiting for the first answer of the EC2 API", 0};
  }
  if (added || !(w.target == target)) {
    w.target = target;
    ++w.generation;
    w.due = std::chrono::steady_clock::now();
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    cv_.notify_all();
  }
  return w.current;
}

bool Ec2Discovery::apply(Watch& w, const Ec2PollResult& result) const {
  Ec2Endpoints next = w.current;
  if (const auto* instances = std::get_if<std::vector<Ec2Instance>>(&result)) {
    next.addresses.clear();
    size_t without_address = 0;
    for (const auto& instance : *instances) {
      const std::string& ip = w.target.spec.public_ip ? instance.public_ip : instance.private_ip;
      if (ip.empty())
        ++without_address;
      else
        next.addresses.push_back(ip);
    }
    std::sort(next.addresses.begin(), next.addresses.end());
    next.addresses.erase(std::unique(next.addresses.begin(), next.addresses.end()), next.addresses.end());
    std::string message = plural(instances->size(), "running instance") + " matched";
    if (without_address)
      message += "; " + plural(without_address, "instance") + " without a " +
                 (w.target.spec.public_ip ? "public" : "private") + " IP address skipped";
    next.condition = {kConditionType, sdk::Condition::Status::True, "Discovered", message, 0};
  } else {
    const auto& failure = std::get<Ec2PollFailure>(result);
    // The last known endpoints stay: a failing API must not take a working backend away.
    next.condition = {kConditionType, sdk::Condition::Status::False, failure.reason,
                      failure.message + "; keeping the last " + plural(next.addresses.size(), "known endpoint"), 0};
  }
  const bool changed = next.addresses != w.current.addresses || !(next.condition == w.current.condition);
  w.current = std::move(next);
  return changed;
}

void Ec2Discovery::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto next = watches_.end();
    for (auto it = watches_.begin(); it != watches_.end(); ++it)
      if (next == watches_.end() || it->second.due < next->second.due) next = it;
    if (next == watches_.end()) {
      cv_.wait(lock);
      continue;
    }
    if (next->second.due > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, next->second.due);
      continue;
    }
    const sdk::ObjectRef backend = next->first;
    const Ec2Target target = next->second.target;
    const uint64_t generation = next->second.generation;
    next->second.due = std::chrono::steady_clock::now() + options_.interval;
    lock.unlock();
    const Ec2PollResult result = poll_instances(options_, target);
    lock.lock();
    auto it = watches_.find(backend);
    // A target changed meanwhile is polled again at once; this answer is for the old one.
    if (stopping_ || it == watches_.end() || it->second.generation != generation) continue;
    if (apply(it->second, result)) {
      lock.unlock();
      notify_(backend);
      lock.lock();
    }
  }
}

}  // namespace kgw::aws
