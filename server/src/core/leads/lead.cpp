#include "core/leads/lead.hpp"

#include <cctype>

#include "core/chat/text.hpp"

namespace otk {
namespace {

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

constexpr bool is_local_char(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c >= 0x80;
}
constexpr bool is_domain_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c >= 0x80; }
constexpr bool is_phone_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }

}  // namespace

std::string_view lead_status_name(LeadStatus s) {
  switch (s) {
    case LeadStatus::new_: return "new";
    case LeadStatus::in_work: return "in_work";
    case LeadStatus::won: return "won";
    case LeadStatus::lost: return "lost";
  }
  return "new";
}

std::optional<LeadStatus> parse_lead_status(std::string_view s) {
  if (s == "new") return LeadStatus::new_;
  if (s == "in_work") return LeadStatus::in_work;
  if (s == "won") return LeadStatus::won;
  if (s == "lost") return LeadStatus::lost;
  return std::nullopt;
}

std::string_view lead_source_name(LeadSource s) {
  switch (s) {
    case LeadSource::offline_form: return "offline_form";
    case LeadSource::chat: return "chat";
    case LeadSource::callback: return "callback";
  }
  return "chat";
}

std::optional<LeadSource> parse_lead_source(std::string_view s) {
  if (s == "offline_form") return LeadSource::offline_form;
  if (s == "chat") return LeadSource::chat;
  if (s == "callback") return LeadSource::callback;
  return std::nullopt;
}

std::string_view lead_entry_kind_name(LeadEntryKind k) {
  switch (k) {
    case LeadEntryKind::contact: return "contact";
    case LeadEntryKind::note: return "note";
    case LeadEntryKind::status: return "status";
  }
  return "note";
}

Result<std::string> normalize_email(std::string_view raw) {
  const auto s = trim(raw);
  if (s.empty()) return fail(Errc::bad_request, "'email' is empty");
  if (s.size() > kMaxEmailBytes) return fail(Errc::bad_request, "'email' is longer than 254 bytes");
  if (!is_valid_utf8(s) || has_control(s)) return fail(Errc::bad_request, "'email' has invalid characters");
  const auto at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) {
    return fail(Errc::bad_request, "'email' must have exactly one @");
  }
  const auto local = s.substr(0, at);
  const auto domain = s.substr(at + 1);
  if (local.empty() || local.size() > 64) return fail(Errc::bad_request, "'email' has no valid name before the @");
  for (unsigned char c : local) {
    if (!is_local_char(c)) return fail(Errc::bad_request, "'email' has invalid characters before the @");
  }
  const auto dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size() ||
      domain.front() == '-' || domain.find("..") != std::string_view::npos) {
    return fail(Errc::bad_request, "'email' needs a domain like example.ru after the @");
  }
  std::string out(local);
  out.push_back('@');
  for (unsigned char c : domain) {
    if (!is_domain_char(c)) return fail(Errc::bad_request, "'email' has invalid characters in its domain");
    out.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
  }
  return out;
}

Result<std::string> normalize_phone(std::string_view raw) {
  const auto s = trim(raw);
  if (s.empty()) return fail(Errc::bad_request, "'phone' is empty");
  if (s.size() > 64) return fail(Errc::bad_request, "'phone' is too long");
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') out.push_back(c);
    else if (c == '+' && out.empty() && i == 0) out.push_back(c);
    else if (!is_phone_separator(c)) return fail(Errc::bad_request, "'phone' may hold only digits, spaces, dashes and brackets");
  }
  const std::size_t digits = out.size() - (out.starts_with('+') ? 1 : 0);
  if (digits < 7) return fail(Errc::bad_request, "'phone' has too few digits");
  if (digits > 15) return fail(Errc::bad_request, "'phone' has more than 15 digits");
  return out;
}

Result<std::string> normalize_lead_name(std::string_view raw) {
  const auto n = trim(raw);
  if (!is_valid_utf8(n) || has_control(n)) return fail(Errc::bad_request, "'name' has invalid characters");
  if (code_points(n) > kMaxLeadNameChars) return fail(Errc::bad_request, "'name' is longer than 100 characters");
  return std::string(n);
}

Result<ContactForm> validate_contact_form(std::string_view name, std::string_view email, std::string_view phone,
                                          std::string_view message) {
  ContactForm f;
  auto n = normalize_lead_name(name);
  if (!n) return std::unexpected(n.error());
  f.name = std::move(*n);
  if (!trim(email).empty()) {
    auto e = normalize_email(email);
    if (!e) return std::unexpected(e.error());
    f.email = std::move(*e);
  }
  if (!trim(phone).empty()) {
    auto p = normalize_phone(phone);
    if (!p) return std::unexpected(p.error());
    f.phone = std::move(*p);
  }
  if (f.email.empty() && f.phone.empty()) return fail(Errc::bad_request, "give an 'email' or a 'phone' to reply to");
  if (!trim(message).empty()) {
    auto m = normalize_message_text(message);
    if (!m) return fail(m.error().code == Errc::text_too_long ? Errc::text_too_long : Errc::bad_request,
                        "'message': " + m.error().message);
    f.message = std::move(*m);
  }
  return f;
}

FoundContacts find_contacts(std::string_view text) {
  FoundContacts out;
  // E-mail: grow each '@' to the widest address around it, then let normalize_email judge it.
  for (std::size_t at = text.find('@'); at != std::string_view::npos && out.email.empty(); at = text.find('@', at + 1)) {
    std::size_t b = at, e = at + 1;
    while (b > 0 && is_local_char(static_cast<unsigned char>(text[b - 1])) && static_cast<unsigned char>(text[b - 1]) < 0x80) --b;
    while (e < text.size() && is_domain_char(static_cast<unsigned char>(text[e])) && static_cast<unsigned char>(text[e]) < 0x80) ++e;
    while (e > at + 1 && (text[e - 1] == '.' || text[e - 1] == '-')) --e;  // "пишите на a@b.ru."
    if (auto ok = normalize_email(text.substr(b, e - b))) out.email = std::move(*ok);
  }
  // Phone: a run of digits with at most two separators in a row, optionally after a plus; 10..15 digits. Fewer is more often
  // an order number or a price than a phone; more is a card or an account number.
  for (std::size_t i = 0; i < text.size() && out.phone.empty();) {
    const bool starts = (text[i] >= '0' && text[i] <= '9') || (text[i] == '+' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9');
    const bool glued = i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '+');
    if (!starts || glued) { ++i; continue; }
    std::size_t j = i + (text[i] == '+');
    std::size_t digits = 0, last_digit = j, separators = 0;
    while (j < text.size()) {
      if (text[j] >= '0' && text[j] <= '9') {
        ++digits;
        last_digit = ++j;
        separators = 0;
      } else if (is_phone_separator(text[j]) && separators < 2) {  // "+7 (916) 123-45-67" has ") " and " ("
        ++separators;
        ++j;
      } else {
        break;
      }
    }
    const bool tail_glued = last_digit < text.size() && std::isalpha(static_cast<unsigned char>(text[last_digit]));
    if (digits >= 10 && digits <= 15 && !tail_glued) {
      if (auto ok = normalize_phone(text.substr(i, last_digit - i))) out.phone = std::move(*ok);
    }
    i = std::max(last_digit, i + 1);
  }
  return out;
}

}  // namespace otk
