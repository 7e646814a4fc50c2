list(APPEND OTK_CORE_SOURCES hours/hours.cpp routing/routing.cpp)
list(APPEND OTK_CORE_TESTS hours/hours_test.cpp routing/routing_test.cpp)
