// API tokens for integrations (docs/api.md, "API tokens"): owners and admins make them in a console session, each
// acting as its maker (their role and sites, or only some of those sites) for reading or also writing; the token
// is shown once and only its hash is kept.
// Tokens cannot make tokens: these endpoints want a console session.
#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "core/chat/text.hpp"
#include "core/tenancy/scope.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

std::vector<std::int64_t> site_ids(const std::vector<SiteId>& sites) {
  std::vector<std::int64_t> out;
  for (const SiteId s : sites) out.push_back(s.value);
  return out;
}

json token_to_json(const ApiToken& t) {
  return json{{"id", t.id},
              {"name", t.name},
              {"prefix", t.prefix},
              {"maker", json{{"id", t.maker.value}, {"name", t.maker_name}}},
              {"write", t.write},
              {"sites", t.sites ? json(site_ids(*t.sites)) : json(nullptr)},
              {"created_at", to_unix_ms(t.created_at)},
              {"revoked_at", t.revoked_at ? json(to_unix_ms(*t.revoked_at)) : json(nullptr)}};
}

// `sites` of POST /api/v1/tokens: absent or null is all the maker's sites; otherwise site ids of the maker's.
Result<std::optional<std::vector<SiteId>>> sites_of_body(const json& body, const OperatorScope& maker) {
  const auto it = body.find("sites");
  if (it == body.end() || it->is_null()) return std::optional<std::vector<SiteId>>{};
  if (!it->is_array() || it->size() > 1000) return fail(Errc::bad_request, "'sites' must be an array of site ids");
  std::vector<SiteId> wanted;
  for (const auto& id : *it) {
    if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) return fail(Errc::bad_request, "'sites' must be an array of site ids");
    wanted.push_back(SiteId{id.get<std::int64_t>()});
  }
  auto chosen = choose_token_sites(wanted, maker);
  if (!chosen) return std::unexpected(chosen.error());
  return std::optional(std::move(*chosen));
}

}  // namespace

net::awaitable<HttpResponse> App::tokens(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  if (session->token) co_return error_response(s_.metrics, {Errc::forbidden, "API tokens are managed in the console, not with a token"});
  const OperatorScope sc = session->scope;
  if (!may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins manage API tokens"});
  }
  const auto now = s_.clock.now();
  if (rest.empty() && !write) {
    auto list = [sc](Storage& st) { return st.api_tokens(sc); };
    auto found = co_await db_read<std::vector<ApiToken>>(s_.db, list);
    if (!found) co_return error_response(s_.metrics, found.error());
    json out{{"tokens", json::array()}};
    for (const auto& t : *found) out["tokens"].push_back(token_to_json(t));
    co_return json_response(http::status::ok, dump(out));
  }
  if (rest.empty() && verb == http::verb::post) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    const auto name_it = body->find("name");
    if (name_it == body->end() || !name_it->is_string()) {
      co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"name\": string, \"write\"?: bool, \"sites\"?: [id]}"});
    }
    auto name = normalize_message_text(name_it->get<std::string>());
    if (!name || name->size() > 100) co_return error_response(s_.metrics, {Errc::bad_request, "'name' must be 1..100 bytes of text"});
    const auto write_it = body->find("write");
    if (write_it != body->end() && !write_it->is_boolean()) co_return error_response(s_.metrics, {Errc::bad_request, "'write' must be true or false"});
    const bool can_write = write_it != body->end() && write_it->get<bool>();
    auto sites = sites_of_body(*body, sc);
    if (!sites) co_return error_response(s_.metrics, sites.error());
    const std::string secret = "otk_" + random_token(24);
    const std::string hash = token_hash(secret);
    const std::string prefix = secret.substr(0, 10);
    auto create = [sc, n = *name, hash, prefix, can_write, chosen = *sites, now](Storage& st) {
      return st.create_api_token(sc, n, hash, prefix, can_write, chosen, now);
    };
    auto made = co_await db_write<ApiToken>(s_.db, create);
    if (!made) co_return error_response(s_.metrics, made.error());
    co_return json_response(http::status::created, dump(json{{"token", token_to_json(*made)}, {"secret", secret}}));
  }
  if (verb == http::verb::delete_ && rest.size() > 1 && rest.front() == '/') {
    const auto id = parse_positive_id(rest.substr(1));
    if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such token"});
    const std::int64_t token = *id;
    auto revoke = [sc, token, now](Storage& st) { return st.revoke_api_token(sc, token, now); };
    auto done = co_await db_write<void>(s_.db, revoke);
    if (!done) co_return error_response(s_.metrics, done.error());
    co_return HttpResponse{http::status::no_content, 11};
  }
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

}  // namespace otk
