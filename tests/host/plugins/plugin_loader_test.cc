#include "plugins/plugin_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kgw/sdk/toolchain.h"

namespace kgw::plugins {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kDir = KGW_TEST_PLUGIN_DIR;

Refusal refused(PluginLoader& loader, const std::string& file, ExtensionRegistry& registry,
                sdk::Value config = sdk::Value::Map{}, std::string expected_name = "") {
  auto outcome = loader.load({kDir / file, std::move(expected_name), std::move(config)}, registry);
  EXPECT_TRUE(std::holds_alternative<Refusal>(outcome)) << file << " was loaded but should be refused";
  if (auto* r = std::get_if<Refusal>(&outcome)) return *r;
  return {};
}

TEST(PluginLoader, LoadsAGoodPluginAndSeesItsRegistrations) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto outcome = loader.load({kDir / "good.so", "good", sdk::Value::Map{}}, registry);
  ASSERT_TRUE(std::holds_alternative<LoadedPlugin>(outcome)) << std::get<Refusal>(outcome).message;
  const auto& loaded = std::get<LoadedPlugin>(outcome);
  EXPECT_EQ(loaded.manifest.name, "good");
  EXPECT_EQ(loaded.manifest.version, "1.2.3");
  EXPECT_EQ(loaded.manifest.abi_major, KGW_ABI_MAJOR);
  EXPECT_EQ(loaded.manifest.toolchain_description, sdk::describe(sdk::current_toolchain()));
  EXPECT_THAT(loaded.registrations, ElementsAre("backend type Echo", "policy kind EchoPolicy.test.kgw.dev"));
  ASSERT_NE(registry.backend_type("Echo"), nullptr);
  EXPECT_EQ(registry.backend_type("Echo")->type(), "Echo");
  EXPECT_NE(registry.policy_kind({"test.kgw.dev", "EchoPolicy"}), nullptr);
  EXPECT_EQ(registry.backend_types().at("Echo").owner, "good");
}

TEST(PluginLoader, PassesConfigurationAndReportsRejectedKeysWithTheirPaths) {
  PluginLoader loader;
  ExtensionRegistry registry;
  sdk::Value config = sdk::Value::Map{};
  config.set("greeting", 42);
  auto r = refused(loader, "good.so", registry, config);
  EXPECT_THAT(r.message, HasSubstr("registration failed: greeting: expected a string, got a integer"));
  EXPECT_THAT(r.config_errors, ElementsAre(sdk::FieldError{"greeting", "expected a string, got a integer"}));

  config = sdk::Value::Map{};
  config.set("greeting", "hello");
  auto ok = loader.load({kDir / "good.so", "good", config}, registry);
  EXPECT_TRUE(std::holds_alternative<LoadedPlugin>(ok));
}

TEST(PluginLoader, RefusesAMissingFile) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "does_not_exist.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "does_not_exist.so").string() + ": file does not exist");
}

TEST(PluginLoader, RefusesAFileThatIsNotALibrary) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "not_a_library.so", registry);
  EXPECT_THAT(r.message,
              HasSubstr("plugin " + (kDir / "not_a_library.so").string() + ": not a loadable shared library ("));
}

TEST(PluginLoader, RefusesALibraryWithoutTheManifestSymbol) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "missing_symbol.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "missing_symbol.so").string() +
                           ": no 'kgw_plugin_manifest' symbol; not a kgw plugin (a plugin declares itself with "
                           "KGW_PLUGIN from <kgw/sdk/plugin.h>)");
}

TEST(PluginLoader, RefusesAManifestWithBadMagic) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "bad_magic.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "bad_magic.so").string() +
                           ": 'kgw_plugin_manifest' returned no valid manifest (bad magic number)");
}

TEST(PluginLoader, RefusesAnotherAbiMajor) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "wrong_abi_major.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "wrong_abi_major.so").string() + ": built for plugin ABI " +
                           std::to_string(KGW_ABI_MAJOR + 1) + "." + std::to_string(KGW_ABI_MINOR) +
                           ", but this host speaks ABI " + std::to_string(KGW_ABI_MAJOR) + "." +
                           std::to_string(KGW_ABI_MINOR) +
                           " (the major version must match); rebuild the plugin against this host's SDK");
}

