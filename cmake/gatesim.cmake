# Helpers shared by every folder's CMakeLists.txt.

# Warnings every target gets; -Werror only when GATESIM_WERROR is on (the `ci` preset).
add_library(gatesim_warnings INTERFACE)
target_compile_options(gatesim_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wnull-dereference)
if(GATESIM_WERROR)
  target_compile_options(gatesim_warnings INTERFACE -Werror)
endif()

# gatesim_library(NAME folder SOURCES ... DEPS ...)
# One library target per code folder: `gatesim_<folder>`. Headers are included as
# "<folder>/<file>.hpp" from the repository root. DEPS lists what DESIGN.md allows
# this folder to include (other gatesim_ targets and third-party targets).
function(gatesim_library folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target gatesim_${folder})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} gatesim_warnings)
  add_dependencies(${target} gatesim_layering)
endfunction()

# The dependency picture of DESIGN.md, checked on every build: an #include of a
# gatesim folder that the including folder may not use fails the build.
add_custom_target(gatesim_layering ALL
  COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/check_layering.cmake
  COMMENT "Checking include layering (DESIGN.md)"
  VERBATIM)
