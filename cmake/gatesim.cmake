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
