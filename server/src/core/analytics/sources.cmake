list(APPEND OTK_CORE_SOURCES analytics/report.cpp)
list(APPEND OTK_CORE_TESTS analytics/report_test.cpp)
