// What a site's settings may be. Pure functions shared by every way settings come in (the CLI today, the
// console's settings later), so that the widget and the origin check only ever see clean values.
#pragma once
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "core/chat/model.hpp"

namespace otk {

/// "HTTPS://Shop.Example:443/" -> "https://shop.example". Scheme http or https; a host name (ASCII, IDNs in
/// punycode), IPv4 address or [IPv6] literal; an optional port (the scheme's default is dropped); nothing after
/// the authority but an optional "/". Error: bad_request naming what is wrong.
[[nodiscard]] Result<std::string> normalize_origin(std::string_view raw);

/// Checks every field and returns the site with origins normalised (duplicates dropped) and texts trimmed.
/// Key: 2..64 of [a-z0-9-], starting with a letter or digit. Name: 1..100 characters. At least one origin.
/// Language ru|en. Colour #rgb or #rrggbb. Position right|left. Texts: title, launcher and operator name up to
/// 40 characters, greeting up to 280, no control characters. Error: bad_request naming the field.
[[nodiscard]] Result<Site> normalize_site(Site site);

}  // namespace otk
