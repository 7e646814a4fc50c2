#include "core/webhooks/webhooks.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace otk::webhooks {
namespace {

using namespace std::chrono_literals;

TEST(WebhookEvents, NormalizedInDocumentedOrderOnceEach) {
  const std::vector<std::string> asked{"rating.given", "message.created", "rating.given"};
  auto events = normalize_events(asked);
  ASSERT_TRUE(events);
  EXPECT_EQ(*events, (std::vector<std::string>{"message.created", "rating.given"}));
}

TEST(WebhookEvents, UnknownOrNoneRefused) {
  const std::vector<std::string> unknown{"message.created", "message.deleted"};
  EXPECT_FALSE(normalize_events(unknown));
  const std::vector<std::string> test_only{std::string(kTestEvent)};
  EXPECT_FALSE(normalize_events(test_only)) << "the test event is sent on request, nobody subscribes to it";
  EXPECT_FALSE(normalize_events(std::vector<std::string>{}));
}

TEST(WebhookUrl, ParsesHostPortAndTarget) {
  auto u = parse_url("https://crm.example.ru/hooks/otklik?token=1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "crm.example.ru");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/hooks/otklik?token=1");

  u = parse_url("http://127.0.0.1:8099");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, 8099);
  EXPECT_EQ(u->target, "/");

  u = parse_url("HTTP://[::1]:9000?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->target, "/?x=1");
}

TEST(WebhookUrl, RefusesWhatCannotBeAnEndpoint) {
  for (const char* bad : {"", "crm.example.ru/hook", "ftp://crm.example.ru/", "javascript://alert(1)",
                          "https://user:pw@crm.example.ru/", "https://crm.example.ru/#frag", "https:///path",
                          "https://crm.example.ru:0/", "https://crm.example.ru:70000/", "https://crm.example.ru:/",
                          "https://crm example.ru/", "https://crm.example.ru/пути", "https://[::1/",
                          "https://cr\nm.example.ru/", "https://-bad.example/", "https://a_b.example/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
  EXPECT_FALSE(parse_url("https://example.ru/" + std::string(kMaxUrlBytes, 'a')));
}

TEST(WebhookRetry, DoublesFromTenSecondsUpToAnHour) {
  const TimePoint start = from_unix_ms(1'800'000'000'000);
  RetryPolicy no_jitter;
  no_jitter.jitter = 0;
  const std::int64_t expected_s[] = {10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};
  for (int f = 1; f <= 11; ++f) {
    auto at = next_attempt(f, start, start, 0.5, no_jitter);
    ASSERT_TRUE(at) << f;
    EXPECT_EQ(*at - start, Millis(expected_s[f - 1] * 1000)) << "after failure " << f;
  }
  EXPECT_TRUE(next_attempt(1000, start, start, 0.5, no_jitter)) << "huge counts do not overflow";
}

TEST(WebhookRetry, JitterStaysWithinItsShare) {
  const TimePoint start = from_unix_ms(1'800'000'000'000);
  EXPECT_EQ(*next_attempt(1, start, start, 0.0) - start, 8000ms);
  EXPECT_EQ(*next_attempt(1, start, start, 0.5) - start, 10000ms);
  EXPECT_EQ(*next_attempt(1, start, start, 0.999999) - start, 12000ms);
  EXPECT_EQ(*next_attempt(3, start, start, 0.0) - start, 32000ms);
}

TEST(WebhookRetry, GivesUpAfterTheWindowWithAManualClock) {
  // Walk a delivery that always fails through its schedule: the attempts stop within 24 h of the first.
  ManualClock clock;
  const TimePoint start = clock.now();
  int attempts = 1;
  TimePoint last = start;
  for (;;) {
    auto at = next_attempt(attempts, start, clock.now(), 0.5);
    if (!at) break;
    ASSERT_GT(*at, clock.now());
    clock.advance(std::chrono::duration_cast<Millis>(*at - clock.now()));
    last = clock.now();
    ++attempts;
    ASSERT_LT(attempts, 100);
  }
  EXPECT_LE(last - start, std::chrono::hours(24));
  EXPECT_GT(last - start, std::chrono::hours(22)) << "retries go on for about a day";
  EXPECT_GE(attempts, 25);
  EXPECT_LE(attempts, 40);
}

TEST(WebhookSignature, VerifiesItsOwnAndRefusesTampering) {
  ASSERT_GE(sodium_init(), 0);
  const std::string secret = "whsec_test";
  const std::string body = R"({"id":"evt_1","type":"message.created"})";
  const TimePoint now = from_unix_ms(1'800'000'000'000);
  const std::int64_t t = 1'800'000'000;
  const std::string header = signature_header(secret, t, body);
  EXPECT_TRUE(header.starts_with("t=1800000000,v1="));
  EXPECT_EQ(header.size(), std::string("t=1800000000,v1=").size() + 64);
  EXPECT_TRUE(verify_signature(secret, header, body, now));
  EXPECT_FALSE(verify_signature(secret, header, body + " ", now)) << "body changed";
  EXPECT_FALSE(verify_signature("whsec_other", header, body, now)) << "another secret";
  EXPECT_FALSE(verify_signature(secret, header, body, now + std::chrono::minutes(6))) << "a replay after 5 minutes";
  EXPECT_TRUE(verify_signature(secret, header, body, now + std::chrono::minutes(4)));
  const std::string moved = "t=1800000100," + header.substr(header.find("v1="));
  EXPECT_FALSE(verify_signature(secret, moved, body, now)) << "the timestamp is signed too";
  EXPECT_FALSE(verify_signature(secret, "v1=" + header.substr(header.find("v1=") + 3), body, now)) << "no t";
  EXPECT_FALSE(verify_signature(secret, "t=x," + header.substr(header.find("v1=")), body, now));
  EXPECT_TRUE(verify_signature(secret, "t=1800000000,v1=00,v1=" + header.substr(header.find("v1=") + 3), body, now))
      << "during a secret rotation either signature may match";
}

TEST(WebhookSignature, KnownVector) {
  // HMAC-SHA256("key", "1.body"), computed independently: printf '1.body' | openssl dgst -sha256 -hmac key
  EXPECT_EQ(signature_header("key", 1, "body"),
            "t=1,v1=" "91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5");
}

TEST(WebhookSecret, FreshAndLongEnough) {
  ASSERT_GE(sodium_init(), 0);
  const auto a = new_secret(), b = new_secret();
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("whsec_"));
  EXPECT_EQ(a.size(), 6u + 64u);
}

}  // namespace
}  // namespace otk::webhooks
