// The console's callback set-up (docs/api.md, "Callback settings"; docs/callback.md): a site's settings document
// (core/callback/settings, the same parser as `otklik callback set`) and the account's opt-out list.
//
// The trunk password never leaves the server: answers carry `trunk.has_password` instead, and a document sent
// without `trunk.password` keeps the stored one (read and written in the same transaction).
#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/callbacks.hpp"
#include "api/db_await.hpp"
#include "core/callback/settings.hpp"
#include "phone/phone.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

/// The stored document as the console sees it: normalised, the password replaced by whether there is one.
json console_settings(const CallbackSettings& s) {
  json doc = json::parse(callback_settings_to_json(s));
  doc["trunk"].erase("password");
  doc["trunk"]["has_password"] = !s.trunk.password.empty();
  return doc;
}

/// The stored password, if the stored text has one (even when the rest of it no longer validates).
std::string stored_password(const std::optional<std::string>& stored) {
  if (!stored) return "";
  const json j = json::parse(*stored, nullptr, false);
  if (!j.is_object() || !j.contains("trunk") || !j["trunk"].is_object()) return "";
  const auto& t = j["trunk"];
  return t.contains("password") && t["password"].is_string() ? t["password"].get<std::string>() : "";
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

json optout_json(const Storage::OptOut& o) {
  return json{{"number", o.e164},
              {"created_at", to_unix_ms(o.created_at)},
              {"added_by", o.added_by.value > 0 ? json{{"id", o.added_by.value}, {"name", o.added_by_name}} : json(nullptr)}};
}

}  // namespace

net::awaitable<HttpResponse> App::site_callback(const HttpRequest& req, std::string_view key) {
  const auto verb = req.method();
  const bool get = verb == http::verb::get || verb == http::verb::head;
  if (!get && verb != http::verb::put) co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  auto session = co_await authenticate(req, !get);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  // Only a member of the site sees it; to everyone else it does not exist.
  auto found = co_await member_site(sc, std::string(key));
  if (!found) co_return error_response(s_.metrics, found.error());
  if (!may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins see and change a site's callback set-up"});
  }
  const SiteId site = found->id;
  const bool dials = s_.callbacks && s_.callbacks->can_dial();

  if (get) {
    auto read = [site](Storage& st) { return st.callback_settings(site); };
    auto stored = co_await db_read<std::optional<std::string>>(s_.db, read);
    if (!stored) co_return error_response(s_.metrics, stored.error());
    // Never set: the defaults. Stored but no longer valid (an older server's rules): say so rather than guess.
    auto settings = *stored ? callback_settings_from_json(**stored) : validate_callback_settings(CallbackSettings{});
    if (!settings) {
      co_return error_response(s_.metrics, {Errc::conflict, "the stored settings are not valid: " + settings.error().message});
    }
    co_return json_response(http::status::ok, dump(json{{"settings", console_settings(*settings)}, {"dials", dials}}));
  }

  auto body = json_object_body(req);
  if (!body) co_return error_response(s_.metrics, body.error());
  json doc = std::move(*body);
  bool keep_password = true;
  if (auto t = doc.find("trunk"); t != doc.end() && t->is_object()) {
    t->erase("has_password");  // what GET says; sending it back changes nothing
    keep_password = !t->contains("password");
  }
  // Read, merge the password, validate and store in one transaction: a concurrent change cannot slip between.
  auto change = [site, sent = std::move(doc), keep_password](Storage& st) -> Result<CallbackSettings> {
    json doc = sent;
    if (keep_password) {
      auto stored = st.callback_settings(site);
      if (!stored) return std::unexpected(stored.error());
      const auto password = stored_password(*stored);
      if (!password.empty()) {
        if (!doc.contains("trunk")) doc["trunk"] = json::object();
        if (doc["trunk"].is_object()) doc["trunk"]["password"] = password;
      }
    }
    auto parsed = callback_settings_from_json(doc.dump());
    if (!parsed) return std::unexpected(parsed.error());
    auto saved = st.set_callback_settings(site, callback_settings_to_json(*parsed));
    if (!saved) return std::unexpected(saved.error());
    return parsed;
  };
  auto saved = co_await db_write<CallbackSettings>(s_.db, change);
  if (!saved) co_return error_response(s_.metrics, saved.error());
  co_return json_response(http::status::ok, dump(json{{"settings", console_settings(*saved)}, {"dials", dials}}));
}

