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

# dskit_add_tool(name): builds apps/<name>/*.cpp into the binary <name>, linked to the core library.
function(dskit_add_tool name)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/apps/${name}/*.cpp)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE dskit_app dskit_core dskit_flags CLI11::CLI11 fmt::fmt)
  install(TARGETS ${name} RUNTIME DESTINATION bin)
  install(FILES ${PROJECT_SOURCE_DIR}/man/${name}.1 DESTINATION share/man/man1 OPTIONAL)
endfunction()
