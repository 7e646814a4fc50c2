#include "core/chat/rate_limit.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, AllowsBurstThenRate) {
  ManualClock clock;
  TokenBucket b(20, 40);
  int taken = 0;
  for (int i = 0; i < 100; ++i) taken += b.try_take(clock.now());
  EXPECT_EQ(taken, 40);
  clock.advance(100ms);  // 2 tokens at 20/s
  EXPECT_TRUE(b.try_take(clock.now()));
  EXPECT_TRUE(b.try_take(clock.now()));
  EXPECT_FALSE(b.try_take(clock.now()));
}

TEST(TokenBucket, NeverExceedsBurstAfterLongIdle) {
  ManualClock clock;
  TokenBucket b(1, 3);
  clock.advance(std::chrono::hours(10));
  int taken = 0;
  for (int i = 0; i < 10; ++i) taken += b.try_take(clock.now());
  EXPECT_EQ(taken, 3);
}

TEST(TokenBucket, ClockGoingBackwardsGivesNothingExtra) {
  ManualClock clock;
  TokenBucket b(1, 1);
  EXPECT_TRUE(b.try_take(clock.now()));
  EXPECT_FALSE(b.try_take(clock.now() - 10s));
  EXPECT_FALSE(b.try_take(clock.now()));
}

TEST(KeyedLimiter, SeparatesKeysAndReportsRetryAfter) {
  ManualClock clock;
  KeyedLimiter lim(10, 10);  // 10 a minute
  double retry = 0;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(lim.try_take("1.2.3.4", clock.now(), retry));
  EXPECT_FALSE(lim.try_take("1.2.3.4", clock.now(), retry));
  EXPECT_NEAR(retry, 6.0, 0.01);
  EXPECT_TRUE(lim.try_take("5.6.7.8", clock.now(), retry));
  clock.advance(6s);
  EXPECT_TRUE(lim.try_take("1.2.3.4", clock.now(), retry));
}

}  // namespace
}  // namespace otk
