// Errors as values. Every boundary (parsers, validators, storage) returns Result<T>; api/ maps an Error to an
// HTTP status or a WebSocket error frame in one place (api/errors.cpp).
#pragma once
#include <expected>
#include <string>
#include <string_view>

namespace otk {

/// Stable error codes; their names are part of the wire protocol (docs/protocol.md, docs/api.md).
enum class Errc {
  bad_json,
  bad_frame,
  unknown_type,
  not_ready,
  text_empty,
  text_too_long,
  not_found,
  rate_limited,
  unavailable,
  internal,
  bad_request,
  unauthorized,
  forbidden,
  csrf,
  bad_credentials,
  origin_not_allowed,
  unknown_site,
  conflict,
  too_large,
  unsupported_media,  // keep last, or move kErrcCount
};
inline constexpr std::size_t kErrcCount = static_cast<std::size_t>(Errc::unsupported_media) + 1;

/// The wire name of a code, e.g. "text_too_long".
std::string_view errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace otk
