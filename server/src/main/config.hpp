// Server configuration: TOML file (--config) overridden by command-line flags. See docs/operations.md.
#pragma once
#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace otk {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir = "./data";
  std::filesystem::path assets_dir;  // empty: <directory of the binary>/web
  int threads = 0;                    // 0: one per core
  bool demo = false;
  double login_per_minute = 10;
  /// Extra origins allowed for the demo sites (e.g. the public URL behind a proxy).
  std::vector<std::string> demo_origins;
  int first_response_seconds = 25;  // [desk]: an assigned operator's time to answer before the chat moves on
  int typical_chat_minutes = 10;    // [desk]: for the queue's wait estimate
  std::string sip_listen;           // [sip] listen: where the callback engine's SIP stack binds; "": no callbacks
};

/// Reads a TOML file into cfg (only the keys present). Errors name the file and the key.
Result<void> load_config_file(const std::filesystem::path& file, ServerConfig& cfg);
/// "HOST:PORT" -> host, port. Error: bad_request.
Result<std::pair<std::string, unsigned short>> parse_listen(std::string_view text);

}  // namespace otk
