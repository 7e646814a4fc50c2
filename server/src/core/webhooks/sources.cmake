list(APPEND OTK_CORE_SOURCES webhooks/webhooks.cpp)
list(APPEND OTK_CORE_TESTS webhooks/webhooks_test.cpp)
# libsodium: HMAC-SHA256 for the webhook signature.
list(APPEND OTK_CORE_DEPS PkgConfig::SODIUM)
