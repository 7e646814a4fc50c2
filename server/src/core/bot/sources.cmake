list(APPEND OTK_CORE_SOURCES bot/bot.cpp)
list(APPEND OTK_CORE_TESTS bot/bot_test.cpp)
# Debian's libstemmer-dev: the Snowball stemmers (Russian and English) the bot's retrieval runs words through.
list(APPEND OTK_CORE_DEPS stemmer)
