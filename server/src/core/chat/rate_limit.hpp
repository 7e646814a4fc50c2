// Token buckets for per-connection frame limits and login attempts. Pure: time is an argument.
#pragma once
#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"

namespace otk {

/// `rate` tokens per second, at most `burst` saved up. Starts full.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  /// Takes one token if there is one at `now`.
  [[nodiscard]] bool try_take(TimePoint now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  /// Seconds until one token is available (0 when one is).
  [[nodiscard]] double wait_seconds(TimePoint now) {
    refill(now);
    return tokens_ >= 1.0 ? 0.0 : (1.0 - tokens_) / rate_;
  }

 private:
  void refill(TimePoint now) {
    if (started_) {
      const double dt = std::chrono::duration<double>(now - last_).count();
      if (dt > 0) tokens_ = std::min(burst_, tokens_ + dt * rate_);
    }
    if (!started_ || now > last_) last_ = now;
    started_ = true;
  }

  double rate_, burst_, tokens_;
  TimePoint last_{};
  bool started_ = false;
};

/// Buckets by key (client address, email), forgetting keys that have been full for a while.
/// Not thread-safe: the owner serialises access.
class KeyedLimiter {
 public:
  KeyedLimiter(double per_minute, double burst) : rate_(per_minute / 60.0), burst_(burst) {}

  /// Takes a token for `key`; on refusal sets retry_after_s.
  [[nodiscard]] bool try_take(const std::string& key, TimePoint now, double& retry_after_s) {
    if (buckets_.size() > 100'000) buckets_.clear();  // bounded memory under a spray of keys
    auto [it, _] = buckets_.try_emplace(key, rate_, burst_);
    if (it->second.try_take(now)) return true;
    retry_after_s = it->second.wait_seconds(now);
    return false;
  }

 private:
  double rate_, burst_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace otk
