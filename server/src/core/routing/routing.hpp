// Which department a chat belongs to, who answers it, and what happens when nobody does in time. Pure: the
// roster and the time are arguments; api/ keeps the live state and turns decisions into frames.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"

namespace otk {

// ---- routing rules ---------------------------------------------------------------------------------

/// What is known about the visitor when a chat starts; UTM tags come from the page URL's query.
struct VisitContext {
  std::string path;  // of the page URL, e.g. "/developers/api"
  std::string referrer;
  std::string utm_source, utm_medium, utm_campaign;
  bool logged_in = false;
};

/// Reads path and utm_* (percent-decoded) from a page URL.
[[nodiscard]] VisitContext visit_context(std::string_view page_url, std::string_view referrer, bool logged_in);

/// Every condition given must hold; an empty one is not checked. A rule with no condition is refused.
struct RoutingRule {
  std::string path_pattern;       // '*' matches any run of characters: "/developers*"
  std::string referrer_contains;  // case-insensitive substring
  std::string utm_source, utm_medium, utm_campaign;  // exact, case-insensitive
  std::optional<bool> logged_in;
  DepartmentId department;
};

[[nodiscard]] Result<RoutingRule> normalize_rule(RoutingRule rule);

/// The department of the first matching rule, in order; the fallback when none matches.
[[nodiscard]] DepartmentId route(std::span<const RoutingRule> rules, const VisitContext& visit, DepartmentId fallback);

/// Glob with '*' only; the whole text must match.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

// ---- assignment --------------------------------------------------------------------------------------

enum class Presence { online, away, offline };
[[nodiscard]] std::string_view presence_name(Presence p);
[[nodiscard]] std::optional<Presence> parse_presence(std::string_view s);

/// One operator as the router sees them at a moment.
struct OperatorLoad {
  OperatorId id;
  Presence presence = Presence::offline;
  int limit = 0;                       // chats at once
  int active = 0;                      // chats assigned now
  TimePoint last_assigned;             // longest idle = earliest; epoch when never assigned
  std::vector<DepartmentId> departments;

  [[nodiscard]] bool can_take() const { return presence == Presence::online && active < limit; }
  [[nodiscard]] bool serves(DepartmentId d) const;
};

struct AssignRequest {
  DepartmentId department;
  std::optional<OperatorId> previous;  // a returning visitor's last operator
  std::span<const OperatorId> exclude; // operators this chat was already offered to
};

/// The returning visitor's previous operator when they can take it (in any department: they know the visitor);
/// else the least-loaded online operator of the department under their limit, ties to the longest idle, then
/// to the lowest id. nullopt: the chat waits in the department's queue.
[[nodiscard]] std::optional<OperatorId> choose_operator(std::span<const OperatorLoad> roster, const AssignRequest& req);

// ---- queue -------------------------------------------------------------------------------------------

/// A department's waiting chats, first come first served.
class WaitingLine {
 public:
  void push(ConversationId chat, TimePoint since);
  bool remove(ConversationId chat);
  /// 1 for the next chat to be served; nullopt when not waiting.
  [[nodiscard]] std::optional<std::size_t> position(ConversationId chat) const;
  [[nodiscard]] std::optional<ConversationId> front() const;
  [[nodiscard]] std::size_t size() const { return waiting_.size(); }
  /// The waiting chats, first first.
  [[nodiscard]] std::vector<ConversationId> chats() const;

 private:
  struct Entry {
    ConversationId chat;
    TimePoint since;
  };
  std::vector<Entry> waiting_;
};

/// An honest estimate of the wait at `position`: every online operator of the department frees one of their
/// `limit` places every typical_chat / limit on average, so chats leave the line at
/// sum(limit) / typical_chat; the estimate is position / that rate, rounded up to a whole minute.
/// nullopt when nobody of the department is online: then the widget must not promise a time.
[[nodiscard]] std::optional<Millis> estimate_wait(std::size_t position, std::span<const OperatorLoad> roster,
                                                  DepartmentId department, Millis typical_chat);

// ---- first response ------------------------------------------------------------------------------------

/// A chat offered to an operator who has not answered yet.
struct PendingOffer {
  ConversationId chat;
  DepartmentId department;
  OperatorId to;
  TimePoint offered_at;
  std::vector<OperatorId> tried;  // everyone it was offered to, `to` included
};

struct Reoffer {
  OperatorId to;
};
struct AllBusy {
  std::optional<Millis> expected_wait;  // as estimate_wait for the head of the queue
};
using FirstResponseDecision = std::variant<Reoffer, AllBusy>;

[[nodiscard]] inline TimePoint first_response_deadline(const PendingOffer& offer, Millis timer) {
  return offer.offered_at + timer;
}

/// The timer ran out: offer the chat to the next operator who can take it and has not had it yet; when none is
/// left, the visitor hears that everyone is busy (and the chat stays with the operator it was offered to last).
[[nodiscard]] FirstResponseDecision on_first_response_timeout(const PendingOffer& offer,
                                                              std::span<const OperatorLoad> roster, Millis typical_chat);

}  // namespace otk
