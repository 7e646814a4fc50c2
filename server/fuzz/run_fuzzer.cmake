# One bounded fuzzing run, as a CTest test (server/fuzz/CMakeLists.txt):
#   cmake -DFUZZER=... -DTARGET=... -DSEEDS=<repo corpus dir> -DWORK=<build dir>/fuzz [-DDICT=...] -DSECONDS=12 -P run_fuzzer.cmake
# The repository's seeds are copied into WORK/corpus/TARGET, which the fuzzer then grows (and keeps between
# runs); the repository is never written. Whatever crashes is saved as WORK/crashes/TARGET-crash-<sha1> and
# fails the test. Reproduce one with: build-fuzz/server/fuzz/fuzz_<target> <that file>
foreach(var FUZZER TARGET SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is missing")
  endif()
endforeach()

set(corpus ${WORK}/corpus/${TARGET})
file(MAKE_DIRECTORY ${corpus} ${WORK}/crashes)
file(GLOB seeds ${SEEDS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${corpus})
endif()

set(args -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=1024 -print_final_stats=1
  -artifact_prefix=${WORK}/crashes/${TARGET}-)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
if(SYMBOLIZER AND NOT DEFINED ENV{ASAN_SYMBOLIZER_PATH})
  set(ENV{ASAN_SYMBOLIZER_PATH} ${SYMBOLIZER})
endif()
if(NOT DEFINED ENV{UBSAN_OPTIONS})
  set(ENV{UBSAN_OPTIONS} print_stacktrace=1)
endif()
list(JOIN args " " shown)
message(STATUS "${FUZZER} ${shown} ${corpus}")
execute_process(COMMAND ${FUZZER} ${args} ${corpus} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz_${TARGET} failed (${rc}): the input is in ${WORK}/crashes/ (see the output above)")
endif()
