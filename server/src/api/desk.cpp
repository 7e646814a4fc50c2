#include "api/desk.hpp"

#include <spdlog/spdlog.h>

#include "api/db_await.hpp"
#include "proto/frames.hpp"

namespace otk {

Desk::Desk(net::io_context& ioc, Services services, DeskConfig config)
    : ioc_(ioc), strand_(net::make_strand(ioc)), timer_(strand_), s_(services), config_(config) {}

void Desk::start(DeskSnapshot snap) {
  for (auto& o : snap.operators) ops_[o.id] = Op{std::move(o), 0, 0, TimePoint{}};
  load_setup(snap);
  for (auto& c : snap.open_chats) {
    Chat chat{c, {}, false};
    if (c.assigned) {
      chat.tried.push_back(c.assigned);
      if (auto it = ops_.find(c.assigned); it != ops_.end()) {
        it->second.active++;
        it->second.last_assigned = std::max(it->second.last_assigned, c.assigned_at);
      }
    } else if (c.department) {
      lines_[c.department].push(c.id, c.created_at);
    }
    chats_[c.id] = std::move(chat);
  }
  // Conversations opened while the server was down between commit and routing have no department yet.
  std::vector<Chat> unrouted;
  for (const auto& [id, chat] : chats_) {
    if (!chat.info.department) unrouted.push_back(chat);
  }
  for (const auto& chat : unrouted) {
    net::co_spawn(strand_, route_new(chat.info.id, PageRef{}, false), net::detached);
  }
  net::co_spawn(strand_, tick_loop(), net::detached);
}

void Desk::load_setup(DeskSnapshot& snap) {
  departments_.clear();
  for (auto& d : snap.departments) departments_[d.id] = std::move(d);
  sites_.clear();
  schedules_.clear();
  for (auto& site : snap.sites) put_site(std::move(site));
}

Millis Desk::first_response_of(SiteId site) const {
  auto it = sites_.find(site);
  return it != sites_.end() && it->second.first_response ? *it->second.first_response : config_.first_response;
}

void Desk::put_site(DeskSite site) {
  Schedule schedule;
  auto hours = hours_from_json(site.hours);
  auto zone = find_zone(site.timezone);
  if (hours && zone) {
    schedule = Schedule{std::move(*hours), *zone};
  } else {
    spdlog::error("site {}: unusable hours or time zone ({}); treating it as always open", site.id.value,
                  hours ? zone.error().message : hours.error().message);
    schedule.hours.always_open = true;
    schedule.zone = date::locate_zone("UTC");
  }
  schedules_[site.id] = std::move(schedule);
  sites_[site.id] = std::move(site);
}

void Desk::stop() {
  net::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

// ---- events ---------------------------------------------------------------------------------------------

void Desk::chat_opened(const Conversation& c, const PageRef& page, bool logged_in) {
  net::post(strand_, [this, c, page, logged_in] {
    if (chats_.contains(c.id)) return;
    chats_[c.id] = Chat{DeskChat{c.id, c.site, c.visitor, DepartmentId{}, OperatorId{}, c.created_at, c.created_at, false},
                        {}, false};
    net::co_spawn(strand_, route_new(c.id, page, logged_in), net::detached);
  });
}

void Desk::first_reply(ConversationId id, OperatorId by, bool guest) {
  net::post(strand_, [this, id, by, guest] {
    auto it = chats_.find(id);
    if (it == chats_.end()) return;
    Chat& chat = it->second;
    chat.info.answered = true;
    if (chat.info.assigned == by || (guest && chat.info.assigned)) {
      if (chat.told_busy) {  // the visitor heard "busy": now someone is here
        chat.told_busy = false;
        tell_visitor(chat);
      }
      return;
    }
    // Whoever answers first takes the chat (storage already recorded it with the message).
    if (chat.info.assigned) release(chat.info.assigned);
    else if (chat.info.department) lines_[chat.info.department].remove(id);
    chat.info.assigned = by;
    chat.info.assigned_at = s_.clock.now();
    chat.told_busy = false;
    if (auto op = ops_.find(by); op != ops_.end()) {
      op->second.active++;
      op->second.last_assigned = chat.info.assigned_at;
    }
    s_.hub.to_site_operators(chat.info.site,
                             share(proto::assignment_frame(id, chat.info.department, department_name(chat.info.department),
                                                           by, operator_name(by))));
    tell_visitor(chat);
    net::co_spawn(strand_, drain(), net::detached);
  });
}

void Desk::chat_closed(ConversationId id) {
  net::post(strand_, [this, id] {
    auto it = chats_.find(id);
    if (it == chats_.end()) return;
    if (it->second.info.assigned) release(it->second.info.assigned);
    if (it->second.info.department) lines_[it->second.info.department].remove(id);
    chats_.erase(it);
    net::co_spawn(strand_, drain(), net::detached);
  });
}

void Desk::console_opened(OperatorId op) {
  net::post(strand_, [this, op] {
    auto it = ops_.find(op);
    if (it == ops_.end()) return;
    it->second.consoles++;
    s_.hub.to_operator(op, share(proto::presence_frame(it->second.info.presence, true)));
    net::co_spawn(strand_, drain(), net::detached);
  });
}

void Desk::console_closed(OperatorId op) {
  net::post(strand_, [this, op] {
    auto it = ops_.find(op);
    if (it != ops_.end() && it->second.consoles > 0) it->second.consoles--;
    // Their unanswered chats move on when their first-response timers run out.
  });
}

void Desk::presence_chosen(OperatorId op, Presence p) {
  net::post(strand_, [this, op, p] {
    auto it = ops_.find(op);
    if (it == ops_.end()) return;
    it->second.info.presence = p;
    s_.hub.to_operator(op, share(proto::presence_frame(p, it->second.consoles > 0)));
    net::co_spawn(strand_, drain(), net::detached);
  });
}

void Desk::refresh(DeskSnapshot snap) {
  net::post(strand_, [this, snap = std::move(snap)]() mutable {
    // Operators: new settings, the live part (consoles, load, idle time, chosen presence) kept.
    std::unordered_map<OperatorId, Op> ops;
    for (auto& o : snap.operators) {
      Op op{std::move(o), 0, 0, TimePoint{}};
      if (auto old = ops_.find(op.info.id); old != ops_.end()) {
        op.consoles = old->second.consoles;
        op.active = old->second.active;
        op.last_assigned = old->second.last_assigned;
        op.info.presence = old->second.info.presence;
      }
      ops.emplace(op.info.id, std::move(op));
    }
    ops_ = std::move(ops);
    load_setup(snap);  // departments, and sites with their hours, timers and rules
    std::vector<ConversationId> orphans;
    for (auto& [id, chat] : chats_) {
      auto& info = chat.info;
      if (info.department && !departments_.contains(info.department)) {  // deleted: its chats go to the default
        lines_[info.department].remove(id);
        auto site = sites_.find(info.site);
        info.department = site == sites_.end() ? DepartmentId{} : site->second.default_department;
        if (!info.assigned && info.department) lines_[info.department].push(id, info.created_at);
      }
      // Their operator is gone (disabled) or no longer works on the site: back to routing.
      const auto holder = ops_.find(info.assigned);
      const bool serves_site = holder != ops_.end() && std::ranges::any_of(holder->second.info.departments, [&](DepartmentId d) {
        auto dep = departments_.find(d);
        return dep != departments_.end() && dep->second.site == info.site;
      });
      if (info.assigned && !serves_site) {
        if (holder != ops_.end()) release(info.assigned);
        info.assigned = OperatorId{};
        orphans.push_back(id);
      }
    }
    std::erase_if(lines_, [this](const auto& line) { return !departments_.contains(line.first); });
    net::co_spawn(strand_, reroute(std::move(orphans)), net::detached);
  });
}

net::awaitable<void> Desk::reroute(std::vector<ConversationId> ids) {
  for (const auto id : ids) {
    auto it = chats_.find(id);
    if (it == chats_.end() || it->second.info.assigned) continue;
    const DepartmentId department = it->second.info.department;
    const auto team = roster(department);
    const auto chosen = choose_operator(team, AssignRequest{department, std::nullopt, {}});
    co_await assign(id, chosen.value_or(OperatorId{}));
  }
  co_await drain();
}

void Desk::visitor_hello(SiteId site, VisitorId visitor) {
  net::post(strand_, [this, site, visitor] {
    auto it = schedules_.find(site);
    if (it == schedules_.end()) return;
    const auto now = s_.clock.now();
    const bool open = is_open(it->second.hours, *it->second.zone, now);
    const auto next = open ? std::nullopt : next_open(it->second.hours, *it->second.zone, now);
    s_.hub.to_visitor(visitor, share(proto::hours_frame(open, next)));
  });
}

void Desk::visitor_back(ConversationId id) {
  net::post(strand_, [this, id] {
    if (auto it = chats_.find(id); it != chats_.end()) tell_visitor(it->second);
  });
}

net::awaitable<Result<void>> Desk::transfer(ConversationId id, OperatorId by, OperatorId to_operator,
                                            DepartmentId to_department, bool may_reassign) {
  co_return co_await net::co_spawn(strand_, transfer_here(id, by, to_operator, to_department, may_reassign),
                                   net::use_awaitable);
}

net::awaitable<Result<void>> Desk::may_transfer(ConversationId id, OperatorId by, bool may_reassign) {
  co_return co_await net::co_spawn(strand_, check_here(id, by, may_reassign), net::use_awaitable);
}

net::awaitable<Result<void>> Desk::check_here(ConversationId id, OperatorId by, bool may_reassign) {
  co_return check_transfer(id, by, may_reassign);
}

Result<void> Desk::check_transfer(ConversationId id, OperatorId by, bool may_reassign) const {
  auto it = chats_.find(id);
  if (it == chats_.end()) return fail(Errc::not_found, "no such open conversation");
  const OperatorId holder = it->second.info.assigned;
  if (!may_reassign && holder && holder != by) {
    return fail(Errc::forbidden, operator_name(holder) + " holds this conversation: only a supervisor, an admin or "
                                 "the owner may reassign it");
  }
  return {};
}

net::awaitable<Result<void>> Desk::transfer_here(ConversationId id, OperatorId by, OperatorId to_operator,
                                                 DepartmentId to_department, bool may_reassign) {
  if (auto allowed = check_transfer(id, by, may_reassign); !allowed) co_return std::unexpected(allowed.error());
  auto it = chats_.find(id);
  Chat& chat = it->second;
  const SiteId site = chat.info.site;
  const auto site_of = [this](DepartmentId d) {
    auto dep = departments_.find(d);
    return dep == departments_.end() ? SiteId{} : dep->second.site;
  };
  DepartmentId department = to_department;
  OperatorId target = to_operator;
  if (to_operator) {
    if (to_operator == chat.info.assigned) {
      co_return fail(Errc::bad_request, to_operator == by ? "the conversation is already yours to hand over"
                                                          : "the conversation is already with " + operator_name(to_operator));
    }
    auto op = ops_.find(to_operator);
    if (op == ops_.end()) co_return fail(Errc::not_found, "no such operator");
    // The target must serve this site: keep the chat's department if they are in it, else take one of theirs.
    const auto& deps = op->second.info.departments;
    if (std::ranges::find(deps, chat.info.department) == deps.end()) {
      auto mine = std::ranges::find_if(deps, [&](DepartmentId d) { return site_of(d) == site; });
      if (mine == deps.end()) co_return fail(Errc::not_found, "no such operator on this site");
      department = *mine;
    } else {
      department = chat.info.department;
    }
    const auto& o = op->second;
    if (o.effective() != Presence::online || o.active >= o.info.limit) {
      co_return fail(Errc::conflict, o.info.name + " cannot take a chat now (away or at their limit)");
    }
  } else {
    if (site_of(to_department) != site) co_return fail(Errc::not_found, "no such department on this site");
    const auto team = roster(to_department);
    std::vector<OperatorId> exclude{by};
    if (chat.info.assigned) exclude.push_back(chat.info.assigned);
    target = choose_operator(team, AssignRequest{to_department, std::nullopt, exclude}).value_or(OperatorId{});
  }
  if (chat.info.assigned) release(chat.info.assigned);
  if (chat.info.department) lines_[chat.info.department].remove(id);
  chat.info.department = department;
  chat.info.assigned = OperatorId{};
  chat.tried.clear();
  co_await assign(id, target);
  co_return Result<void>{};
}

// ---- decisions ------------------------------------------------------------------------------------------

std::vector<OperatorLoad> Desk::roster(DepartmentId department) const {
  std::vector<OperatorLoad> out;
  for (const auto& [id, op] : ops_) {
    if (std::ranges::find(op.info.departments, department) == op.info.departments.end()) continue;
    out.push_back(OperatorLoad{id, op.effective(), op.info.limit, op.active, op.last_assigned, op.info.departments});
  }
  return out;
}

std::string Desk::operator_name(OperatorId op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? std::string() : it->second.info.name;
}

std::string Desk::department_name(DepartmentId d) const {
  auto it = departments_.find(d);
  return it == departments_.end() ? std::string() : it->second.name;
}

void Desk::release(OperatorId op) {
  if (auto it = ops_.find(op); it != ops_.end() && it->second.active > 0) it->second.active--;
}

net::awaitable<void> Desk::route_new(ConversationId id, PageRef page, bool logged_in) {
  auto it = chats_.find(id);
  if (it == chats_.end()) co_return;
  const VisitorId visitor = it->second.info.visitor;
  auto site = sites_.find(it->second.info.site);
  if (site == sites_.end()) {
    spdlog::error("desk: conversation {} belongs to a site the desk does not know", id.value);
    co_return;
  }
  const auto visit = visit_context(page.url, page.referrer, logged_in);
  it->second.info.department = route(site->second.rules, visit, site->second.default_department);
  auto find_previous = [visitor, id](Storage& st) { return st.last_operator_of(visitor, id); };
  auto previous = co_await db_read<std::optional<OperatorId>>(s_.db, find_previous);
  it = chats_.find(id);  // the strand ran other events while the read was out
  if (it == chats_.end() || it->second.info.assigned) co_return;
  const DepartmentId department = it->second.info.department;
  const auto team = roster(department);
  const AssignRequest req{department, previous ? *previous : std::nullopt, {}};
  const auto chosen = choose_operator(team, req);
  co_await assign(id, chosen.value_or(OperatorId{}));
}

net::awaitable<void> Desk::assign(ConversationId id, OperatorId op) {
  auto it = chats_.find(id);
  if (it == chats_.end()) co_return;
  Chat& chat = it->second;
  const auto now = s_.clock.now();
  const DepartmentId department = chat.info.department;
  if (op) {
    chat.info.assigned = op;
    chat.info.assigned_at = now;
    chat.told_busy = false;
    if (std::ranges::find(chat.tried, op) == chat.tried.end()) chat.tried.push_back(op);
    lines_[department].remove(id);
    auto& o = ops_[op];
    o.active++;
    o.last_assigned = now;
  } else {
    chat.info.assigned = OperatorId{};
    lines_[department].push(id, chat.info.created_at);
  }
  tell_visitor(chat);
  Hub& hub = s_.hub;
  const SiteId site = chat.info.site;
  const std::string frame =
      proto::assignment_frame(id, department, department_name(department), op, op ? operator_name(op) : "");
  auto record = [id, department, op, now](Storage& st) { return st.assign_conversation(id, department, op, now); };
  auto announce = [&hub, site, frame]() { hub.to_site_operators(site, share(frame)); };
  auto stored = co_await db_write<void>(s_.db, record, announce);
  if (!stored) spdlog::error("desk: could not record the assignment of {}: {}", id.value, stored.error().message);
}

net::awaitable<void> Desk::drain() {
  std::vector<DepartmentId> departments;
  for (const auto& [d, line] : lines_) {
    if (line.size() > 0) departments.push_back(d);
  }
  for (const auto d : departments) {
    for (;;) {
      auto line = lines_.find(d);
      if (line == lines_.end()) break;
      const auto next = line->second.front();
      if (!next) break;
      const auto team = roster(d);
      const auto op = choose_operator(team, AssignRequest{d, std::nullopt, {}});
      if (!op) break;
      co_await assign(*next, *op);
    }
    // Everyone still waiting hears their new place.
    for (const auto id : lines_[d].chats()) {
      if (auto chat = chats_.find(id); chat != chats_.end()) tell_visitor(chat->second);
    }
  }
}

void Desk::tell_visitor(const Chat& chat) {
  const auto id = chat.info.id;
  const auto d = chat.info.department;
  std::string frame;
  if (chat.info.assigned && !chat.told_busy) {
    frame = proto::status_frame(id, "assigned", 0, std::nullopt);
  } else if (chat.info.assigned) {
    frame = proto::status_frame(id, "busy", 0, estimate_wait(1, roster(d), d, config_.typical_chat));
  } else if (d) {
    const auto position = lines_[d].position(id).value_or(1);
    frame = proto::status_frame(id, "queued", position, estimate_wait(position, roster(d), d, config_.typical_chat));
  } else {
    return;  // not routed yet
  }
  s_.hub.to_visitor(chat.info.visitor, share(std::move(frame)));
}

net::awaitable<void> Desk::tick_loop() {
  while (!stopped_) {
    timer_.expires_after(config_.tick);
    boost::system::error_code ec;
    co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (stopped_) break;
    co_await check_deadlines();
  }
}

net::awaitable<void> Desk::check_deadlines() {
  const auto now = s_.clock.now();
  std::vector<ConversationId> due;
  for (const auto& [id, chat] : chats_) {
    if (chat.info.assigned && !chat.info.answered && now >= chat.info.assigned_at + first_response_of(chat.info.site)) {
      due.push_back(id);
    }
  }
  for (const auto id : due) {
    auto it = chats_.find(id);
    if (it == chats_.end() || it->second.info.answered) continue;
    Chat& chat = it->second;
    const PendingOffer offer{id, chat.info.department, chat.info.assigned, chat.info.assigned_at, chat.tried};
    const auto team = roster(chat.info.department);
    const auto decision = on_first_response_timeout(offer, team, config_.typical_chat);
    if (const auto* next = std::get_if<Reoffer>(&decision)) {
      release(chat.info.assigned);
      co_await assign(id, next->to);
    } else if (!chat.told_busy) {
      // Nobody else can take it: the chat stays where it is, and the visitor hears the truth.
      chat.told_busy = true;
      tell_visitor(chat);
    }
  }
}

}  // namespace otk
