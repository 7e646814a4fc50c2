# otk_module(NAME SOURCES ... DEPS ... [TESTS ...])
# One static library per module, compiled once and linked by the binary, tests and benchmarks alike.
# Test files are named by what they need: *_test.cpp (nothing, label unit), *_sqlitetest.cpp (a real SQLite
# file, label unit;sqlite). Each becomes one GoogleTest executable registered with CTest.
function(otk_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(otk_${name} STATIC ${M_SOURCES})
  target_include_directories(otk_${name} PUBLIC ${PROJECT_SOURCE_DIR}/server/src)
  target_link_libraries(otk_${name} PUBLIC ${M_DEPS})
  foreach(test_src IN LISTS M_TESTS)
    get_filename_component(test_name ${test_src} NAME_WE)
    add_executable(${test_name} ${test_src})
    target_link_libraries(${test_name} PRIVATE otk_${name} GTest::gtest GTest::gtest_main)
    set(labels unit)
    if(test_name MATCHES "_sqlitetest$")
      set(labels "unit;sqlite")
    endif()
    add_test(NAME ${test_name} COMMAND ${test_name})
    # Unit tests run under a timezone other than UTC so nothing silently depends on the machine's zone.
    set_tests_properties(${test_name} PROPERTIES LABELS "${labels}" TIMEOUT 120
      ENVIRONMENT "TZ=Asia/Vladivostok")
  endforeach()
endfunction()
