// The toolchain fingerprint of the translation unit that includes this header.
#pragma once

#include <google/protobuf/stubs/common.h>

#include <boost/version.hpp>
#include <string>

#include "kgw/sdk/abi.h"

namespace kgw::sdk {

constexpr kgw_toolchain current_toolchain() {
  return kgw_toolchain {
#if defined(__clang__)
    "clang", __clang_major__, __clang_minor__,
#elif defined(__GNUC__)
    "gcc", __GNUC__, __GNUC_MINOR__,
#else
    "unknown", 0, 0,
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
        _GLIBCXX_USE_CXX11_ABI,
#else
        0,
#endif
        GOOGLE_PROTOBUF_VERSION, BOOST_VERSION, static_cast<uint32_t>(__cplusplus / 100)
  };
}

// "gcc 12.2, cxx11-abi 1, protobuf 3.21.12, boost 1.74, C++20"
inline std::string describe(const kgw_toolchain& t) {
  auto s = std::string(t.compiler ? t.compiler : "?") + " " + std::to_string(t.compiler_major) + "." +
           std::to_string(t.compiler_minor) + ", cxx11-abi " + std::to_string(t.cxx11_abi) + ", protobuf " +
           std::to_string(t.protobuf_version / 1000000) + "." + std::to_string(t.protobuf_version / 1000 % 1000) + "." +
           std::to_string(t.protobuf_version % 1000) + ", boost " + std::to_string(t.boost_version / 100000) + "." +
           std::to_string(t.boost_version / 100 % 1000) + ", C++" + std::to_string(t.cxx_standard % 100);
  return s;
}

}  // namespace kgw::sdk
