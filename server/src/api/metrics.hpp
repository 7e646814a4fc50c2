// Process metrics in Prometheus text format: open connections by kind, messages, group-commit latency,
// errors by code, HTTP requests, callbacks. Lock-free counters; render() reads them.
#pragma once
#include <array>
#include <atomic>
#include <string>

#include "common/result.hpp"
#include "core/callback/call.hpp"
#include "core/callback/fraud.hpp"
#include "core/chat/model.hpp"

namespace otk {

class Metrics {
 public:
  static constexpr std::array<double, 12> kCommitBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  std::atomic<long> visitor_connections{0};
  std::atomic<long> operator_connections{0};
  std::atomic<long> http_requests{0};

  void message_stored(AuthorKind k) { (k == AuthorKind::visitor ? visitor_messages_ : operator_messages_)++; }
  void error(Errc code) { errors_[static_cast<std::size_t>(code)]++; }
  void commit(double seconds, std::size_t jobs, bool ok);

  // Callbacks (api/callbacks): what became of new requests, why the rules refused, how placed calls ended.
  enum class CallbackOutcome { placed, scheduled, refused, unavailable };
  void callback_requested(CallbackOutcome o) { callback_requests_[static_cast<std::size_t>(o)]++; }
  void callback_refused(FraudRule r) { callback_refusals_[static_cast<std::size_t>(r)]++; }
  void callback_started() { callback_live_++; }
  /// A placed call ended (`placed`: it had been counted by callback_started).
  void callback_ended(CallStatus s, std::int64_t talk_ms, bool placed);

  /// The exposition text; `http_connections` is read from the HTTP server.
  [[nodiscard]] std::string render(long http_connections) const;

 private:
  std::atomic<long> visitor_messages_{0}, operator_messages_{0};
  std::array<std::atomic<long>, kErrcCount> errors_{};
  std::array<std::atomic<long>, kCommitBuckets.size()> commit_buckets_{};
  std::atomic<long> commit_count_{0}, commit_jobs_{0}, commit_failures_{0};
  std::atomic<long> commit_micros_{0};
  std::array<std::atomic<long>, 4> callback_requests_{};
  std::array<std::atomic<long>, kFraudRuleCount> callback_refusals_{};
  std::array<std::atomic<long>, kCallStatusCount> callback_calls_{};
  std::atomic<long> callback_live_{0}, callback_talk_ms_{0};
};

}  // namespace otk
