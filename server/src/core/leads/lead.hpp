// Leads: visitors who left their contacts — in the offline form, in a chat message, or by asking for a
// callback. Plain data and the pure rules for what a contact is; storage merges a visitor's contacts into one
// lead (store/sqlite/sqlite_leads.cpp) and the console works them (new -> in work -> won / lost).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"

namespace otk {

enum class LeadStatus { new_, in_work, won, lost };
enum class LeadSource { offline_form, chat, callback };

[[nodiscard]] std::string_view lead_status_name(LeadStatus s);
[[nodiscard]] std::optional<LeadStatus> parse_lead_status(std::string_view s);
[[nodiscard]] std::string_view lead_source_name(LeadSource s);
[[nodiscard]] std::optional<LeadSource> parse_lead_source(std::string_view s);

inline constexpr std::size_t kMaxLeadNameChars = 100;
inline constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321's path limit

/// What a visitor submits: a name (optional), at least one way to reach them, and (offline form) a message.
struct ContactForm {
  std::string name;
  std::string email;    // normalised: trimmed, domain lower-cased; "" when not given
  std::string phone;    // normalised: "+" and digits only; "" when not given
  std::string message;  // normalised like a chat message; "" when not given
};

/// Checks and normalises a submitted form. Errors (bad_request) name the field: a name too long or with
/// control characters, an address that is not one, a phone with too few or too many digits, neither email
/// nor phone, a message too long.
[[nodiscard]] Result<ContactForm> validate_contact_form(std::string_view name, std::string_view email,
                                                        std::string_view phone, std::string_view message);

/// A person's name as given: trimmed; valid UTF-8 without control characters, at most 100 characters; may be "".
[[nodiscard]] Result<std::string> normalize_lead_name(std::string_view raw);
/// "Anna@Example.RU " -> "Anna@example.ru". One @, a dot in the domain, no spaces or controls, ≤ 254 bytes.
[[nodiscard]] Result<std::string> normalize_email(std::string_view raw);
/// "+7 (916) 123-45-67" -> "+79161234567", "8 916 123 45 67" -> "89161234567". Digits, spaces, dashes, dots,
/// brackets and one leading plus; 7 to 15 digits (E.164's maximum). The region-aware E.164 form is the
/// phone module's job; this is the shape check every input passes first.
[[nodiscard]] Result<std::string> normalize_phone(std::string_view raw);

/// Contacts a visitor typed into a chat message ("пишите на anna@example.ru", "мой номер +7 916 123-45-67"):
/// the first e-mail address and the first phone-like run of 10 to 15 digits. Empty strings when absent.
struct FoundContacts {
  std::string email;
  std::string phone;
  [[nodiscard]] bool empty() const { return email.empty() && phone.empty(); }
};
[[nodiscard]] FoundContacts find_contacts(std::string_view text);

/// One lead as the console lists it.
struct Lead {
  LeadId id;
  SiteId site;
  std::string site_name;
  VisitorId visitor;  // the visitor who first left these contacts
  std::string name;
  std::string email;
  std::string phone;
  LeadStatus status = LeadStatus::new_;
  LeadSource source = LeadSource::offline_form;  // how the contact first came
  std::string message;                           // the latest message left with the contacts
  TimePoint created_at;
  TimePoint updated_at;
  // Where the visitor came from: their first visit's referrer and landing page, and how many visits so far.
  std::string referrer;
  std::string landing_url;
  int visits = 0;
};

/// The lead's history: contacts left (by the visitor), notes and status changes (by operators).
enum class LeadEntryKind { contact, note, status };
[[nodiscard]] std::string_view lead_entry_kind_name(LeadEntryKind k);

struct LeadEntry {
  std::int64_t id = 0;
  LeadId lead;
  LeadEntryKind kind = LeadEntryKind::note;
  OperatorId author;  // 0 for the visitor's own entries
  std::string author_name;
  std::string text;
  TimePoint at;
};

struct LeadPage {
  std::string url;
  std::string title;
  TimePoint at;
  int visit = 0;  // the visit's number, from 1
};

struct LeadDetail {
  Lead lead;
  std::vector<LeadEntry> entries;  // oldest first
  std::vector<LeadPage> pages;     // newest first, at most 100
  std::vector<std::pair<ConversationId, TimePoint>> conversations;  // the visitors' conversations, newest first
};

/// The console's list: newest first, optionally one site or status, before a cursor (a lead id).
struct LeadFilter {
  std::optional<SiteId> site;
  std::optional<LeadStatus> status;
  std::optional<LeadSource> source;
  std::optional<TimePoint> from, until;  // created in [from, until)
  LeadId before;  // 0: from the newest
  int limit = 50;
};
inline constexpr int kMaxLeadPage = 200;

}  // namespace otk
