#include "hub/hub.hpp"

#include <algorithm>

namespace otk {

void Hub::add(Map& m, std::int64_t k, const std::shared_ptr<Subscriber>& s) { m[k].push_back({s.get(), s}); }

void Hub::remove(Map& m, std::int64_t k, const Subscriber* s) {
  auto it = m.find(k);
  if (it == m.end()) return;
  std::erase_if(it->second, [&](const Entry& e) { return e.key == s; });
  if (it->second.empty()) m.erase(it);
}

void Hub::collect(const Map& m, std::int64_t k, const Subscriber* except,
                  std::vector<std::shared_ptr<Subscriber>>& out) {
  auto it = m.find(k);
  if (it == m.end()) return;
  for (const auto& e : it->second) {
    if (e.key == except) continue;
    if (auto s = e.sub.lock()) out.push_back(std::move(s));
  }
}

void Hub::send(const std::vector<std::shared_ptr<Subscriber>>& subs, const SharedText& frame) {
  for (const auto& s : subs) s->deliver(frame);
}

void Hub::add_visitor(VisitorId visitor, const std::shared_ptr<Subscriber>& s) {
  std::lock_guard lock(mu_);
  add(visitors_, visitor.value, s);
}

void Hub::remove_visitor(VisitorId visitor, const Subscriber* s) {
  std::lock_guard lock(mu_);
  remove(visitors_, visitor.value, s);
}

void Hub::add_operator(OperatorId op, const std::vector<SiteId>& sites, std::string session_key,
                       const std::shared_ptr<Subscriber>& s) {
  std::lock_guard lock(mu_);
  add(operators_, op.value, s);
  for (auto site : sites) add(sites_, site.value, s);
  sessions_[std::move(session_key)].push_back({s.get(), s});
}

void Hub::remove_operator(OperatorId op, const std::vector<SiteId>& sites, const Subscriber* s) {
  std::lock_guard lock(mu_);
  remove(operators_, op.value, s);
  for (auto site : sites) remove(sites_, site.value, s);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    std::erase_if(it->second, [&](const Entry& e) { return e.key == s; });
    it = it->second.empty() ? sessions_.erase(it) : std::next(it);
  }
}

void Hub::to_conversation(SiteId site, VisitorId visitor, const SharedText& frame, const Subscriber* except) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    collect(visitors_, visitor.value, except, subs);
    collect(sites_, site.value, except, subs);
  }
  send(subs, frame);
}

void Hub::to_site_operators(SiteId site, const SharedText& frame, const Subscriber* except) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    collect(sites_, site.value, except, subs);
  }
  send(subs, frame);
}

void Hub::to_visitor(VisitorId visitor, const SharedText& frame, const Subscriber* except) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    collect(visitors_, visitor.value, except, subs);
  }
  send(subs, frame);
}

void Hub::to_operator(OperatorId op, const SharedText& frame, const Subscriber* except) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    collect(operators_, op.value, except, subs);
  }
  send(subs, frame);
}

void Hub::close_session(const std::string& session_key, std::uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session_key);
    if (it == sessions_.end()) return;
    for (const auto& e : it->second)
      if (auto s = e.sub.lock()) subs.push_back(std::move(s));
  }
  for (const auto& s : subs) s->close(code, reason);
}

void Hub::close_operator(OperatorId op, std::uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    collect(operators_, op.value, nullptr, subs);
  }
  for (const auto& s : subs) s->close(code, reason);
}

bool Hub::has_operator(OperatorId op) {
  std::lock_guard lock(mu_);
  const auto it = operators_.find(op.value);
  return it != operators_.end() && std::ranges::any_of(it->second, [](const auto& e) { return !e.sub.expired(); });
}

void Hub::close_all(std::uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mu_);
    for (const auto* m : {&visitors_, &operators_})
      for (const auto& [_, entries] : *m)
        for (const auto& e : entries)
          if (auto s = e.sub.lock()) subs.push_back(std::move(s));
  }
  for (const auto& s : subs) s->close(code, reason);
}

}  // namespace otk
