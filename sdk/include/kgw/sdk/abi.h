// The plugin ABI handshake: the one C-shaped contract between the host and a plugin library.
//
// A plugin exports exactly one symbol, the Boost.DLL alias `kgw_plugin_manifest`, naming a
// function that returns a pointer to a static kgw_plugin_manifest. The host reads and checks the
// manifest (magic, ABI version, toolchain) before it touches any C++ type from the library, and
// only then calls `register_plugin`. Everything past the manifest may use C++ types, because a
// matching toolchain fingerprint guarantees both sides lay them out the same way.
#pragma once

#include <stdint.h>

#define KGW_PLUGIN_MAGIC 0x4b475750u /* "KGWP" */

// Major: incompatible change (the host refuses a different major).
// Minor: backward-compatible additions (the host accepts plugins built for an older or equal minor).
#define KGW_ABI_MAJOR 1
#define KGW_ABI_MINOR 2
// 1.1: HostApi::find_object, HostApi::backend_cluster, HostApi::refresh.
// 1.2: agentgateway backend and policy kinds (Registry::add_agentgateway_backend_kind and
//      add_agentgateway_policy_kind; the 1.1 draft in that slot was never used).
#define KGW_SDK_VERSION "0.1.0"

// The name of the exported alias the host looks up.
#define KGW_PLUGIN_MANIFEST_SYMBOL "kgw_plugin_manifest"

#ifdef __cplusplus
extern "C" {
#endif

// What the plugin was compiled with. Any difference here can change the layout or the meaning of
// the C++ types that cross the boundary (std::string, protobuf messages, Boost types).
typedef struct kgw_toolchain {
  const char* compiler;  // "gcc" or "clang"
  uint32_t compiler_major;
  uint32_t compiler_minor;
  uint32_t cxx11_abi;         // _GLIBCXX_USE_CXX11_ABI
  uint32_t protobuf_version;  // GOOGLE_PROTOBUF_VERSION, e.g. 3021012
  uint32_t boost_version;     // BOOST_VERSION, e.g. 107400
  uint32_t cxx_standard;      // __cplusplus / 100, e.g. 2020
} kgw_toolchain;

// The registration entry. `context` is a kgw::sdk::RegistrationContext* owned by the host and
// valid only during the call. On failure the plugin writes a NUL-terminated message of at most
// `error_size` bytes (including the NUL) into `error` and returns non-zero. Must not throw.
typedef int (*kgw_register_fn)(void* context, char* error, uint32_t error_size);

typedef struct kgw_plugin_manifest {
  uint32_t magic;  // KGW_PLUGIN_MAGIC
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* sdk_version;
  kgw_toolchain toolchain;
  const char* name;  // unique among loaded plugins, [a-z0-9-]+
  const char* version;
  const char* description;
  kgw_register_fn register_plugin;
} kgw_plugin_manifest;

// The signature of the function the alias names. The returned manifest and every string it points
// to are static: they live as long as the library, which the host never unloads.
typedef const kgw_plugin_manifest* (*kgw_manifest_fn)(void);

#ifdef __cplusplus
}
#endif
