# kgw_add_plugin(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>])
#
# Builds a kgw plugin: a MODULE library named kgw-<target>.so that links the SDK, exports only
# its manifest alias (hidden visibility) and has no undefined symbols, so a missing dependency
# fails at link time rather than when the host loads it.
function(kgw_add_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET kgw_sdk)
    target_link_libraries(${target} PRIVATE kgw_sdk)
  else()
    target_link_libraries(${target} PRIVATE KgwSdk::sdk)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "kgw-${target}"
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
endfunction()
