// Team settings (docs/api.md, "Team and departments"): operators of the account (invite, roles, sites,
// departments, limits, disabling), departments of a site and its ordered routing rules. Owners and admins
// change; supervisors read. Every change reaches the desk and the connected consoles at once (team_changed).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "api/desk.hpp"
#include "api/endpoints.hpp"
#include "core/chat/text.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

using json = nlohmann::json;
constexpr auto kInviteLifetime = std::chrono::days(7);
constexpr std::size_t kMinPasswordChars = 8;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kMaxRules = 100;
// People and their access are managed by a person: an API token (docs/api.md, "API tokens") gets 403.
constexpr char kConsoleOnly[] = "the team is managed in a console session, not with an API token";

json member_json(const TeamMember& m, bool connected) {
  json deps = json::array();
  for (const auto d : m.departments) deps.push_back(d.value);
  return json{{"id", m.id.value},
              {"name", m.name},
              {"email", m.email},
              {"role", role_name(m.role)},
              {"sites", m.site_keys},
              {"departments", std::move(deps)},
              {"chat_limit", m.chat_limit},
              {"presence", connected && !m.disabled ? presence_name(m.presence) : "offline"},
              {"disabled", m.disabled},
              {"invited", m.invited},
              {"photo", m.photo.empty() ? json(nullptr) : json(proto::operator_photo_path(m.id, m.photo))}};
}

json department_json(const DepartmentInfo& d) {
  json members = json::array();
  for (const auto op : d.members) members.push_back(op.value);
  return json{{"id", d.id.value}, {"name", d.name}, {"default", d.is_default}, {"members", std::move(members)}};
}

json rule_json(const RoutingRule& r) {
  json j{{"department", r.department.value}};
  if (!r.path_pattern.empty()) j["path"] = r.path_pattern;
  if (!r.referrer_contains.empty()) j["referrer"] = r.referrer_contains;
  if (!r.utm_source.empty()) j["utm_source"] = r.utm_source;
  if (!r.utm_medium.empty()) j["utm_medium"] = r.utm_medium;
  if (!r.utm_campaign.empty()) j["utm_campaign"] = r.utm_campaign;
  if (r.logged_in) j["logged_in"] = *r.logged_in;
  return j;
}

std::size_t utf8_chars(std::string_view s) {
  return static_cast<std::size_t>(std::ranges::count_if(s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Result<std::string> name_field(const json& body, std::string_view field) {
  const auto it = body.find(field);
  const std::string quoted = "'" + std::string(field) + "'";
  if (!it->is_string()) return fail(Errc::bad_request, quoted + " must be a string");
  auto name = normalize_message_text(it->get<std::string>());
  if (!name || name->size() > 100) return fail(Errc::bad_request, quoted + " must be 1..100 bytes of text");
  return *name;
}

Result<Role> role_field(const json& v) {
  const auto role = v.is_string() ? parse_role(v.get<std::string>()) : std::nullopt;
  if (!role) return fail(Errc::bad_request, "'role' must be owner, admin, supervisor or operator");
  return *role;
}

Result<int> limit_field(const json& v) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 100) {
    return fail(Errc::bad_request, "'chat_limit' must be a whole number from 0 to 100");
  }
  return static_cast<int>(v.get<std::int64_t>());
}

/// Site keys of the body -> ids of the caller's sites.
Result<std::vector<SiteId>> sites_field(const json& v, const std::vector<Site>& visible) {
  if (!v.is_array() || v.size() > 1000) return fail(Errc::bad_request, "'sites' must be an array of site keys");
  std::vector<SiteId> out;
  for (const auto& k : v) {
    if (!k.is_string()) return fail(Errc::bad_request, "'sites' must be an array of site keys");
    auto it = std::ranges::find(visible, k.get<std::string>(), &Site::key);
    if (it == visible.end()) return fail(Errc::bad_request, "'sites': no site '" + k.get<std::string>() + "' of yours");
    if (std::ranges::find(out, it->id) == out.end()) out.push_back(it->id);
  }
  return out;
}

template <class Id>
Result<std::vector<Id>> ids_field(const json& v, std::string_view field) {
  const std::string message = "'" + std::string(field) + "' must be an array of ids";
  if (!v.is_array() || v.size() > 1000) return fail(Errc::bad_request, message);
  std::vector<Id> out;
  for (const auto& id : v) {
    if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) return fail(Errc::bad_request, message);
    if (std::ranges::find(out, Id{id.get<std::int64_t>()}) == out.end()) out.push_back(Id{id.get<std::int64_t>()});
  }
  return out;
}

