#include "api/services.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "proto/frames.hpp"

namespace otk {

http::status http_status_of(Errc code) {
  switch (code) {
    case Errc::bad_json:
    case Errc::bad_frame:
    case Errc::bad_request:
    case Errc::text_empty:
    case Errc::text_too_long:
    case Errc::unknown_type:
    case Errc::not_ready: return http::status::bad_request;
    case Errc::not_found:
    case Errc::unknown_site: return http::status::not_found;
    case Errc::unauthorized:
    case Errc::bad_credentials: return http::status::unauthorized;
    case Errc::forbidden:
    case Errc::csrf:
    case Errc::origin_not_allowed: return http::status::forbidden;
    case Errc::rate_limited: return http::status::too_many_requests;
    case Errc::conflict: return http::status::conflict;
    case Errc::too_large: return http::status::payload_too_large;
    case Errc::unsupported_media: return http::status::unsupported_media_type;
    case Errc::unavailable: return http::status::service_unavailable;
    case Errc::internal: return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

HttpResponse json_response(http::status status, std::string body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

HttpResponse error_response(Metrics& m, const Error& e) {
  m.error(e.code);
  nlohmann::json j{{"error", {{"code", errc_name(e.code)}, {"message", e.message}}}};
  return json_response(http_status_of(e.code), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string error_frame_counted(Metrics& m, const Error& e, std::string_view ref) {
  m.error(e.code);
  return proto::error_frame(e, ref);
}

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

Result<std::string> hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return fail(Errc::unavailable, "the server is short of memory to hash a password; try again");
  }
  return std::string(out);
}

}  // namespace otk
