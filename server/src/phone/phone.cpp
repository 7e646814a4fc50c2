#include "phone/phone.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/shortnumberinfo.h>

#include <optional>

namespace otk {
namespace {

using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::ShortNumberInfo;
using LibNumber = i18n::phonenumbers::PhoneNumber;

const PhoneNumberUtil& util() { return *PhoneNumberUtil::GetInstance(); }

// Building it compiles the short-number metadata, so once; its methods are const and share libphonenumber's
// locked regular-expression cache.
const ShortNumberInfo& shorts() {
  static const ShortNumberInfo info;
  return info;
}

std::unexpected<Error> bad(std::string what) { return fail(Errc::bad_request, "phone number: " + what); }

/// The input with copy-paste look-alikes made ASCII, or why it cannot be a phone number. We check the
/// characters ourselves because libphonenumber is lenient on purpose (it reads "1-800-FLOWERS" and strips
/// "ext. 12"), and a callback must ring exactly the number the visitor meant.
Result<std::string> normalise(std::string_view in) {
  std::string out;
  bool digits = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    const auto next = [&](std::size_t k) { return i + k < in.size() ? static_cast<unsigned char>(in[i + k]) : 0; };
    char ascii = 0;
    std::size_t extra = 0;  // continuation bytes consumed
    if (c < 0x80) {
      ascii = static_cast<char>(c);
    } else if (c == 0xC2 && next(1) == 0xA0) {  // U+00A0 no-break space
      ascii = ' ', extra = 1;
    } else if (c == 0xE2 && next(1) == 0x80 && next(2) >= 0x82 && next(2) <= 0x8A) {  // U+2002..200A spaces
      ascii = ' ', extra = 2;
    } else if (c == 0xE2 && next(1) == 0x80 && next(2) == 0xAF) {  // U+202F narrow no-break space
      ascii = ' ', extra = 2;
    } else if (c == 0xE2 && next(1) == 0x80 && next(2) >= 0x90 && next(2) <= 0x95) {  // U+2010..2015 dashes
      ascii = '-', extra = 2;
    } else if (c == 0xE2 && next(1) == 0x88 && next(2) == 0x92) {  // U+2212 minus
      ascii = '-', extra = 2;
    } else if (c == 0xEF && next(1) == 0xBC && next(2) >= 0x90 && next(2) <= 0x99) {  // U+FF10..FF19 digits
      ascii = static_cast<char>('0' + (next(2) - 0x90)), extra = 2;
    } else if (c == 0xEF && next(1) == 0xBC && (next(2) == 0x8B || next(2) == 0x88 || next(2) == 0x89 ||
                                                next(2) == 0x8D)) {  // full-width + ( ) -
      constexpr char kMap[] = {'(', ')', 0, '+', 0, '-'};
      ascii = kMap[next(2) - 0x88], extra = 2;
    } else {
      return bad("only digits, spaces and + - ( ) . / are allowed");
    }
    i += extra;
    if (ascii >= '0' && ascii <= '9') {
      digits = true;
    } else if (ascii == '+') {
      if (digits || out.find('+') != std::string::npos) return bad("\"+\" may only start the number");
    } else if ((ascii >= 'a' && ascii <= 'z') || (ascii >= 'A' && ascii <= 'Z')) {
      return bad("letters are not allowed (no extensions or words, digits only)");
    } else if (ascii == '\t') {
      ascii = ' ';
    } else if (ascii != ' ' && ascii != '-' && ascii != '(' && ascii != ')' && ascii != '.' && ascii != '/') {
      return bad("only digits, spaces and + - ( ) . / are allowed");
    }
    out += ascii;
  }
  if (!digits) return bad(out.find_first_not_of(' ') == std::string::npos ? "empty" : "no digits");
  return out;
}

/// "" stays "" (international format only); otherwise two letters that libphonenumber knows, upper-cased.
Result<std::string> normalise_region(std::string_view region) {
  std::string r(region);
  for (auto& c : r) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  if (r.empty()) return r;
  const bool letters = r.size() == 2 && r[0] >= 'A' && r[0] <= 'Z' && r[1] >= 'A' && r[1] <= 'Z';
  if (!letters || util().GetCountryCodeForRegion(r) == 0) {
    return bad("unknown default region (an ISO 3166 alpha-2 code such as RU is expected)");
  }
  return r;
}

std::string parse_error_text(PhoneNumberUtil::ErrorType e) {
  switch (e) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR: return "unknown country calling code";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD: return "too few digits after the international prefix";
    case PhoneNumberUtil::TOO_SHORT_NSN: return "too few digits";
    case PhoneNumberUtil::TOO_LONG_NSN: return "too many digits";
    default: return "not a phone number";
  }
}

