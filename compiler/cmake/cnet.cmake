# cnet.cmake - cnet_add_model(): compile a .cnet model into C at build time
# and add it to a target, as one would with flex or protoc.
#
#   cnet_add_model(TARGET MODEL.cnet [PREFIX P] [PRECISION float|double]
#                  [OUTPUT_DIR DIR] [OPTIONS opt...])
#
# Runs `cnetc compile MODEL.cnet -o DIR/NAME.c --header DIR/NAME.h` (NAME:
# the file name without .cnet; DIR: ${CMAKE_CURRENT_BINARY_DIR}/cnet), adds
# NAME.c to TARGET's sources and DIR to its include directories, and links
# TARGET with libcnetrt (the target Cnet::cnetrt when it exists, as
# find_package(Cnet) defines it).  PREFIX sets the prefix of the exported
# symbols (default: the model name), so that several models link into one
# program.  cnetc also writes a depfile naming every file the model reads
# (the model and its csv "..." constants); it is given to CMake through
# DEPFILE with the Ninja generators and, from CMake 3.20, with the Makefile
# generators, so that editing one of those files regenerates the C.  With
# older CMake and Makefiles, only the model itself is a dependency.
#
# The cnetc used is ${CNET_EXECUTABLE}; when it is not set, cnetc is looked
# up on PATH.
include_guard(GLOBAL)

if(NOT CNET_EXECUTABLE)
  find_program(CNET_EXECUTABLE cnetc)
endif()

function(cnet_add_model target model)
  cmake_parse_arguments(PARSE_ARGV 2 CNET "" "PREFIX;PRECISION;OUTPUT_DIR" "OPTIONS")
  if(CNET_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cnet_add_model: unknown arguments ${CNET_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT CNET_EXECUTABLE)
    message(FATAL_ERROR "cnet_add_model: cnetc not found; set CNET_EXECUTABLE or put cnetc on PATH")
  endif()
  get_filename_component(model_abs "${model}" ABSOLUTE)
  get_filename_component(name "${model}" NAME_WE)
  if(NOT CNET_OUTPUT_DIR)
    set(CNET_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/cnet")
  endif()
  set(c_file "${CNET_OUTPUT_DIR}/${name}.c")
  set(h_file "${CNET_OUTPUT_DIR}/${name}.h")
  set(d_file "${CNET_OUTPUT_DIR}/${name}.d")
  set(args compile "${model_abs}" -o "${c_file}" --header "${h_file}")
  if(CNET_PREFIX)
    list(APPEND args --prefix "${CNET_PREFIX}")
  endif()
  if(CNET_PRECISION)
    list(APPEND args --precision "${CNET_PRECISION}")
  endif()
  list(APPEND args ${CNET_OPTIONS})
  file(MAKE_DIRECTORY "${CNET_OUTPUT_DIR}")

  set(depfile_ok FALSE)
  if(CMAKE_GENERATOR MATCHES "Ninja" OR
     (CMAKE_GENERATOR MATCHES "Makefiles" AND NOT CMAKE_VERSION VERSION_LESS 3.20))
    set(depfile_ok TRUE)
  endif()
  if(depfile_ok)
    if(POLICY CMP0116)
      cmake_policy(SET CMP0116 NEW) # depfile paths as written (ours are absolute)
    endif()
    add_custom_command(OUTPUT "${c_file}" "${h_file}"
      COMMAND "${CNET_EXECUTABLE}" ${args} --depfile "${d_file}"
      DEPENDS "${model_abs}"
      DEPFILE "${d_file}"
      COMMENT "cnetc: ${model}"
      VERBATIM)
  else()
    add_custom_command(OUTPUT "${c_file}" "${h_file}"
      COMMAND "${CNET_EXECUTABLE}" ${args}
      DEPENDS "${model_abs}"
      COMMENT "cnetc: ${model}"
      VERBATIM)
  endif()
  target_sources(${target} PRIVATE "${c_file}" "${h_file}")
  target_include_directories(${target} PRIVATE "${CNET_OUTPUT_DIR}")
  if(TARGET Cnet::cnetrt)
    target_link_libraries(${target} PRIVATE Cnet::cnetrt)
  endif()
endfunction()
