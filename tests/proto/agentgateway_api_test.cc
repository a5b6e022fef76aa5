// agentgateway's API as generated from the project's .proto files: everything reachable from the
// two served roots is there (the counts of the wire facts), and a few encodings are pinned to
// their bytes, so a renumbered or retyped field fails here rather than in a proxy.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agentgateway/dev/resource/resource.pb.h"
#include "istio/workload/workload.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

struct Closure {
  std::set<const Descriptor*> messages;
  std::set<const EnumDescriptor*> enums;
  size_t fields = 0;

  void add(const Descriptor* d) {
    if (d->file()->package().starts_with("google.protobuf")) return;
    if (!messages.insert(d).second) return;
    if (!d->options().map_entry()) fields += d->field_count();
    for (int i = 0; i < d->nested_type_count(); ++i) add(d->nested_type(i));
    for (int i = 0; i < d->enum_type_count(); ++i) enums.insert(d->enum_type(i));
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->message_type()) add(f->message_type());
      if (f->enum_type()) enums.insert(f->enum_type());
    }
  }
  size_t plain_messages() const {
    size_t n = 0;
    for (const auto* m : messages) n += m->options().map_entry() ? 0 : 1;
    return n;
  }
};

TEST(AgentgatewayApi, ReachableFromTheRootsIsComplete) {
  Closure c;
  c.add(agentgateway::dev::resource::Resource::descriptor());
  c.add(istio::workload::Address::descriptor());
  EXPECT_EQ(c.plain_messages(), 206u);
  EXPECT_EQ(c.messages.size() - c.plain_messages(), 22u);  // map entries
  EXPECT_EQ(c.enums.size(), 67u);
  EXPECT_EQ(c.fields, 764u);
}

TEST(AgentgatewayApi, TypeUrlsComeFromThePackages) {
  EXPECT_EQ(agentgateway::dev::resource::Resource::descriptor()->full_name(), "agentgateway.dev.resource.Resource");
  EXPECT_EQ(istio::workload::Address::descriptor()->full_name(), "istio.workload.Address");
}

TEST(AgentgatewayApi, BindEncodesWithItsFieldNumbers) {
  agentgateway::dev::resource::Resource r;
  auto* bind = r.mutable_bind();
  bind->set_key("k");
  bind->set_port(80);
  bind->set_protocol(agentgateway::dev::resource::Bind::TLS);
  std::string bytes;
  ASSERT_TRUE(r.SerializeToString(&bytes));
  // Resource.bind = 1 (length 7): key = 1 "k", port = 2 varint 80, protocol = 3 varint 2.
  EXPECT_EQ(bytes, std::string("\x0a\x07\x0a\x01k\x10\x50\x18\x02", 9));
}

TEST(AgentgatewayApi, ExplicitPresenceAndBytesWhereTheWireNeedsThem) {
  const Descriptor* tls = agentgateway::dev::resource::TLSConfig::descriptor();
  ASSERT_NE(tls->FindFieldByName("root"), nullptr);
  EXPECT_TRUE(tls->FindFieldByName("root")->has_presence());
  EXPECT_EQ(tls->FindFieldByName("cert")->type(), FieldDescriptor::TYPE_BYTES);
  const Descriptor* workload = istio::workload::Workload::descriptor();
  EXPECT_EQ(workload->FindFieldByName("addresses")->type(), FieldDescriptor::TYPE_BYTES);
  EXPECT_TRUE(workload->FindFieldByName("addresses")->is_repeated());
}

TEST(AgentgatewayApi, JsonUsesLowerCamelCaseNames) {
  agentgateway::dev::resource::Resource r;
  r.mutable_listener()->set_key("default/gw.http");
  r.mutable_listener()->set_bind_key("80/default/gw");
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(r, &json).ok());
  EXPECT_EQ(json, R"({"listener":{"key":"default/gw.http","bindKey":"80/default/gw"}})");
}

}  // namespace