TEST(PluginLoader, RefusesANewerAbiMinor) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "newer_abi_minor.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "newer_abi_minor.so").string() +
                           " (newer-abi-minor 0.0.1): built for plugin ABI " + std::to_string(KGW_ABI_MAJOR) + "." +
                           std::to_string(KGW_ABI_MINOR + 1) + ", newer than this host's ABI " +
                           std::to_string(KGW_ABI_MAJOR) + "." + std::to_string(KGW_ABI_MINOR) +
                           "; upgrade kgw or rebuild the plugin against this host's SDK");
}

TEST(PluginLoader, RefusesAToolchainMismatchNamingWhatDiffers) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "toolchain_mismatch.so", registry);
  kgw_toolchain theirs = sdk::current_toolchain();
  theirs.protobuf_version = 3019006;
  theirs.cxx11_abi = 0;
  const kgw_toolchain host = sdk::current_toolchain();
  EXPECT_EQ(r.message, "plugin " + (kDir / "toolchain_mismatch.so").string() +
                           " (toolchain-mismatch 0.0.1): toolchain mismatch: built with " + sdk::describe(theirs) +
                           ", but this host needs " + sdk::describe(host) +
                           " (differs in _GLIBCXX_USE_CXX11_ABI=0 (host: " + std::to_string(host.cxx11_abi) +
                           "), protobuf 3019006 (host: " + std::to_string(host.protobuf_version) + "))");
}

TEST(PluginLoader, RefusesAThrowingRegistration) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "throwing_registration.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "throwing_registration.so").string() +
                           " (throwing-registration 0.0.1): registration failed: registration threw: boom");
  EXPECT_TRUE(registry.empty());
}

TEST(PluginLoader, AFailedRegistrationAddsNothingAndKeepsEveryError) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "failing_registration.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "failing_registration.so").string() +
                           " (failing-registration 0.0.1): registration failed: region: unknown region 'mars-1'\n"
                           "limits.rps: must be positive");
  EXPECT_THAT(r.config_errors, ElementsAre(sdk::FieldError{"region", "unknown region 'mars-1'"},
                                           sdk::FieldError{"limits.rps", "must be positive"}));
  EXPECT_TRUE(registry.empty());
}

TEST(PluginLoader, RefusesAPluginWhoseNameDiffersFromTheConfiguration) {
  PluginLoader loader;
  ExtensionRegistry registry;
  auto r = refused(loader, "good.so", registry, sdk::Value::Map{}, "other");
  EXPECT_EQ(r.message, "plugin " + (kDir / "good.so").string() +
                           " (good 1.2.3): the configuration names it 'other', but the plugin calls itself 'good'");
}

TEST(PluginLoader, RefusesARegistrationThatConflictsWithAnEarlierOne) {
  PluginLoader loader;
  ExtensionRegistry registry;
  ASSERT_TRUE(std::holds_alternative<LoadedPlugin>(loader.load({kDir / "good.so", "", sdk::Value::Map{}}, registry)));
  auto r = refused(loader, "good.so", registry);
  EXPECT_EQ(r.message, "plugin " + (kDir / "good.so").string() +
                           " (good 1.2.3): backend type Echo is already registered by good\n"
                           "policy kind EchoPolicy.test.kgw.dev is already registered by good");
  EXPECT_EQ(registry.backend_types().size(), 1u);
}

TEST(PluginLoader, ReadsAManifestWithoutRegistering) {
  PluginLoader loader;
  auto outcome = loader.read_manifest(kDir / "good.so");
  ASSERT_TRUE(std::holds_alternative<ManifestInfo>(outcome));
  EXPECT_EQ(std::get<ManifestInfo>(outcome).description, "test plugin that registers one of each");
}

}  // namespace
}  // namespace kgw::plugins
