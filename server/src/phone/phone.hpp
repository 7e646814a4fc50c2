// Phone numbers as visitors type them, turned into E.164 with libphonenumber (Google's numbering-plan metadata):
// "8 (916) 123-45-67" in Russia is +79161234567, a mobile. The callback rules (core/callback/fraud.hpp) decide
// from these facts; this module only knows what a number is. libphonenumber stays behind this header.
// Thread-safe: libphonenumber's utilities are shared, immutable singletons.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "core/callback/fraud.hpp"

namespace otk {

/// A valid, callable-looking number.
struct PhoneNumber {
  std::string e164;    // "+79161234567"
  std::string region;  // ISO 3166 alpha-2 of the number ("RU", "KZ" for +7 7xx), or "001" for non-geographic
  int country_code = 0;  // 7
  PhoneType type = PhoneType::unknown;
  bool operator==(const PhoneNumber&) const = default;
};

/// Longer input is refused before parsing: nobody types 64 bytes for a phone number, and libphonenumber's
/// regular expressions should not be fed unbounded input from the internet.
inline constexpr std::size_t kMaxPhoneInputBytes = 64;

/// Parses what a visitor typed. `default_region` (ISO 3166 alpha-2, any case, e.g. the site's country) is how
/// a number without "+" is read: "8 916 123-45-67" with "RU" is +79161234567. With "" only "+..." is accepted.
/// Allowed: ASCII digits, one leading "+", spaces, "-", "(", ")", ".", "/", and the look-alikes copy-paste brings
/// (no-break and thin spaces, Unicode hyphens and dashes, full-width digits and "+"). Letters, extensions, "#",
/// "*" and the like are refused: we would not know what to dial.
/// Error (bad_request, the message says why, without echoing the number): empty, too long, a character not
/// allowed, an unknown default region, not a number, wrong length, not an assigned range
/// (libphonenumber's IsValidNumber), a short or emergency number.
[[nodiscard]] Result<PhoneNumber> parse_phone(std::string_view input, std::string_view default_region);

/// True for a short code or emergency number of `region` ("112", "911", "01" in Russia): a number to refuse
/// with a message of its own. False for anything else, including input that does not parse.
/// "+79161234567" -> "+7 916 123-45-67", as people write it in that country; the input itself when it is not
/// an E.164 number.
[[nodiscard]] std::string format_international(std::string_view e164);

[[nodiscard]] bool is_short_or_emergency(std::string_view input, std::string_view region);

/// The facts the fraud rules take. `short_or_emergency`: is_short_or_emergency() of the same input.
[[nodiscard]] NumberFacts number_facts(const PhoneNumber& n, bool short_or_emergency = false);

}  // namespace otk
