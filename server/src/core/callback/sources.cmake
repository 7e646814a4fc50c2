list(APPEND OTK_CORE_SOURCES callback/call.cpp billing/billing.cpp)
list(APPEND OTK_CORE_TESTS callback/call_test.cpp billing/billing_test.cpp)
