// Server configuration: TOML file (--config) overridden by command-line flags. See docs/operations.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace otk {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir = "./data";
  std::filesystem::path assets_dir;  // empty: <directory of the binary>/web
  int threads = 0;                    // 0: one per core
  bool demo = false;
  bool demo_webhook = false;  // with demo: a webhook endpoint on the demo shop pointing at /demo/webhook-echo
  double login_per_minute = 10;
  /// Extra origins allowed for the demo sites (e.g. the public URL behind a proxy).
  std::vector<std::string> demo_origins;
  int first_response_seconds = 25;  // [desk]: an assigned operator's time to answer before the chat moves on
  int typical_chat_minutes = 10;    // [desk]: for the queue's wait estimate
  std::string sip_listen;           // [sip] listen: where the callback engine's SIP stack binds; "": no callbacks
  /// [storage] max_size_mb: the database may not grow past this (0: only the disk limits it). A write that would
  /// is refused like one on a full disk: an `unavailable` error and no acknowledgement.
  std::int64_t max_db_mb = 0;
  /// [limits] operator_queue_frames: frames an operator's socket may fall behind before it is closed (it then
  /// reconnects and resumes). The default suits a busy installation; see net/ws_connection.hpp.
  std::size_t operator_queue_frames = 16 * 1024;
  /// [webhooks] (docs/webhooks.md): extra CAs trusted for https receivers, the deadline of one delivery, and
  /// the first retry's delay (later ones double it, up to an hour).
  std::string webhook_ca_file;
  int webhook_timeout_seconds = 10;
  int webhook_first_retry_seconds = 10;
  int webhook_retention_days = 30;  // [webhooks] retention_days: finished deliveries and their events, 1..3650
  /// [limits] attachment_mb: the largest file a visitor or an operator may attach (MiB); a larger upload is
  /// refused with 413 before its body is read.
  std::int64_t attachment_mb = 10;
};

/// Reads a TOML file into cfg (only the keys present). Errors name the file and the key.
Result<void> load_config_file(const std::filesystem::path& file, ServerConfig& cfg);
/// The same from the file's text; `name` is what errors call it (load_config_file passes the path). The seam the
/// fuzzer and tests use: no file needed.
Result<void> load_config_text(std::string_view text, std::string_view name, ServerConfig& cfg);
/// "HOST:PORT" -> host, port. Error: bad_request.
Result<std::pair<std::string, unsigned short>> parse_listen(std::string_view text);

}  // namespace otk
