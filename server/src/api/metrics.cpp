#include "api/metrics.hpp"

#include <fmt/format.h>

namespace otk {

void Metrics::commit(double seconds, std::size_t jobs, bool ok) {
  for (std::size_t i = 0; i < kCommitBuckets.size(); ++i)
    if (seconds <= kCommitBuckets[i]) commit_buckets_[i]++;
  commit_count_++;
  commit_jobs_ += static_cast<long>(jobs);
  commit_micros_ += static_cast<long>(seconds * 1e6);
  if (!ok) commit_failures_++;
}

void Metrics::callback_ended(CallStatus s, std::int64_t talk_ms, bool placed) {
  callback_calls_[static_cast<std::size_t>(s)]++;
  callback_talk_ms_ += static_cast<long>(talk_ms);
  if (placed) callback_live_--;
}

std::string Metrics::render(long http_connections) const {
  std::string out;
  auto line = [&](std::string_view text) { out.append(text).push_back('\n'); };
  line("# HELP otk_open_connections Open client connections by kind.");
  line("# TYPE otk_open_connections gauge");
  line(fmt::format("otk_open_connections{{kind=\"visitor\"}} {}", visitor_connections.load()));
  line(fmt::format("otk_open_connections{{kind=\"operator\"}} {}", operator_connections.load()));
  line(fmt::format("otk_open_connections{{kind=\"http\"}} {}", http_connections));
  line("# HELP otk_messages_total Messages durably stored, by author.");
  line("# TYPE otk_messages_total counter");
  line(fmt::format("otk_messages_total{{author=\"visitor\"}} {}", visitor_messages_.load()));
  line(fmt::format("otk_messages_total{{author=\"operator\"}} {}", operator_messages_.load()));
  line("# HELP otk_commit_seconds Duration of one group commit (BEGIN to COMMIT, fsync included).");
  line("# TYPE otk_commit_seconds histogram");
  for (std::size_t i = 0; i < kCommitBuckets.size(); ++i)
    line(fmt::format("otk_commit_seconds_bucket{{le=\"{}\"}} {}", kCommitBuckets[i], commit_buckets_[i].load()));
  line(fmt::format("otk_commit_seconds_bucket{{le=\"+Inf\"}} {}", commit_count_.load()));
  line(fmt::format("otk_commit_seconds_sum {:.6f}", commit_micros_.load() / 1e6));
  line(fmt::format("otk_commit_seconds_count {}", commit_count_.load()));
  line("# HELP otk_commit_jobs_total Writes carried by group commits.");
  line("# TYPE otk_commit_jobs_total counter");
  line(fmt::format("otk_commit_jobs_total {}", commit_jobs_.load()));
  line("# HELP otk_commit_failures_total Group commits that failed (nothing in them was acknowledged).");
  line("# TYPE otk_commit_failures_total counter");
  line(fmt::format("otk_commit_failures_total {}", commit_failures_.load()));
  line("# HELP otk_errors_total Error frames and error responses sent, by code.");
  line("# TYPE otk_errors_total counter");
  for (std::size_t i = 0; i < kErrcCount; ++i)
    line(fmt::format("otk_errors_total{{code=\"{}\"}} {}", errc_name(static_cast<Errc>(i)), errors_[i].load()));
  line("# HELP otk_http_requests_total Plain HTTP requests answered.");
  line("# TYPE otk_http_requests_total counter");
  line(fmt::format("otk_http_requests_total {}", http_requests.load()));
  line("# HELP otk_callback_requests_total New callback requests (widget and API; resends not counted), by outcome.");
  line("# TYPE otk_callback_requests_total counter");
  constexpr std::array<std::string_view, 4> kOutcomes{"placed", "scheduled", "refused", "unavailable"};
  for (std::size_t i = 0; i < kOutcomes.size(); ++i)
    line(fmt::format("otk_callback_requests_total{{outcome=\"{}\"}} {}", kOutcomes[i], callback_requests_[i].load()));
  line("# HELP otk_callback_refusals_total Callback requests refused by the anti-fraud rules, by rule.");
  line("# TYPE otk_callback_refusals_total counter");
  for (std::size_t i = 0; i < kFraudRuleCount; ++i) {
    line(fmt::format("otk_callback_refusals_total{{rule=\"{}\"}} {}", fraud_rule_name(static_cast<FraudRule>(i)),
                     callback_refusals_[i].load()));
  }
  line("# HELP otk_callback_calls_total Placed callback calls that ended, by final status.");
  line("# TYPE otk_callback_calls_total counter");
  for (std::size_t i = 0; i < kCallStatusCount; ++i) {
    const auto s = static_cast<CallStatus>(i);
    if (s == CallStatus::scheduled || s == CallStatus::rejected_invalid_number || s == CallStatus::rejected_fraud_rule ||
        s == CallStatus::rate_limited) {
      continue;  // never the end of a placed call
    }
    line(fmt::format("otk_callback_calls_total{{status=\"{}\"}} {}", status_name(s), callback_calls_[i].load()));
  }
  line("# HELP otk_callback_live_calls Callback calls placed and not yet ended.");
  line("# TYPE otk_callback_live_calls gauge");
  line(fmt::format("otk_callback_live_calls {}", callback_live_.load()));
  line("# HELP otk_callback_talk_seconds_total Talk time of connected callback calls.");
  line("# TYPE otk_callback_talk_seconds_total counter");
  line(fmt::format("otk_callback_talk_seconds_total {:.3f}", callback_talk_ms_.load() / 1e3));
  return out;
}

}  // namespace otk
