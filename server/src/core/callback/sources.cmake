list(APPEND OTK_CORE_SOURCES callback/call.cpp callback/settings.cpp billing/billing.cpp callback/fraud.cpp hours/slots.cpp)
list(APPEND OTK_CORE_TESTS callback/call_test.cpp callback/settings_test.cpp billing/billing_test.cpp callback/fraud_test.cpp hours/slots_test.cpp)
