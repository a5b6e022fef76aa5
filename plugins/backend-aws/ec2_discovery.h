// EC2 instance discovery for Backends with `spec.aws.ec2`: one background thread polls
// DescribeInstances for every watched Backend, keeps the last good addresses through failures,
// and tells the host (HostApi::refresh) when a Backend's addresses or condition change, so the
// Gateways using it are translated again with what build_cluster() now reads here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "aws_spec.h"
#include "credentials.h"
#include "ec2_api.h"
#include "kgw/sdk/object.h"

namespace kgw::aws {

struct Ec2DiscoveryOptions {
  std::optional<EndpointUrl> endpoint;  // unset: https://ec2.<region>.amazonaws.com/
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds timeout{5000};
};

// What to poll for one Backend. A change of any part (a rotated Secret, say) polls at once.
struct Ec2Target {
  std::string region;
  Ec2Spec spec;
  std::optional<Credentials> credentials;  // unset: `credentials_error` says why
  std::string credentials_error;

  friend bool operator==(const Ec2Target&, const Ec2Target&) = default;
};

// A Backend's current endpoints and its EndpointsDiscovered condition.
struct Ec2Endpoints {
  std::vector<std::string> addresses;  // sorted, unique
  sdk::Condition condition;
};

// The outcome of one poll: the matching instances, or why there are none to show.
struct Ec2PollFailure {
  std::string reason;  // Unreachable, Rejected, NoCredentials
  std::string message;
};
using Ec2PollResult = std::variant<std::vector<Ec2Instance>, Ec2PollFailure>;

// Every page of DescribeInstances for `target`, signed with its credentials. Blocking.
Ec2PollResult poll_instances(const Ec2DiscoveryOptions& options, const Ec2Target& target);

// The endpoint DescribeInstances goes to for `region`.
EndpointUrl ec2_endpoint(const Ec2DiscoveryOptions& options, const std::string& region);

class Ec2Discovery {
 public:
  using Notify = std::function<void(const sdk::ObjectRef& backend)>;

  Ec2Discovery(Ec2DiscoveryOptions options, Notify notify);
  ~Ec2Discovery();  // stops and joins the thread (a poll in flight ends within its timeout)
  Ec2Discovery(const Ec2Discovery&) = delete;
  Ec2Discovery& operator=(const Ec2Discovery&) = delete;

  // Starts (or updates) polling for `backend` and returns what is known now. Thread-safe; the
  // thread starts with the first watch.
  Ec2Endpoints watch(const sdk::ObjectRef& backend, const Ec2Target& target);

 private:
  struct Watch {
    Ec2Target target;
    uint64_t generation = 0;  // bumped when the target changes
    std::chrono::steady_clock::time_point due;
    Ec2Endpoints current;
  };
  void run();
  // Applies a poll's result; true when the Backend's endpoints or condition changed.
  bool apply(Watch& watch, const Ec2PollResult& result) const;

  const Ec2DiscoveryOptions options_;
  const Notify notify_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<sdk::ObjectRef, Watch> watches_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kgw::aws
