#include "main/config.hpp"

#include <charconv>
#include <fstream>
#include <iterator>
#include <toml++/toml.h>

namespace otk {

Result<void> load_config_file(const std::filesystem::path& file, ServerConfig& cfg) {
  // As toml::parse_file reads it: the whole file, bytes as they are, the same message when it cannot be opened.
  std::ifstream in(file, std::ios::in | std::ios::binary);
  if (!in.is_open()) return fail(Errc::bad_request, file.string() + ": File could not be opened for reading");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return load_config_text(text, file.string(), cfg);
}

Result<void> load_config_text(std::string_view text, std::string_view name, ServerConfig& cfg) {
  const std::string file(name);
  toml::table t;
  try {
    t = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return fail(Errc::bad_request, file + ": " + std::string(e.description()));
  }
  auto bad = [&](const char* key, const char* want) {
    return fail(Errc::bad_request, file + ": '" + key + "' must be " + want);
  };
  if (auto n = t["listen"]) {
    if (!n.is_string()) return bad("listen", "a string \"HOST:PORT\"");
    cfg.listen = *n.value<std::string>();
  }
  if (auto n = t["data"]) {
    if (!n.is_string()) return bad("data", "a directory path");
    cfg.data_dir = *n.value<std::string>();
  }
  if (auto n = t["assets"]) {
    if (!n.is_string()) return bad("assets", "a directory path");
    cfg.assets_dir = *n.value<std::string>();
  }
  if (auto n = t["threads"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 0 || *n.value<int64_t>() > 256) return bad("threads", "0..256");
    cfg.threads = static_cast<int>(*n.value<int64_t>());
  }
  if (auto n = t["auth"]["login_per_minute"]) {
    if (!n.is_number() || *n.value<double>() < 1) return bad("auth.login_per_minute", "a number >= 1");
    cfg.login_per_minute = *n.value<double>();
  }
  if (auto n = t["demo"]["origins"]) {
    auto* arr = n.as_array();
    if (!arr) return bad("demo.origins", "an array of origins");
    for (auto& o : *arr) {
      if (!o.is_string()) return bad("demo.origins", "an array of strings");
      cfg.demo_origins.push_back(*o.value<std::string>());
    }
  }
  if (auto n = t["desk"]["first_response_seconds"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 1 || *n.value<int64_t>() > 3600) {
      return bad("desk.first_response_seconds", "1..3600");
    }
    cfg.first_response_seconds = static_cast<int>(*n.value<int64_t>());
  }
  if (auto n = t["desk"]["typical_chat_minutes"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 1 || *n.value<int64_t>() > 600) return bad("desk.typical_chat_minutes", "1..600");
    cfg.typical_chat_minutes = static_cast<int>(*n.value<int64_t>());
  }
  if (auto n = t["limits"]["operator_queue_frames"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 16 || *n.value<int64_t>() > 1'000'000) {
      return bad("limits.operator_queue_frames", "16..1000000");
    }
    cfg.operator_queue_frames = static_cast<std::size_t>(*n.value<int64_t>());
  }
  if (auto n = t["limits"]["attachment_mb"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 1 || *n.value<int64_t>() > 1024) return bad("limits.attachment_mb", "1..1024");
    cfg.attachment_mb = *n.value<int64_t>();
  }
  if (auto n = t["storage"]["max_size_mb"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 0 || *n.value<int64_t>() > 10'000'000) {
      return bad("storage.max_size_mb", "0 (no limit) or a size in MiB");
    }
    cfg.max_db_mb = *n.value<int64_t>();
  }
  if (auto v = t["webhooks"]["ca_file"]) {
    if (!v.is_string() || v.value<std::string>()->empty()) return bad("webhooks.ca_file", "the path of a PEM file");
    cfg.webhook_ca_file = *v.value<std::string>();
  }
  if (auto n = t["webhooks"]["timeout_seconds"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 1 || *n.value<int64_t>() > 60) return bad("webhooks.timeout_seconds", "1..60");
    cfg.webhook_timeout_seconds = static_cast<int>(*n.value<int64_t>());
  }
  if (auto n = t["webhooks"]["first_retry_seconds"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 1 || *n.value<int64_t>() > 3600) {
      return bad("webhooks.first_retry_seconds", "1..3600");
    }
    cfg.webhook_first_retry_seconds = static_cast<int>(*n.value<int64_t>());
  }
  if (auto n = t["webhooks"]["retention_days"]) {
    if (!n.is_integer() || *n.value<int64_t>() < 1 || *n.value<int64_t>() > 3650) {
      return bad("webhooks.retention_days", "1..3650");
    }
    cfg.webhook_retention_days = static_cast<int>(*n.value<int64_t>());
  }
  if (auto v = t["sip"]["listen"]) {
    if (!v.is_string() || !v.value<std::string>()->starts_with("sip:")) {
      return bad("sip.listen", "a SIP URI to listen on, e.g. \"sip:0.0.0.0:5060\"");
    }
    cfg.sip_listen = *v.value<std::string>();
  }
  for (auto&& [k, _] : t) {
    const auto key = std::string(k.str());
    if (key != "listen" && key != "data" && key != "assets" && key != "threads" && key != "auth" && key != "demo" &&
        key != "desk" && key != "sip" && key != "storage" && key != "limits" &&
        key != "webhooks") {
      return fail(Errc::bad_request, file + ": unknown key '" + key + "'");
    }
  }
  return {};
}

Result<std::pair<std::string, unsigned short>> parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return fail(Errc::bad_request, "listen address must be HOST:PORT");
  unsigned port = 0;
  auto p = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc{} || end != p.data() + p.size() || port > 65535) {
    return fail(Errc::bad_request, "port must be a number from 0 to 65535");
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::pair{host, static_cast<unsigned short>(port)};
}

}  // namespace otk