/// Whether `actor` may apply `change` to `target` (docs/api.md, "Team and departments").
Result<void> check_change(const OperatorAccount& actor, const TeamMember& target, const OperatorChange& change,
                          int owners) {
  const bool self = actor.id == target.id;
  if (self && change.role && *change.role != target.role) return fail(Errc::forbidden, "you cannot change your own role");
  if (self && change.disabled && *change.disabled) return fail(Errc::forbidden, "you cannot disable yourself");
  if (actor.role != Role::owner) {
    if (!self && may_manage(target.role)) return fail(Errc::forbidden, "only an owner manages owners and admins");
    if (change.role && may_manage(*change.role) && *change.role != target.role) {
      return fail(Errc::forbidden, "only an owner grants the owner or admin role");
    }
  }
  const bool stops_owning = (change.role && *change.role != Role::owner) || (change.disabled && *change.disabled);
  if (target.role == Role::owner && !target.disabled && stops_owning && owners <= 1) {
    return fail(Errc::conflict, "the account's last owner stays an owner: make someone else an owner first");
  }
  return {};
}

}  // namespace

// ---- the live effect ------------------------------------------------------------------------------------

net::awaitable<void> App::team_changed(AccountId account) {
  if (s_.desk) {
    auto read_snapshot = [](Storage& st) { return st.desk_snapshot(); };
    auto snap = co_await db_read<DeskSnapshot>(s_.db, read_snapshot);
    if (snap) s_.desk->refresh(std::move(*snap));
  }
  // Each enabled operator of the account gets the team as their console shows it (their own sites).
  auto build = [account](Storage& st) -> Result<std::vector<std::pair<OperatorId, std::string>>> {
    OperatorScope sc;
    sc.op.account = account;
    auto members = st.team_members(sc);
    if (!members) return std::unexpected(members.error());
    std::vector<std::pair<OperatorId, std::string>> out;
    for (const auto& m : *members) {
      if (m.disabled || m.invited) continue;
      OperatorScope theirs;
      theirs.op.id = m.id;
      theirs.op.account = account;
      theirs.sites = m.sites;
      std::ranges::sort(theirs.sites);
      auto team = st.team_of(theirs);
      if (!team) return std::unexpected(team.error());
      out.emplace_back(m.id, proto::team_frame(team_view(std::move(*team))));
    }
    return out;
  };
  auto frames = co_await db_read<std::vector<std::pair<OperatorId, std::string>>>(s_.db, build);
  if (!frames) co_return;
  for (auto& [op, frame] : *frames) s_.hub.to_operator(op, share(std::move(frame)));
}

// ---- operators ------------------------------------------------------------------------------------------