// GET /api/v1/callbacks/optout (owners, admins, supervisors), POST (the same), DELETE /{number} (owners, admins).
net::awaitable<HttpResponse> App::callback_optouts(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool get = verb == http::verb::get || verb == http::verb::head;
  const bool list = rest.empty() && get;
  const bool add = rest.empty() && verb == http::verb::post;
  const bool remove = rest.size() > 1 && rest.front() == '/' && verb == http::verb::delete_;
  if (!list && !add && !remove) co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  auto session = co_await authenticate(req, !get);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  const auto role = sc.op.role;
  const bool manager = may_manage(role);
  if (!manager && role != Role::supervisor) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners, admins and supervisors keep the opt-out list"});
  }
  // The list is the account's, for every site: a token limited to some sites may read it, not change it.
  if (!list && session->site_limited) {
    co_return error_response(s_.metrics,
                             {Errc::forbidden, "an API token limited to some sites cannot change the account's opt-out list"});
  }
  const AccountId account = sc.op.account;

  if (list) {
    auto read = [account](Storage& st) { return st.optouts_of(account); };
    auto found = co_await db_read<std::vector<Storage::OptOut>>(s_.db, read);
    if (!found) co_return error_response(s_.metrics, found.error());
    json out = json::array();
    for (const auto& o : *found) out.push_back(optout_json(o));
    co_return json_response(http::status::ok, dump(json{{"optouts", out}}));
  }
  if (add) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    for (const auto& [k, _] : body->items()) {
      if (k != "number" && k != "region") co_return error_response(s_.metrics, {Errc::bad_request, "unknown key '" + k + "'"});
    }
    if (!body->contains("number") || !(*body)["number"].is_string()) {
      co_return error_response(s_.metrics, {Errc::bad_request, "number: a phone number is required"});
    }
    std::string region;
    if (body->contains("region")) {
      if (!(*body)["region"].is_string()) co_return error_response(s_.metrics, {Errc::bad_request, "region: a two-letter country code"});
      region = (*body)["region"].get<std::string>();
      for (auto& c : region) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (region.size() != 2 || !std::isalpha(static_cast<unsigned char>(region[0])) ||
          !std::isalpha(static_cast<unsigned char>(region[1]))) {
        co_return error_response(s_.metrics, {Errc::bad_request, "region: a two-letter country code"});
      }
    }
    auto number = parse_phone((*body)["number"].get<std::string>(), region);
    if (!number) co_return error_response(s_.metrics, {Errc::bad_request, "number: " + number.error().message});
    const auto e164 = number->e164;
    const auto by = sc.op.id;
    const auto now = s_.clock.now();
    auto store = [account, by, e164, now](Storage& st) { return st.add_optout(account, by, e164, now); };
    auto added = co_await db_write<std::pair<Storage::OptOut, bool>>(s_.db, store);
    if (!added) co_return error_response(s_.metrics, added.error());
    co_return json_response(added->second ? http::status::created : http::status::ok,
                            dump(json{{"optout", optout_json(added->first)}}));
  }
  if (!manager) co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins remove an opt-out"});
  const auto e164 = percent_decode(rest.substr(1));
  auto drop = [account, e164](Storage& st) { return st.remove_optout(account, e164); };
  auto removed = co_await db_write<void>(s_.db, drop);
  if (!removed) co_return error_response(s_.metrics, removed.error());
  co_return HttpResponse{http::status::no_content, 11};
}

}  // namespace otk