/// Why a parsed number is not valid, as precisely as libphonenumber can say.
std::string invalid_text(const LibNumber& n) {
  const std::string cc = "+" + std::to_string(n.country_code());
  switch (util().IsPossibleNumberWithReason(n)) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE: return "unknown country calling code " + cc;
    case PhoneNumberUtil::TOO_SHORT: return "too few digits for " + cc;
    case PhoneNumberUtil::TOO_LONG: return "too many digits for " + cc;
    case PhoneNumberUtil::INVALID_LENGTH: return "wrong number of digits for " + cc;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY: return "a local number: add the area code";
    default: return "no such number range in " + cc;
  }
}

PhoneType type_of(PhoneNumberUtil::PhoneNumberType t) {
  switch (t) {
    case PhoneNumberUtil::FIXED_LINE: return PhoneType::fixed_line;
    case PhoneNumberUtil::MOBILE: return PhoneType::mobile;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return PhoneType::fixed_line_or_mobile;
    case PhoneNumberUtil::TOLL_FREE: return PhoneType::toll_free;
    case PhoneNumberUtil::PREMIUM_RATE: return PhoneType::premium_rate;
    case PhoneNumberUtil::SHARED_COST: return PhoneType::shared_cost;
    case PhoneNumberUtil::VOIP: return PhoneType::voip;
    case PhoneNumberUtil::PERSONAL_NUMBER: return PhoneType::personal_number;
    case PhoneNumberUtil::PAGER: return PhoneType::pager;
    case PhoneNumberUtil::UAN: return PhoneType::uan;
    case PhoneNumberUtil::VOICEMAIL: return PhoneType::voicemail;
    default: return PhoneType::unknown;
  }
}

/// A short code or emergency number of `region`. Exact matches only: ConnectsToEmergencyNumber() also matches
/// longer numbers that merely start like one in some countries, and those are full numbers, dialled in E.164.
bool short_or_emergency(const LibNumber& n, const std::string& text, const std::string& region) {
  return !region.empty() &&
         (shorts().IsValidShortNumberForRegion(n, region) || shorts().IsEmergencyNumber(text, region));
}

}  // namespace

Result<PhoneNumber> parse_phone(std::string_view input, std::string_view default_region) {
  if (input.size() > kMaxPhoneInputBytes) {
    return bad("too long (at most " + std::to_string(kMaxPhoneInputBytes) + " bytes)");
  }
  auto text = normalise(input);
  if (!text) return std::unexpected(text.error());
  auto region = normalise_region(default_region);
  if (!region) return std::unexpected(region.error());
  if (region->empty() && text->find('+') == std::string::npos) {
    return bad("no country code: start with + and the country code");
  }
  LibNumber n;
  if (const auto e = util().Parse(*text, *region, &n); e != PhoneNumberUtil::NO_PARSING_ERROR) {
    return bad(parse_error_text(e));
  }
  if (!util().IsValidNumber(n)) {
    if (short_or_emergency(n, *text, *region)) return bad("a short or emergency number, not a full phone number");
    return bad(invalid_text(n));
  }
  PhoneNumber out;
  util().Format(n, PhoneNumberUtil::E164, &out.e164);
  // E.164 allows 15 digits. libphonenumber's metadata takes longer German numbers ("+49 2164 9160360866", 16
  // digits), which the fraud lists (so an operator could not block one), the leads and trunks refuse.
  if (out.e164.size() > 16) return bad("too many digits for +" + std::to_string(n.country_code()));
  util().GetRegionCodeForNumber(n, &out.region);
  out.country_code = n.country_code();
  out.type = type_of(util().GetNumberType(n));
  return out;
}

std::string format_international(std::string_view e164) {
  LibNumber n;
  if (e164.size() > kMaxPhoneInputBytes || util().Parse(std::string(e164), "ZZ", &n) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::string(e164);
  }
  std::string out;
  util().Format(n, PhoneNumberUtil::INTERNATIONAL, &out);
  return out;
}

bool is_short_or_emergency(std::string_view input, std::string_view region) {
  if (input.size() > kMaxPhoneInputBytes) return false;
  const auto text = normalise(input);
  const auto r = normalise_region(region);
  if (!text || !r || r->empty()) return false;
  LibNumber n;
  if (util().Parse(*text, *r, &n) != PhoneNumberUtil::NO_PARSING_ERROR) return false;
  return short_or_emergency(n, *text, *r);
}

NumberFacts number_facts(const PhoneNumber& n, bool short_or_emergency) {
  return NumberFacts{n.e164, n.region, n.type, short_or_emergency};
}

}  // namespace otk
