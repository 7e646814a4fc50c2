list(APPEND OTK_CORE_SOURCES leads/lead.cpp)
list(APPEND OTK_CORE_TESTS leads/lead_test.cpp)
