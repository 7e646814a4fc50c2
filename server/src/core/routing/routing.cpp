#include "core/routing/routing.hpp"

#include "core/chat/text.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace otk {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

bool equal_nocase(std::string_view want, std::string_view have) { return want.empty() || lowered(want) == lowered(have); }

}  // namespace

VisitContext visit_context(std::string_view url, std::string_view referrer, bool logged_in) {
  VisitContext v;
  v.referrer = std::string(referrer);
  v.logged_in = logged_in;
  if (auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  std::string_view query;
  if (auto q = url.find('?'); q != std::string_view::npos) {
    query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  // Skip "scheme://authority"; what is left is the path.
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    auto slash = url.find('/', scheme + 3);
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  v.path = url.empty() ? "/" : percent_decode(url);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto kv = query.substr(0, amp);
    auto eq = kv.find('=');
    auto key = kv.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string() : percent_decode(kv.substr(eq + 1));
    if (key == "utm_source") v.utm_source = value;
    else if (key == "utm_medium") v.utm_medium = value;
    else if (key == "utm_campaign") v.utm_campaign = value;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return v;
}

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matching with one backtrack point per '*': linear enough for short patterns, no recursion.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Result<RoutingRule> normalize_rule(RoutingRule r) {
  if (!r.department) return fail(Errc::bad_request, "a routing rule needs a department");
  if (r.path_pattern.empty() && r.referrer_contains.empty() && r.utm_source.empty() && r.utm_medium.empty() &&
      r.utm_campaign.empty() && !r.logged_in) {
    return fail(Errc::bad_request, "a routing rule needs at least one condition");
  }
  if (!r.path_pattern.empty() && r.path_pattern.front() != '/' && r.path_pattern.front() != '*') {
    return fail(Errc::bad_request, "a path pattern starts with '/' or '*'");
  }
  for (const auto* s : {&r.path_pattern, &r.referrer_contains, &r.utm_source, &r.utm_medium, &r.utm_campaign}) {
    if (s->size() > 200) return fail(Errc::bad_request, "a routing condition is longer than 200 characters");
  }
  r.referrer_contains = lowered(r.referrer_contains);
  return r;
}

DepartmentId route(std::span<const RoutingRule> rules, const VisitContext& v, DepartmentId fallback) {
  const std::string referrer = lowered(v.referrer);
  for (const auto& r : rules) {
    if (!r.path_pattern.empty() && !glob_match(r.path_pattern, v.path)) continue;
    if (!r.referrer_contains.empty() && referrer.find(lowered(r.referrer_contains)) == std::string::npos) continue;
    if (!equal_nocase(r.utm_source, v.utm_source) || !equal_nocase(r.utm_medium, v.utm_medium) ||
        !equal_nocase(r.utm_campaign, v.utm_campaign)) {
      continue;
    }
    if (r.logged_in && *r.logged_in != v.logged_in) continue;
    return r.department;
  }
  return fallback;
}

std::string_view presence_name(Presence p) {
  switch (p) {
    case Presence::online: return "online";
    case Presence::away: return "away";
    case Presence::offline: return "offline";
  }
  return "offline";
}

std::optional<Presence> parse_presence(std::string_view s) {
  if (s == "online") return Presence::online;
  if (s == "away") return Presence::away;
  if (s == "offline") return Presence::offline;
  return std::nullopt;
}

bool OperatorLoad::serves(DepartmentId d) const { return std::ranges::find(departments, d) != departments.end(); }

std::optional<OperatorId> choose_operator(std::span<const OperatorLoad> roster, const AssignRequest& req) {
  const auto excluded = [&](OperatorId id) { return std::ranges::find(req.exclude, id) != req.exclude.end(); };
  if (req.previous && !excluded(*req.previous)) {
    auto prev = std::ranges::find(roster, *req.previous, &OperatorLoad::id);
    if (prev != roster.end() && prev->can_take()) return prev->id;
  }
  const OperatorLoad* best = nullptr;
  for (const auto& op : roster) {
    if (!op.can_take() || !op.serves(req.department) || excluded(op.id)) continue;
    if (!best || std::tie(op.active, op.last_assigned, op.id.value) <
                     std::tie(best->active, best->last_assigned, best->id.value)) {
      best = &op;
    }
  }
  if (!best) return std::nullopt;
  return best->id;
}

void WaitingLine::push(ConversationId chat, TimePoint since) {
  if (position(chat)) return;
  // Keep arrival order even if pushes come out of order (a re-queued chat keeps its original place).
  auto at = std::ranges::upper_bound(waiting_, since, {}, &Entry::since);
  waiting_.insert(at, Entry{chat, since});
}

bool WaitingLine::remove(ConversationId chat) {
  return std::erase_if(waiting_, [chat](const Entry& e) { return e.chat == chat; }) > 0;
}

std::optional<std::size_t> WaitingLine::position(ConversationId chat) const {
  auto it = std::ranges::find(waiting_, chat, &Entry::chat);
  if (it == waiting_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - waiting_.begin()) + 1;
}

std::vector<ConversationId> WaitingLine::chats() const {
  std::vector<ConversationId> out;
  out.reserve(waiting_.size());
  for (const auto& e : waiting_) out.push_back(e.chat);
  return out;
}

std::optional<ConversationId> WaitingLine::front() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.front().chat;
}

std::optional<Millis> estimate_wait(std::size_t position, std::span<const OperatorLoad> roster, DepartmentId department,
                                    Millis typical_chat) {
  long places = 0;
  for (const auto& op : roster) {
    if (op.presence == Presence::online && op.serves(department)) places += std::max(op.limit, 0);
  }
  if (places == 0 || typical_chat.count() <= 0) return std::nullopt;
  const double ms = static_cast<double>(position) * static_cast<double>(typical_chat.count()) / static_cast<double>(places);
  const auto minutes = static_cast<long>(std::ceil(ms / 60000.0));
  return Millis(std::max(1L, minutes) * 60000);
}

FirstResponseDecision on_first_response_timeout(const PendingOffer& offer, std::span<const OperatorLoad> roster,
                                                Millis typical_chat) {
  const AssignRequest req{offer.department, std::nullopt, offer.tried};
  if (auto next = choose_operator(roster, req)) return Reoffer{*next};
  return AllBusy{estimate_wait(1, roster, offer.department, typical_chat)};
}

}  // namespace otk
