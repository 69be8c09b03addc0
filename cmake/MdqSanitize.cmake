# Sanitizer and fuzzing builds of the host code (docs/RELIABILITY.md).
#   -DMDQ_SANITIZE=address,undefined   every C/C++ object and link (gcc or clang); any report
#                                      aborts the process, so a test with a finding fails
#   -DMDQ_FUZZ=ON                      clang only: coverage for libFuzzer in every object, and the
#                                      tests/fuzz targets linked with libFuzzer's driver
# CUDA code is not instrumented: sanitizer builds are CPU builds (tools/test.sh sets MDQ_CUDA=OFF).
set(MDQ_SANITIZE "" CACHE STRING "Sanitizers for the host code, e.g. address,undefined")
option(MDQ_FUZZ "Build the libFuzzer targets of tests/fuzz (needs clang)" OFF)

if(MDQ_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MDQ_FUZZ=ON needs clang (CMAKE_CXX_COMPILER=clang++), not "
                        "${CMAKE_CXX_COMPILER_ID}; tools/fuzz.sh configures it")
  endif()
  if(NOT MDQ_SANITIZE)
    set(MDQ_SANITIZE address,undefined)
  endif()
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>)
endif()

if(MDQ_SANITIZE)
  # No recovery: a finding is a failure, not a line in a log nobody reads.
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=${MDQ_SANITIZE}>
                      $<$<COMPILE_LANGUAGE:C,CXX>:-fno-sanitize-recover=all>
                      $<$<COMPILE_LANGUAGE:C,CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=${MDQ_SANITIZE})
  message(STATUS "mdq: sanitizers ${MDQ_SANITIZE}")
endif()
