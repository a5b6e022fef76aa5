// The status of every object, merged from the outputs of every translated Gateway. An object that
// several Gateways looked at (an HTTPRoute attached to two Gateways, a policy with two ancestors)
// gets one status holding what each of them reported.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kgw/sdk/object.h"
#include "kgw/sdk/value.h"
#include "translator/output.h"

namespace kgw::serve {

// section -> object key -> status, as in translator::Output::statuses.
using Statuses = std::map<std::string, std::map<std::string, sdk::Value>>;

// Gateway -> its latest output.
using GatewayOutputs = std::map<sdk::ObjectRef, std::shared_ptr<const translator::Output>>;

// Merges in Gateway order: the `parents` (routes) and `ancestors` (policies) lists are
// concatenated, leaving out entries equal to one already there; other maps are merged key by key;
// for any other field the first Gateway's value stands.
Statuses merge_statuses(const GatewayOutputs& outputs);

// The merged status of one object (section and key as in translator::Output::statuses), or
// nullopt when no output has one.
std::optional<sdk::Value> merged_status(const GatewayOutputs& outputs, const std::string& section,
                                        const std::string& key);

// Merges `from` into `into` by the rule above.
void merge_status(sdk::Value& into, const sdk::Value& from);
// The same for every object of `from`.
void merge_statuses(Statuses& into, const Statuses& from);

}  // namespace kgw::serve
