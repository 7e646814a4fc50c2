#include "common/result.hpp"

namespace otk {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::bad_json: return "bad_json";
    case Errc::bad_frame: return "bad_frame";
    case Errc::unknown_type: return "unknown_type";
    case Errc::not_ready: return "not_ready";
    case Errc::text_empty: return "text_empty";
    case Errc::text_too_long: return "text_too_long";
    case Errc::not_found: return "not_found";
    case Errc::rate_limited: return "rate_limited";
    case Errc::unavailable: return "unavailable";
    case Errc::internal: return "internal";
    case Errc::bad_request: return "bad_request";
    case Errc::unauthorized: return "unauthorized";
    case Errc::forbidden: return "forbidden";
    case Errc::csrf: return "csrf";
    case Errc::bad_credentials: return "bad_credentials";
    case Errc::origin_not_allowed: return "origin_not_allowed";
    case Errc::unknown_site: return "unknown_site";
    case Errc::conflict: return "conflict";
    case Errc::too_large: return "too_large";
    case Errc::unsupported_media: return "unsupported_media";
  }
  return "internal";
}

}  // namespace otk
