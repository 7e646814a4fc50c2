list(APPEND OTK_CORE_SOURCES engage/engage.cpp engage/politeness.cpp)
list(APPEND OTK_CORE_TESTS engage/engage_test.cpp engage/politeness_test.cpp)
