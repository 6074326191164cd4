# Helpers shared by every folder's CMakeLists.txt.

# Warnings every target gets; -Werror when GATESIM_WERROR is on (the `release` preset, CI's too).
add_library(gatesim_warnings INTERFACE)
target_compile_options(gatesim_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wnull-dereference)
if(GATESIM_WERROR)
  target_compile_options(gatesim_warnings INTERFACE -Werror)
endif()

# gatesim_library(<folder> DEPS ... [PRIVATE_DEPS ...])
# One library target per code folder: `gatesim_<folder>`, made of every .cpp in the folder.
# Headers are included as "<folder>/<file>.hpp" from the repository root. DEPS lists what
# DESIGN.md allows this folder to use (other gatesim_ targets and third-party targets).
function(gatesim_library folder)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  set(target gatesim_${folder})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT sources)  # a folder whose issue has not landed yet: headers only
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(${target} STATIC ${sources})
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

# gatesim_plugin(<name> SOURCES <files> LIBS <targets>)
# A plugin (models/plugin.hpp): the MODULE library <name>.so, written next to the gatesim program
# (GATESIM_PLUGIN_DIR) and installed to lib/gatesim. It links its own copy of the project code it
# uses and exports only its gatesim_* entry points (cmake/plugin.map), so its symbols cannot clash
# with the program's. Building `gatesim` builds every plugin (the top-level CMakeLists.txt).
function(gatesim_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${GATESIM_PLUGIN_DIR}
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} gatesim_warnings)
  # --as-needed: only the shared libraries the plugin's code uses (the static libraries' usage
  # requirements list more); --no-undefined: a missing symbol fails the build, not the dlopen.
  target_link_options(${name} PRIVATE -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin.map
    -Wl,--as-needed -Wl,--no-undefined)
  set_target_properties(${name} PROPERTIES LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/plugin.map)
  add_dependencies(${name} gatesim_layering)
  set_property(GLOBAL APPEND PROPERTY GATESIM_PLUGINS ${name})
  install(TARGETS ${name} LIBRARY DESTINATION lib/gatesim)
endfunction()
