# Shared compile settings and the one-line helper that adds a tool.

add_library(dskit_flags INTERFACE)
target_compile_options(dskit_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                       -Wno-sign-conversion)
# GCC 12 reports false -Wrestrict overlaps inside std::string concatenation at -O3 (GCC bug 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(dskit_flags INTERFACE -Wno-restrict)
endif()
if(DSKIT_WERROR)
  target_compile_options(dskit_flags INTERFACE -Werror)
endif()
if(DSKIT_SANITIZE)
  target_compile_options(dskit_flags INTERFACE -fsanitize=${DSKIT_SANITIZE} -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(dskit_flags INTERFACE -fsanitize=${DSKIT_SANITIZE})
endif()

# dskit_add_tool(name): builds apps/<name>/*.cpp into the binary <name>, linked to the command-line library; each tool then links the modules it uses.
function(dskit_add_tool name)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/apps/${name}/*.cpp)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE dskit_app dskit_flags CLI11::CLI11 fmt::fmt)
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/man/${name}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()

# dskit_add_module(name [DEPS module...] [PUBLIC lib...] [PRIVATE lib...]): builds the *.cpp of the calling
# folder (lib/dskit/<module>/) into the static library dskit_<name>, linked to the dskit modules it uses
# (DEPS, by module name) and to its own third-party libraries: PUBLIC where its headers expose them, PRIVATE
# otherwise, so a tool links only what the modules it uses need.
function(dskit_add_module name)
  cmake_parse_arguments(M "" "" "DEPS;PUBLIC;PRIVATE" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(dskit_${name} STATIC ${sources})
  target_include_directories(dskit_${name} PUBLIC ${PROJECT_SOURCE_DIR}/lib)
  list(TRANSFORM M_DEPS PREPEND dskit_)
  target_link_libraries(dskit_${name} PUBLIC ${M_DEPS} ${M_PUBLIC} PRIVATE dskit_flags ${M_PRIVATE})
endfunction()
