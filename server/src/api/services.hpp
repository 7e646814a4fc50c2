// What the request and protocol handlers share: storage, hub, metrics, clock, and the helpers that turn an
// Error into an HTTP response or a WebSocket error frame (the one place where that happens).
#pragma once
#include <mutex>
#include <string>

#include "api/metrics.hpp"
#include "common/clock.hpp"
#include "core/chat/rate_limit.hpp"
#include "hub/hub.hpp"
#include "net/beast.hpp"
#include "store/database.hpp"

namespace otk {

class Desk;
class CallbackDesk;
class FaqBot;

struct Services {
  Database& db;
  Hub& hub;
  Metrics& metrics;
  const Clock& clock;
  Desk* desk = nullptr;  // routing; absent in tests that need none
  CallbackDesk* callbacks = nullptr;  // callback requests; absent: the widget's callback frames are refused
  FaqBot* bot = nullptr;              // the FAQ bot and engagement settings; absent: no bot
};

/// HTTP status for an error code.
http::status http_status_of(Errc code);
/// `{"error":{"code","message"}}` with the matching status; counts the error.
HttpResponse error_response(Metrics& m, const Error& e);
/// The `error` frame; counts the error.
std::string error_frame_counted(Metrics& m, const Error& e, std::string_view ref);
HttpResponse json_response(http::status status, std::string body);

/// Random bytes as unpadded base64url (crypto-grade, libsodium).
std::string random_token(std::size_t bytes = 32);
/// Hex SHA-256: what is stored of visitor and session tokens.
std::string token_hash(std::string_view token);
/// An argon2id password hash (libsodium's interactive limits: ~64 MiB, tens of milliseconds — call it off the I/O
/// threads). Error `unavailable` when the memory cannot be had.
Result<std::string> hash_password(std::string_view password);

}  // namespace otk