net::awaitable<HttpResponse> App::operators(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  if (session->token) co_return error_response(s_.metrics, {Errc::forbidden, kConsoleOnly});
  const OperatorScope sc = session->scope;
  if (!may_supervise(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners, admins and supervisors see the team"});
  }
  if (write && !may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins manage the team"});
  }
  if (rest.empty() && !write) {
    auto list = [sc](Storage& st) { return st.team_members(sc); };
    auto members = co_await db_read<std::vector<TeamMember>>(s_.db, list);
    if (!members) co_return error_response(s_.metrics, members.error());
    json out{{"operators", json::array()}};
    for (const auto& m : *members) out["operators"].push_back(member_json(m, s_.hub.has_operator(m.id)));
    co_return json_response(http::status::ok, dump(out));
  }
  auto list_sites = [sc](Storage& st) { return st.sites_of(sc); };
  auto visible = co_await db_read<std::vector<Site>>(s_.db, list_sites);
  if (!visible) co_return error_response(s_.metrics, visible.error());

  if (rest.empty() && verb == http::verb::post) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    Invitation inv;
    const auto email = body->find("email");
    if (email == body->end() || !email->is_string()) {
      co_return error_response(s_.metrics, {Errc::bad_request, "'email' is required: the person's e-mail address"});
    }
    inv.email = email->get<std::string>();
    for (auto& c : inv.email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto at = inv.email.find('@');
    if (inv.email.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= inv.email.size() ||
        inv.email.find_first_of(" \t\r\n<>,;\"") != std::string::npos || inv.email.find('@', at + 1) != std::string::npos) {
      co_return error_response(s_.metrics, {Errc::bad_request, "'email' is not an e-mail address"});
    }
    if (!body->contains("name")) co_return error_response(s_.metrics, {Errc::bad_request, "'name' is required"});
    auto name = name_field(*body, "name");
    if (!name) co_return error_response(s_.metrics, name.error());
    inv.name = *name;
    if (const auto r = body->find("role"); r != body->end()) {
      auto role = role_field(*r);
      if (!role) co_return error_response(s_.metrics, role.error());
      inv.role = *role;
    }
    if (sc.op.role != Role::owner && may_manage(inv.role)) {
      co_return error_response(s_.metrics, {Errc::forbidden, "only an owner invites owners and admins"});
    }
    if (const auto l = body->find("chat_limit"); l != body->end()) {
      auto limit = limit_field(*l);
      if (!limit) co_return error_response(s_.metrics, limit.error());
      inv.chat_limit = *limit;
    }
    if (const auto s = body->find("sites"); s != body->end()) {
      auto sites = sites_field(*s, *visible);
      if (!sites) co_return error_response(s_.metrics, sites.error());
      inv.sites = std::move(*sites);
    } else {
      for (const auto& site : *visible) inv.sites.push_back(site.id);
    }
    const std::string token = random_token();
    inv.token_hash = token_hash(token);
    inv.expires = s_.clock.now() + kInviteLifetime;
    const auto now = s_.clock.now();
    auto store = [sc, inv, now](Storage& st) { return st.invite_operator(sc, inv, now); };
    auto made = co_await db_write<TeamMember>(s_.db, store);
    if (!made) co_return error_response(s_.metrics, made.error());
    co_await team_changed(sc.op.account);
    const std::string path = "/console/#invite=" + token;
    co_return json_response(http::status::created,
                            dump(json{{"operator", member_json(*made, false)},
                                      {"invite", {{"url", own_origin(req) + path}, {"path", path},
                                                  {"expires_at", to_unix_ms(inv.expires)}}}}));
  }
  if (verb == http::verb::patch && rest.size() > 1 && rest.front() == '/') {
    const auto id_value = parse_positive_id(rest.substr(1));
    if (!id_value) co_return error_response(s_.metrics, {Errc::not_found, "no such operator"});
    const OperatorId id{*id_value};
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    OperatorChange change;
    for (const auto& [key, value] : body->items()) {
      if (key == "name") {
        auto name = name_field(*body, "name");
        if (!name) co_return error_response(s_.metrics, name.error());
        change.name = *name;
      } else if (key == "role") {
        auto role = role_field(value);
        if (!role) co_return error_response(s_.metrics, role.error());
        change.role = *role;
      } else if (key == "chat_limit") {
        auto limit = limit_field(value);
        if (!limit) co_return error_response(s_.metrics, limit.error());
        change.chat_limit = *limit;
      } else if (key == "disabled") {
        if (!value.is_boolean()) co_return error_response(s_.metrics, {Errc::bad_request, "'disabled' must be true or false"});
        change.disabled = value.get<bool>();
      } else if (key == "sites") {
        auto sites = sites_field(value, *visible);
        if (!sites) co_return error_response(s_.metrics, sites.error());
        change.sites = std::move(*sites);
      } else if (key == "departments") {
        auto deps = ids_field<DepartmentId>(value, "departments");
        if (!deps) co_return error_response(s_.metrics, deps.error());
        change.departments = std::move(*deps);
      } else {
        co_return error_response(s_.metrics, {Errc::bad_request, "'" + key + "' cannot be changed here"});
      }
    }
    // Checked and applied in one step: nobody's change slips in between.
    const std::vector<SiteId> mine = sc.sites;
    struct Changed {
      TeamMember before, after;
    };
    auto apply = [sc, id, change, mine](Storage& st) mutable -> Result<Changed> {
      auto target = st.team_member(sc, id);
      if (!target) return std::unexpected(target.error());
      if (!*target) return fail(Errc::not_found, "no such operator");
      auto owners = st.owner_count(sc);
      if (!owners) return std::unexpected(owners.error());
      if (auto allowed = check_change(sc.op, **target, change, *owners); !allowed) return std::unexpected(allowed.error());
      if (change.sites) {  // sites the caller does not work on stay as they are
        for (const SiteId s : (*target)->sites) {
          if (std::ranges::find(mine, s) == mine.end()) change.sites->push_back(s);
        }
      }
      auto after = st.change_operator(sc, id, change);
      if (!after) return std::unexpected(after.error());
      return Changed{std::move(**target), std::move(*after)};
    };
    auto done = co_await db_write<Changed>(s_.db, apply);
    if (!done) co_return error_response(s_.metrics, done.error());
    if (done->after.disabled && !done->before.disabled) {
      s_.hub.close_operator(id, 4001, "your access was turned off");
    } else if (done->after.sites != done->before.sites || done->after.role != done->before.role) {
      s_.hub.close_operator(id, 4003, "your sites or role changed; reconnect");  // the console reconnects
    }
    co_await team_changed(sc.op.account);
    co_return json_response(http::status::ok, dump(json{{"operator", member_json(done->after, s_.hub.has_operator(id))}}));
  }
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

// ---- accepting an invitation ------------------------------------------------------------------------------

net::awaitable<HttpResponse> App::accept_invite(const HttpRequest& req, const std::string& peer_ip) {
  if (auto origin = req[http::field::origin]; !origin.empty() && origin != own_origin(req)) {
    co_return error_response(s_.metrics, {Errc::origin_not_allowed, "an invitation is accepted on this server's own page"});
  }
  auto body = json_object_body(req);
  if (!body) co_return error_response(s_.metrics, body.error());
  const auto token = body->find("token");
  const auto password = body->find("password");
  if (token == body->end() || !token->is_string() || token->get<std::string>().empty() ||
      token->get<std::string>().size() > 128) {
    co_return error_response(s_.metrics, {Errc::bad_request, "'token' must be the code from the invitation link"});
  }
  if (password == body->end() || !password->is_string()) {
    co_return error_response(s_.metrics, {Errc::bad_request, "'password' is required"});
  }
  const std::string secret = password->get<std::string>();
  if (utf8_chars(secret) < kMinPasswordChars || secret.size() > kMaxPasswordBytes) {
    co_return error_response(s_.metrics, {Errc::bad_request, "'password' must have at least 8 characters"});
  }
  const std::string hash_of_invite = token_hash(token->get<std::string>());
  double retry_after = 0;
  if (!login_allowed(peer_ip, "invite:" + hash_of_invite.substr(0, 16), retry_after)) {
    auto res = error_response(s_.metrics, {Errc::rate_limited, "too many attempts; try again shortly"});
    res.set(http::field::retry_after, std::to_string(static_cast<long>(std::ceil(retry_after))));
    co_return res;
  }
  // argon2id costs ~64 MiB and tens of milliseconds: on the CPU pool, as at login.
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  auto hashed = hash_password(secret);
  co_await net::post(home, net::use_awaitable);
  if (!hashed) co_return error_response(s_.metrics, hashed.error());
  const std::string password_hash = std::move(*hashed);
  const auto now = s_.clock.now();
  auto accept = [hash_of_invite, password_hash, now](Storage& st) {
    return st.accept_invite(hash_of_invite, password_hash, now);
  };
  auto creds = co_await db_write<std::optional<Credentials>>(s_.db, accept);
  if (!creds) co_return error_response(s_.metrics, creds.error());
  if (!*creds) {
    co_return error_response(s_.metrics, {Errc::not_found, "this invitation link was already used or has expired; "
                                                           "ask for a new one"});
  }
  const OperatorAccount op = (*creds)->op;
  co_await team_changed(op.account);
  co_return co_await start_session(req, op);
}

// ---- departments and routing --------------------------------------------------------------------------

net::awaitable<HttpResponse> App::site_routing(const HttpRequest& req, std::string_view rest) {
  // rest: "{key}/departments" or "{key}/routing"
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  if (session->token) co_return error_response(s_.metrics, {Errc::forbidden, kConsoleOnly});
  const OperatorScope sc = session->scope;
  const auto slash = rest.find('/');
  const std::string key(rest.substr(0, slash));
  const std::string_view what = rest.substr(slash + 1);
  auto found = co_await member_site(sc, key);
  if (!found) co_return error_response(s_.metrics, found.error());
  const SiteId site = found->id;
  if (!may_supervise(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners, admins and supervisors see departments"});
  }
  if (write && !may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins change departments and routing"});
  }
  if (what == "departments" && !write) {
    auto read = [site](Storage& st) { return st.routing_setup(site); };
    auto setup = co_await db_read<RoutingSetup>(s_.db, read);
    if (!setup) co_return error_response(s_.metrics, setup.error());
    json out{{"departments", json::array()}, {"rules", json::array()}};
    for (const auto& d : setup->departments) out["departments"].push_back(department_json(d));
    for (const auto& r : setup->rules) out["rules"].push_back(rule_json(r));
    co_return json_response(http::status::ok, dump(out));
  }
  if (what == "departments" && verb == http::verb::post) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    if (!body->contains("name")) co_return error_response(s_.metrics, {Errc::bad_request, "'name' is required"});
    auto name = name_field(*body, "name");
    if (!name) co_return error_response(s_.metrics, name.error());
    std::vector<OperatorId> members;
    if (const auto m = body->find("members"); m != body->end()) {
      auto ids = ids_field<OperatorId>(*m, "members");
      if (!ids) co_return error_response(s_.metrics, ids.error());
      members = std::move(*ids);
    }
    auto create = [site, n = *name, members](Storage& st) { return st.create_department(site, n, members); };
    auto made = co_await db_write<DepartmentInfo>(s_.db, create);
    if (!made) co_return error_response(s_.metrics, made.error());
    co_await team_changed(sc.op.account);
    co_return json_response(http::status::created, dump(json{{"department", department_json(*made)}}));
  }
  if (what == "routing" && verb == http::verb::put) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    const auto list = body->find("rules");
    if (list == body->end() || !list->is_array()) {
      co_return error_response(s_.metrics, {Errc::bad_request, "'rules' must be an array of routing rules"});
    }
    if (list->size() > kMaxRules) co_return error_response(s_.metrics, {Errc::bad_request, "'rules': at most 100 rules"});
    std::vector<RoutingRule> rules;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& r = (*list)[i];
      const std::string at = "'rules[" + std::to_string(i) + "]";
      if (!r.is_object()) co_return error_response(s_.metrics, {Errc::bad_request, at + "' must be an object"});
      RoutingRule rule;
      for (const auto& [field, value] : r.items()) {
        const std::string named = at + "." + field + "'";
        if (field == "department") {
          if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
            co_return error_response(s_.metrics, {Errc::bad_request, named + " must be a department id"});
          }
          rule.department = DepartmentId{value.get<std::int64_t>()};
        } else if (field == "logged_in") {
          if (!value.is_boolean() && !value.is_null()) {
            co_return error_response(s_.metrics, {Errc::bad_request, named + " must be true, false or null"});
          }
          if (value.is_boolean()) rule.logged_in = value.get<bool>();
        } else if (field == "path" || field == "referrer" || field == "utm_source" || field == "utm_medium" ||
                   field == "utm_campaign") {
          if (!value.is_string()) co_return error_response(s_.metrics, {Errc::bad_request, named + " must be a string"});
          const std::string text = value.get<std::string>();
          if (field == "path") rule.path_pattern = text;
          else if (field == "referrer") rule.referrer_contains = text;
          else if (field == "utm_source") rule.utm_source = text;
          else if (field == "utm_medium") rule.utm_medium = text;
          else rule.utm_campaign = text;
        } else {
          co_return error_response(s_.metrics, {Errc::bad_request, named + " is not a routing condition"});
        }
      }
      auto normal = normalize_rule(std::move(rule));
      if (!normal) co_return error_response(s_.metrics, {Errc::bad_request, at + "': " + normal.error().message});
      rules.push_back(std::move(*normal));
    }
    auto store = [site, rules](Storage& st) { return st.set_routing_rules(site, rules); };
    auto stored = co_await db_write<void>(s_.db, store);
    if (!stored) co_return error_response(s_.metrics, stored.error());
    co_await team_changed(sc.op.account);
    json out{{"rules", json::array()}};
    for (const auto& r : rules) out["rules"].push_back(rule_json(r));
    co_return json_response(http::status::ok, dump(out));
  }
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

