// Canned replies for the console: every operator reads those of their account and sites; owners, admins and
// supervisors write them (a reply goes out under every operator's name, so not everyone may change it).
#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "api/endpoints.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

std::string canned_json(const CannedReply& c) {
  return json{{"id", c.id}, {"site", c.site.value}, {"shortcut", c.shortcut}, {"text", c.text}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

bool may_edit(Role r) { return r == Role::owner || r == Role::admin || r == Role::supervisor; }

}  // namespace

net::awaitable<HttpResponse> App::canned(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  if (rest.empty() && !write) {
    auto list = [sc](Storage& st) { return st.canned_of(sc); };
    auto found = co_await db_read<std::vector<CannedReply>>(s_.db, list);
    if (!found) co_return error_response(s_.metrics, found.error());
    std::string out = R"({"canned":[)";
    for (std::size_t i = 0; i < found->size(); ++i) out += (i ? "," : "") + canned_json((*found)[i]);
    co_return json_response(http::status::ok, out + "]}");
  }
  if (!may_edit(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners, admins and supervisors edit canned replies"});
  }
  if (rest.empty() && verb == http::verb::post) {
    if (req[http::field::content_type].find("application/json") == std::string_view::npos) {
      co_return error_response(s_.metrics, {Errc::bad_request, "Content-Type must be application/json"});
    }
    const json body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("shortcut") || !body["shortcut"].is_string() ||
        !body.contains("text") || !body["text"].is_string() || (body.contains("site") && !body["site"].is_number_integer())) {
      co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"shortcut\": string, \"text\": string, \"site\"?: id}"});
    }
    auto shortcut = normalize_shortcut(body["shortcut"].get<std::string>());
    if (!shortcut) co_return error_response(s_.metrics, shortcut.error());
    auto text = normalize_canned_text(body["text"].get<std::string>());
    if (!text) co_return error_response(s_.metrics, text.error());
    const SiteId site{body.value("site", std::int64_t{0})};
    const auto now = s_.clock.now();
    auto put = [sc, site, s = *shortcut, t = *text, now](Storage& st) { return st.put_canned(sc, site, s, t, now); };
    auto stored = co_await db_write<CannedReply>(s_.db, put);
    if (!stored) co_return error_response(s_.metrics, stored.error());
    co_return json_response(http::status::ok, R"({"canned":)" + canned_json(*stored) + "}");
  }
  if (verb == http::verb::delete_ && rest.size() > 1) {
    const auto parsed = parse_positive_id(rest.substr(1));
    if (!parsed) co_return error_response(s_.metrics, {Errc::not_found, "no such canned reply"});
    const std::int64_t id = *parsed;
    auto drop = [sc, id](Storage& st) { return st.delete_canned(sc, id); };
    auto done = co_await db_write<void>(s_.db, drop);
    if (!done) co_return error_response(s_.metrics, done.error());
    co_return HttpResponse{http::status::no_content, 11};
  }
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

}  // namespace otk