net::awaitable<HttpResponse> App::departments(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  if (session->token) co_return error_response(s_.metrics, {Errc::forbidden, kConsoleOnly});
  const OperatorScope sc = session->scope;
  const auto id_value = parse_positive_id(rest);
  if (!id_value) co_return error_response(s_.metrics, {Errc::not_found, "no such department"});
  const DepartmentId id{*id_value};
  auto find_site = [sc, id](Storage& st) { return st.department_site(sc, id); };
  auto site = co_await db_read<std::optional<SiteId>>(s_.db, find_site);
  if (!site) co_return error_response(s_.metrics, site.error());
  if (!*site) co_return error_response(s_.metrics, {Errc::not_found, "no such department"});
  if (!may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins change departments"});
  }
  if (verb == http::verb::patch) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    std::optional<std::string> name;
    std::optional<std::vector<OperatorId>> members;
    for (const auto& [key, value] : body->items()) {
      if (key == "name") {
        auto n = name_field(*body, "name");
        if (!n) co_return error_response(s_.metrics, n.error());
        name = *n;
      } else if (key == "members") {
        auto ids = ids_field<OperatorId>(value, "members");
        if (!ids) co_return error_response(s_.metrics, ids.error());
        members = std::move(*ids);
      } else {
        co_return error_response(s_.metrics, {Errc::bad_request, "'" + key + "' cannot be changed here"});
      }
    }
    auto change = [id, name, members](Storage& st) { return st.change_department(id, name, members); };
    auto changed = co_await db_write<DepartmentInfo>(s_.db, change);
    if (!changed) co_return error_response(s_.metrics, changed.error());
    co_await team_changed(sc.op.account);
    co_return json_response(http::status::ok, dump(json{{"department", department_json(*changed)}}));
  }
  if (verb == http::verb::delete_) {
    auto drop = [id](Storage& st) { return st.delete_department(id); };
    auto dropped = co_await db_write<void>(s_.db, drop);
    if (!dropped) co_return error_response(s_.metrics, dropped.error());
    co_await team_changed(sc.op.account);
    co_return HttpResponse{http::status::no_content, 11};
  }
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

}  // namespace otk
