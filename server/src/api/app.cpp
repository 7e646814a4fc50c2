#include "api/app.hpp"
#include "proto/csv.hpp"

#include "api/bot.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "api/callbacks.hpp"
#include "api/db_await.hpp"
#include "api/endpoints.hpp"
#include "api/openapi.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

using json = nlohmann::json;
constexpr std::string_view kSessionCookie = "otk_session";
constexpr std::size_t kMaxPasswordBytes = 1024;

// Unknown e-mails are verified against this hash so that both answers take the same time.
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto made = hash_password("dummy");
    if (!made) throw std::runtime_error(made.error().message);
    return *made;
  }();
  return hash;
}

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpResponse redirect(std::string location) {
  HttpResponse res{http::status::found, 11};
  res.set(http::field::location, location);
  return res;
}

std::string session_cookie(const HttpRequest& req, std::string_view value, long max_age) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (req["X-Forwarded-Proto"] == "https") c += "; Secure";  // behind the TLS proxy
  return c;
}

}  // namespace

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string own_origin(const HttpRequest& req) {
  const bool tls = req["X-Forwarded-Proto"] == "https";
  return std::string(tls ? "https://" : "http://") + std::string(req[http::field::host]);
}

std::string cookie_value(const HttpRequest& req, std::string_view name) {
  std::string_view all = req[http::field::cookie];
  while (!all.empty()) {
    auto semi = all.find(';');
    std::string_view part = all.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    all.remove_prefix(semi + 1);
  }
  return {};
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view qs = target.substr(q + 1);
  while (!qs.empty()) {
    auto amp = qs.find('&');
    std::string_view kv = qs.substr(0, amp);
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == name) {
      std::string out;
      std::string_view v = eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') out.push_back(' ');
        else if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
          out.push_back(static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2])));
          i += 2;
        } else out.push_back(v[i]);
      }
      return out;
    }
    if (amp == std::string_view::npos) break;
    qs.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Result<nlohmann::json> json_object_body(const HttpRequest& req) {
  if (req[http::field::content_type].find("application/json") == std::string_view::npos) {
    return fail(Errc::bad_request, "Content-Type must be application/json");
  }
  nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return fail(Errc::bad_json, "the body is not a JSON object");
  return body;
}

std::optional<std::int64_t> parse_positive_id(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

App::App(Services services, AppConfig config)
    : s_(services),
      config_(std::move(config)),
      assets_(config_.assets_dir),
      login_by_ip_(config_.login_per_minute, config_.login_per_minute),
      login_by_email_(config_.login_per_minute, config_.login_per_minute) {
  if (assets_.size() == 0) spdlog::warn("no web assets in {}: widget and console are unavailable", config_.assets_dir.string());
}

App::~App() { cpu_.join(); }

net::awaitable<Reply> App::handle(const HttpRequest& req, const std::string& peer_ip) {
  s_.metrics.http_requests++;
  auto decorate = [](auto& res) {
    res.set(http::field::server, "otklik");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "same-origin");
  };
  // Exports are the one streamed answer; everything else is a whole response.
  constexpr std::string_view kExport = "/api/v1/export/";
  if (const auto path = path_of(req.target()); path.starts_with(kExport)) {
    Reply reply = co_await export_csv(req, path.substr(kExport.size()));
    if (auto* streamed = std::get_if<StreamedResponse>(&reply)) decorate(streamed->head);
    else decorate(std::get<HttpResponse>(reply));
    co_return std::move(reply);
  }
  HttpResponse res = co_await route(req, peer_ip);
  decorate(res);
  co_return Reply(std::move(res));
}

net::awaitable<HttpResponse> App::route(const HttpRequest& req, const std::string& peer_ip) {
  const std::string_view target = req.target();
  const std::string_view path = path_of(target);
  const auto verb = req.method();
  const bool get = verb == http::verb::get || verb == http::verb::head;

  if (path.starts_with("/api/")) {
    if (path == "/api/v1/openapi.json" && get) co_return openapi(req);
    if (path == "/api/v1/auth/login" && verb == http::verb::post) co_return co_await login(req, peer_ip);
    if (path == "/api/v1/auth/logout" && verb == http::verb::post) co_return co_await logout(req);
    if (path == "/api/v1/auth/invite" && verb == http::verb::post) co_return co_await accept_invite(req, peer_ip);
    if (path == "/api/v1/operators" || path.starts_with("/api/v1/operators/")) co_return co_await operators(req, path.substr(17));
    if (path.starts_with("/api/v1/departments/")) co_return co_await departments(req, path.substr(20));
    if (path.starts_with("/api/v1/sites/") && (path.ends_with("/departments") || path.ends_with("/routing")) &&
        std::ranges::count(path.substr(14), '/') == 1) {
      co_return co_await site_routing(req, path.substr(14));
    }
    if (path == "/api/v1/me" && get) co_return co_await me(req);
    if (path == "/api/v1/conversations" && get) co_return co_await conversations(req);
    if (path == "/api/v1/me/photo" && verb == http::verb::put) co_return co_await put_photo(req);
    if (path == "/api/v1/me/photo" && verb == http::verb::delete_) co_return co_await delete_photo(req);
    if (path == "/api/v1/canned" || path.starts_with("/api/v1/canned/")) co_return co_await canned(req, path.substr(14));
    if (path == "/api/v1/engage/presets" && get) co_return co_await engage_presets(req);
    if (path.starts_with("/api/v1/sites/") && path.ends_with("/callback") && path.size() > 23 &&
        path.substr(14, path.size() - 23).find('/') == std::string_view::npos) {
      co_return co_await site_callback(req, path.substr(14, path.size() - 23));
    }
    if (path == "/api/v1/sites") co_return co_await sites(req, "");
    if (path.starts_with("/api/v1/sites/") && path.find('/', 14) == std::string_view::npos) {
      co_return co_await sites(req, path.substr(13));
    }
    if (path.starts_with("/api/v1/sites/")) co_return co_await site_settings(req, path.substr(14));
    if (path == "/api/v1/widget/events" && verb == http::verb::post) co_return co_await widget_events(req, peer_ip);
    constexpr std::string_view kWidgetFiles = "/api/v1/widget/attachments";
    if (path == kWidgetFiles || path.starts_with("/api/v1/widget/attachments/")) {
      co_return co_await widget_attachments(req, path.substr(kWidgetFiles.size()));
    }
    if (path.starts_with("/api/v1/attachments/") && get) co_return co_await get_operator_attachment(req, path.substr(20));
    if ((path == "/api/v1/reports" || path == "/api/v1/reports.csv") && get) {
      co_return co_await reports(req, path.ends_with(".csv"));
    }
    if ((path == "/api/v1/statements" || path == "/api/v1/statements.csv") && get) {
      co_return co_await statements(req, path.ends_with(".csv"));
    }
    if (path == "/api/v1/callbacks/optout" || path.starts_with("/api/v1/callbacks/optout/")) {
      co_return co_await callback_optouts(req, path.substr(24));
    }
    if (path == "/api/v1/callbacks/statement" && get) co_return co_await callback_statement(req);
    if (path.starts_with("/api/v1/callbacks/") && verb == http::verb::post) {
      co_return co_await callback_action(req, path.substr(18));
    }
    if (path == "/api/v1/callbacks" && get) co_return co_await list_callbacks(req);
    if (path == "/api/v1/callbacks" && verb == http::verb::post) co_return co_await request_callback(req);
    if (path.starts_with("/api/v1/callbacks/") && get) {
      const auto id = parse_positive_id(path.substr(18));
      if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such callback"});
      co_return co_await get_callback(req, CallbackId{*id});
    }
    if (path == "/api/v1/tokens" || path.starts_with("/api/v1/tokens/")) co_return co_await tokens(req, path.substr(14));
    if (path == "/api/v1/webhooks" || path.starts_with("/api/v1/webhooks/")) co_return co_await webhooks(req, path.substr(16));
    if (path == "/api/v1/leads" || path.starts_with("/api/v1/leads/")) co_return co_await leads(req, path.substr(13));
    constexpr std::string_view kConv = "/api/v1/conversations/";
    if (path.starts_with(kConv) && path.ends_with("/attachments") && verb == http::verb::post) {
      const auto id = parse_positive_id(path.substr(kConv.size(), path.size() - kConv.size() - 12));
      if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such conversation"});
      const ConversationId conv{*id};
      co_return co_await post_operator_attachment(req, conv);
    }
    if (path.starts_with(kConv) && get && (path.ends_with("/messages") || path.ends_with("/visitor"))) {
      const bool card = path.ends_with("/visitor");
      const auto id_text = path.substr(kConv.size(), path.rfind('/') - kConv.size());
      const auto id = parse_positive_id(id_text);
      if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such conversation"});
      const ConversationId conv{*id};
      if (card) co_return co_await visitor_card(req, conv);
      co_return co_await messages(req, conv);
    }
    co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  }
  if (config_.demo && path == "/demo/webhook-echo" && verb == http::verb::post) {
    // The demo's webhook receiver: takes any event and says which, so the delivery log has something to show.
    const auto event = json::parse(req.body(), nullptr, false);
    const std::string type = event.is_object() && event.contains("type") && event["type"].is_string()
                                 ? event["type"].get<std::string>() : "";
    co_return json_response(http::status::ok, json{{"received", type}}.dump());
  }
  if (!get) co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
  if (path == "/healthz") co_return co_await healthz();
  if (path == "/metrics") {
    HttpResponse res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = s_.metrics.render(HttpServer::open_http.load());
    co_return res;
  }
  if (path == "/widget.js") co_return co_await widget_loader(req);
  if (path.starts_with("/media/operators/")) co_return co_await get_photo(req, path.substr(17));
  if (path == "/widget-ui.js") co_return asset(req, "widget-ui.js", false);
  if (path == "/" ) co_return redirect("/console/");
  if (path == "/console") co_return redirect("/console/");
  if (path.starts_with("/console/")) {
    auto rel = std::string(path.substr(1));
    if (rel.find("..") != std::string::npos) co_return error_response(s_.metrics, {Errc::not_found, "not found"});
    const auto last = rel.substr(rel.rfind('/') + 1);
    if (last.find('.') == std::string::npos) rel = "console/index.html";  // client-side routes
    co_return asset(req, rel, true);
  }
  if (config_.demo && (path == "/demo/shop" || path == "/demo/bikes" || path == "/demo/service")) {
    co_return asset(req, std::string(path.substr(1)) + ".html", false);
  }
  co_return error_response(s_.metrics, {Errc::not_found, "not found"});
}

HttpResponse App::asset(const HttpRequest& req, const std::string& rel, bool frame_deny) {
  const Asset* a = assets_.find(rel);
  if (!a) return error_response(s_.metrics, {Errc::not_found, "not found"});
  if (req[http::field::if_none_match] == a->etag) {
    HttpResponse res{http::status::not_modified, 11};
    res.set(http::field::etag, a->etag);
    return res;
  }
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, a->content_type);
  res.set(http::field::etag, a->etag);
  // Hashed console assets never change; everything else is revalidated.
  res.set(http::field::cache_control, rel.starts_with("console/assets/") ? "public, max-age=31536000, immutable"
                                                                          : "no-cache");
  if (frame_deny) {
    res.set("X-Frame-Options", "DENY");
    res.set("Content-Security-Policy",
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'");
  }
  if (req.method() != http::verb::head) res.body() = a->body;
  return res;
}

Result<std::optional<SiteId>> site_param(std::string_view target, const OperatorScope& scope) {
  const auto site = query_param(target, "site");
  if (!site) return std::optional<SiteId>{};
  const auto id = parse_positive_id(*site);
  if (!id) return fail(Errc::bad_request, "'site' must be a site id");
  if (!scope.can_see(SiteId{*id})) return fail(Errc::not_found, "no such site");
  return std::optional<SiteId>{SiteId{*id}};
}

// The API's own description: public (it is documentation) and the same for everyone until the next build.
HttpResponse App::openapi(const HttpRequest& req) {
  static const std::string etag = "\"" + std::to_string(std::hash<std::string_view>{}(openapi_document())) + "\"";
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, "public, max-age=3600");
  if (req[http::field::if_none_match] == etag) {
    res.result(http::status::not_modified);
    return res;
  }
  res.set(http::field::content_type, "application/json; charset=utf-8");
  if (req.method() != http::verb::head) res.body() = std::string(openapi_document());
  return res;
}

net::awaitable<HttpResponse> App::healthz() {
  auto ping = [](Storage& st) { return st.ping(); };
  auto r = co_await db_read<void>(s_.db, ping);
  if (!r) co_return error_response(s_.metrics, r.error());
  co_return json_response(http::status::ok, R"({"status":"ok"})");
}

net::awaitable<HttpResponse> App::widget_loader(const HttpRequest& req) {
  const Asset* loader = assets_.find("widget.js");
  if (!loader) co_return error_response(s_.metrics, {Errc::not_found, "widget is not built"});
  std::string prefix;
  if (auto key = query_param(req.target(), "site")) {
    auto site = co_await cached_site(*key);
    if (!site) co_return error_response(s_.metrics, site.error());
    if (!*site) {
      HttpResponse res{http::status::not_found, 11};
      res.set(http::field::content_type, "text/javascript; charset=utf-8");
      res.body() = "console.warn(\"Otklik: unknown site key\");\n";
      co_return res;
    }
    const auto& s = **site;
    const auto& a = s.appearance;
    json texts = json::object();
    if (!a.title.empty()) texts["title"] = a.title;
    if (!a.greeting.empty()) texts["greeting"] = a.greeting;
    if (!a.launcher.empty()) texts["launcher"] = a.launcher;
    json cfg{{"site", s.key},
             {"lang", s.language},
             {"color", a.color},
             {"position", a.position},
             {"site_name", s.name},
             {"texts", texts},
             {"operator_name", a.operator_name.empty() ? json(nullptr) : json(a.operator_name)},
             {"vendor_link", a.vendor_link},
             {"typing_preview", a.typing_preview}};
    // The callback form shows only where a site has callback switched on (and the server can dial).
    const SiteId site_id = s.id;
    auto read_settings = [site_id](Storage& st) { return st.callback_settings(site_id); };
    auto stored = co_await db_read<std::optional<std::string>>(s_.db, read_settings);
    bool callback = false;
    if (stored && *stored && s_.callbacks && s_.callbacks->can_dial()) {
      auto parsed = callback_settings_from_json(**stored);
      callback = parsed && parsed->enabled;
    }
    cfg["callback"] = callback;
    cfg["attachment_mb"] = config_.attachment_bytes / (1024 * 1024);
    // Triggers, campaign greetings, launcher, goals and the bot's public part, where the owner set them up.
    if (s_.bot) {
      auto setup = co_await s_.bot->setup(s);
      if (setup) cfg["engage"] = engage_widget_json((*setup)->settings, callback);
    }
    prefix = "(window.Otklik=window.Otklik||{}).config=" + dump(cfg) + ";\n";
  }
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "text/javascript; charset=utf-8");
  res.set(http::field::cache_control, "public, max-age=300");
  res.body() = prefix + loader->body;
  co_return res;
}

bool App::login_allowed(const std::string& ip, const std::string& email, double& retry_after) {
  std::lock_guard lock(limiter_mu_);
  const auto now = s_.clock.now();
  double r1 = 0, r2 = 0;
  const bool ok_ip = login_by_ip_.try_take(ip, now, r1);
  const bool ok_email = login_by_email_.try_take(email, now, r2);
  retry_after = std::max(r1, r2);
  return ok_ip && ok_email;
}

net::awaitable<HttpResponse> App::login(const HttpRequest& req, const std::string& peer_ip) {
  // A cross-site form cannot send JSON, and a foreign page's fetch carries its own Origin.
  if (req[http::field::content_type].find("application/json") == std::string_view::npos) {
    co_return error_response(s_.metrics, {Errc::bad_request, "Content-Type must be application/json"});
  }
  if (auto origin = req[http::field::origin]; !origin.empty() && origin != own_origin(req)) {
    co_return error_response(s_.metrics, {Errc::origin_not_allowed, "login from another origin is refused"});
  }
  json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("email") || !body["email"].is_string() ||
      !body.contains("password") || !body["password"].is_string()) {
    co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"email\": string, \"password\": string}"});
  }
  std::string email = body["email"].get<std::string>();
  std::string password = body["password"].get<std::string>();
  if (email.empty() || email.size() > 254 || password.size() > kMaxPasswordBytes) {
    co_return error_response(s_.metrics, {Errc::bad_request, "email or password has an impossible length"});
  }
  for (auto& c : email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double retry_after = 0;
  if (!login_allowed(peer_ip, email, retry_after)) {
    auto res = error_response(s_.metrics, {Errc::rate_limited, "too many login attempts; try again shortly"});
    res.set(http::field::retry_after, std::to_string(static_cast<long>(std::ceil(retry_after))));
    co_return res;
  }
  auto find_credentials = [email](Storage& st) { return st.credentials_by_email(email); };
  auto creds = co_await db_read<std::optional<Credentials>>(s_.db, find_credentials);
  if (!creds) co_return error_response(s_.metrics, creds.error());

  // argon2id verification costs ~64 MiB and tens of milliseconds: do it on the CPU pool.
  const std::string hash = *creds ? (*creds)->password_hash : dummy_hash();
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  const bool ok = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
  co_await net::post(home, net::use_awaitable);
  if (!ok || !*creds) co_return error_response(s_.metrics, {Errc::bad_credentials, "wrong email or password"});
  if ((*creds)->disabled) {
    co_return error_response(s_.metrics, {Errc::forbidden, "your access to this team was turned off; ask an admin"});
  }
  const OperatorAccount op = (*creds)->op;
  co_return co_await start_session(req, op);
}

net::awaitable<HttpResponse> App::start_session(const HttpRequest& req, const OperatorAccount& op) {
  // A new token on every login: a session id planted before login is never promoted (no fixation).
  const std::string token = random_token();
  const std::string csrf = random_token(24);
  const auto now = s_.clock.now();
  const auto expires = now + config_.session_lifetime;
  const auto hash_of_token = token_hash(token);
  auto store_session = [=](Storage& st) {
    return st.create_session(hash_of_token, csrf, op.id, now, expires);
  };
  auto stored = co_await db_write<void>(s_.db, store_session);
  if (!stored) co_return error_response(s_.metrics, stored.error());
  auto res = json_response(http::status::ok, R"({"operator":)" + proto::operator_json(op) +
                                                 R"(,"csrf_token":)" + dump(json(csrf)) + "}");
  res.set(http::field::set_cookie,
          session_cookie(req, token, std::chrono::duration_cast<std::chrono::seconds>(config_.session_lifetime).count()));
  co_return res;
}

net::awaitable<Result<AuthSession>> App::authenticate(const HttpRequest& req, bool csrf) {
  // An integration's API token (docs/api.md, "API tokens"): no cookie, so no CSRF to check; its scope and its
  // read/write permission decide, and each token has its own rate limit.
  if (const auto auth = req[http::field::authorization]; !auth.empty()) {
    if (!auth.starts_with("Bearer ")) co_return fail(Errc::unauthorized, "Authorization must be \"Bearer <API token>\"");
    const std::string bearer(auth.substr(7));
    if (!bearer.starts_with("otk_") || bearer.size() > 128) co_return fail(Errc::unauthorized, "not an Otklik API token");
    const auto bearer_hash = token_hash(bearer);
    auto find_token = [bearer_hash](Storage& st) { return st.token_session(bearer_hash); };
    auto found = co_await db_read<std::optional<AuthSession>>(s_.db, find_token);
    if (!found) co_return std::unexpected(found.error());
    if (!*found) co_return fail(Errc::unauthorized, "unknown or revoked API token");
    double retry_after = 0;
    bool allowed = false;
    {
      std::lock_guard lock(limiter_mu_);
      allowed = requests_by_token_.try_take(std::to_string((*found)->token), s_.clock.now(), retry_after);
    }
    if (!allowed) {
      co_return fail(Errc::rate_limited, "this token made too many requests; try again in " +
                                             std::to_string(static_cast<int>(std::ceil(retry_after))) + " s");
    }
    if (csrf && !(*found)->may_write) co_return fail(Errc::forbidden, "this API token may only read");
    co_return **found;
  }
  const std::string token = cookie_value(req, kSessionCookie);
  if (token.empty() || token.size() > 128) co_return fail(Errc::unauthorized, "log in first");
  const auto hash = token_hash(token);
  const auto now = s_.clock.now();
  auto find_session = [hash, now](Storage& st) { return st.session(hash, now); };
  auto session = co_await db_read<std::optional<AuthSession>>(s_.db, find_session);
  if (!session) co_return std::unexpected(session.error());
  if (!*session) co_return fail(Errc::unauthorized, "session expired; log in again");
  if (csrf) {
    const auto sent = req["X-CSRF-Token"];
    const auto& want = (*session)->csrf;
    if (sent.size() != want.size() || sodium_memcmp(sent.data(), want.data(), want.size()) != 0) {
      co_return fail(Errc::csrf, "missing or wrong X-CSRF-Token header");
    }
  }
  co_return **session;
}

net::awaitable<HttpResponse> App::logout(const HttpRequest& req) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  const auto hash = token_hash(cookie_value(req, kSessionCookie));
  auto drop_session = [hash](Storage& st) { return st.delete_session(hash); };
  auto r = co_await db_write<void>(s_.db, drop_session);
  if (!r) co_return error_response(s_.metrics, r.error());
  s_.hub.close_session(hash, 4001, "logged out");
  HttpResponse res{http::status::no_content, 11};
  res.set(http::field::set_cookie, session_cookie(req, "", 0));
  co_return res;
}

net::awaitable<HttpResponse> App::me(const HttpRequest& req) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  auto list_sites = [sc](Storage& st) { return st.sites_of(sc); };
  auto sites = co_await db_read<std::vector<Site>>(s_.db, list_sites);
  if (!sites) co_return error_response(s_.metrics, sites.error());
  std::string out = R"({"operator":)" + proto::operator_json(sc.op) + R"(,"account":{"id":)" +
                    std::to_string(sc.op.account.value) + R"(},"sites":[)";
  for (std::size_t i = 0; i < sites->size(); ++i) out += (i ? "," : "") + proto::site_json((*sites)[i]);
  out += R"(],"csrf_token":)" + dump(json(session->csrf)) +
         R"(,"attachment_mb":)" + std::to_string(config_.attachment_bytes / (1024 * 1024)) + "}";
  co_return json_response(http::status::ok, std::move(out));
}

net::awaitable<HttpResponse> App::conversations(const HttpRequest& req) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  const auto target = req.target();
  const auto from = query_param(target, "from"), to = query_param(target, "to");
  if (from || to || query_param(target, "after")) {
    // History for integrations: conversations started in a range of UTC days, by id, a page at a time.
    const auto range = proto::parse_day_range(from ? std::optional<std::string_view>(*from) : std::nullopt,
                                              to ? std::optional<std::string_view>(*to) : std::nullopt);
    if (!range) co_return error_response(s_.metrics, range.error());
    const auto site = site_param(target, sc);
    if (!site) co_return error_response(s_.metrics, site.error());
    const ExportFilter filter{range->from, range->until, *site};
    std::int64_t after = 0, limit = 100;
    if (auto a = query_param(target, "after")) {
      const auto id = *a == "0" ? std::optional<std::int64_t>(0) : parse_positive_id(*a);
      if (!id) co_return error_response(s_.metrics, {Errc::bad_request, "'after' must be a conversation id"});
      after = *id;
    }
    if (auto l = query_param(target, "limit")) {
      const auto n = parse_positive_id(*l);
      if (!n || *n > 500) co_return error_response(s_.metrics, {Errc::bad_request, "'limit' must be 1..500"});
      limit = *n;
    }
    const ConversationId cursor{after};
    const int page_size = static_cast<int>(limit);
    auto read_page = [sc, filter, cursor, page_size](Storage& st) {
      return st.export_conversations(sc, filter, cursor, page_size);
    };
    auto page = co_await db_read<std::vector<ConversationExportRow>>(s_.db, read_page);
    if (!page) co_return error_response(s_.metrics, page.error());
    json rows = json::array();
    for (const auto& c : *page) {
      rows.push_back(json{{"id", c.id.value}, {"site", c.site.value}, {"site_name", c.site_name},
                          {"created_at", to_unix_ms(c.created_at)},
                          {"closed_at", c.closed_at ? json(to_unix_ms(*c.closed_at)) : json(nullptr)},
                          {"visitor", c.visitor.value}, {"visitor_name", c.visitor_name}, {"department", c.department},
                          {"operator", c.operator_name}, {"messages", c.messages},
                          {"first_response_seconds", c.first_response_seconds ? json(*c.first_response_seconds) : json(nullptr)},
                          {"rating", c.rating}, {"rating_comment", c.rating_comment}, {"labels", c.labels}});
    }
    const json next = static_cast<std::int64_t>(page->size()) < limit ? json(nullptr) : json(page->back().id.value);
    co_return json_response(http::status::ok, json{{"conversations", rows}, {"next_after", next}}.dump(
                                                  -1, ' ', false, json::error_handler_t::replace));
  }
  auto list_open = [sc](Storage& st) { return st.open_conversations(sc); };
  auto list = co_await db_read<std::vector<ConversationSummary>>(s_.db, list_open);
  if (!list) co_return error_response(s_.metrics, list.error());
  std::string out = R"({"conversations":[)";
  for (std::size_t i = 0; i < list->size(); ++i) out += (i ? "," : "") + proto::summary_json((*list)[i]);
  out += "]}";
  co_return json_response(http::status::ok, std::move(out));
}

net::awaitable<HttpResponse> App::messages(const HttpRequest& req, ConversationId id) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  Seq after = 0;
  int limit = proto::kDefaultHistoryPage;
  if (auto a = query_param(req.target(), "after")) {
    auto [p, ec] = std::from_chars(a->data(), a->data() + a->size(), after);
    if (ec != std::errc{} || p != a->data() + a->size() || after < 0) {
      co_return error_response(s_.metrics, {Errc::bad_request, "'after' must be a non-negative integer"});
    }
  }
  if (auto l = query_param(req.target(), "limit")) {
    auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc{} || p != l->data() + l->size() || limit < 1 || limit > proto::kMaxHistoryPage) {
      co_return error_response(s_.metrics, {Errc::bad_request, "'limit' must be an integer from 1 to 500"});
    }
  }
  struct Page {
    std::vector<Message> messages;
    bool more = false;
  };
  const OperatorScope sc = session->scope;
  auto read_page = [sc, id, after, limit](Storage& st) -> Result<Page> {
    auto conv = st.conversation_for(sc, id);
    if (!conv) return std::unexpected(conv.error());
    if (!*conv) return fail(Errc::not_found, "no such conversation");
    Page p;
    auto msgs = st.messages_after(id, after, limit, p.more);
    if (!msgs) return std::unexpected(msgs.error());
    p.messages = std::move(*msgs);
    return p;
  };
  auto page = co_await db_read<Page>(s_.db, read_page);
  if (!page) co_return error_response(s_.metrics, page.error());
  std::string out = R"({"conversation":)" + std::to_string(id.value) + R"(,"messages":[)";
  for (std::size_t i = 0; i < page->messages.size(); ++i) out += (i ? "," : "") + proto::message_json(page->messages[i]);
  out += std::string(R"(],"more":)") + (page->more ? "true" : "false") + "}";
  co_return json_response(http::status::ok, std::move(out));
}

std::shared_ptr<const Site> App::SiteCache::find(const std::string& key, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (now - it->second.read_at >= kSiteCacheTtl) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.site;
}

void App::SiteCache::put(std::shared_ptr<const Site> site, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= 10'000) entries_.clear();  // keys are the install's sites; this only bounds a flood
  const std::string key = site->key;
  entries_.insert_or_assign(key, Entry{std::move(site), now});
}

void App::SiteCache::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

net::awaitable<Result<std::shared_ptr<const Site>>> App::cached_site(const std::string& key) {
  if (auto hit = site_cache_.find(key, std::chrono::steady_clock::now())) co_return hit;
  auto find_site = [key](Storage& st) { return st.site_by_key(key); };
  auto site = co_await db_read<std::optional<Site>>(s_.db, find_site);
  if (!site) co_return std::unexpected(site.error());
  if (!*site) co_return std::shared_ptr<const Site>{};
  auto shared = std::make_shared<const Site>(std::move(**site));
  site_cache_.put(shared, std::chrono::steady_clock::now());
  co_return shared;
}

net::awaitable<void> App::upgrade(beast::tcp_stream& stream, const HttpRequest& req, const std::string& peer_ip) {
  const std::string_view path = path_of(req.target());
  auto refuse = [&](const Error& e) -> net::awaitable<void> {
    auto res = error_response(s_.metrics, e);
    res.version(req.version());
    res.keep_alive(false);
    res.prepare_payload();
    boost::system::error_code ec;
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  };

  std::unique_ptr<WsHandler> handler;
  std::size_t max_frame = 0;
  std::atomic<long>* gauge = nullptr;
  QueueLimit queue = kVisitorQueue;
  if (path == "/ws/visitor") {
    auto key = query_param(req.target(), "site");
    if (!key || key->empty()) {
      const Error e{Errc::unknown_site, "missing ?site=KEY"};
      co_return co_await refuse(e);
    }
    auto site = co_await cached_site(std::string(*key));
    if (!site) {
      const Error e = site.error();
      co_return co_await refuse(e);
    }
    if (!*site) {
      const Error e{Errc::unknown_site, "unknown site key"};
      co_return co_await refuse(e);
    }
    const auto origin = std::string(req[http::field::origin]);
    const auto& allowed = (*site)->allowed_origins;
    if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
      const Error e{Errc::origin_not_allowed, "this page's origin is not allowed for the site"};
      co_return co_await refuse(e);
    }
    handler = make_visitor_handler(s_, std::move(*site), peer_ip, std::string(req[http::field::user_agent]));
    max_frame = proto::kMaxVisitorFrame;
    gauge = &s_.metrics.visitor_connections;
  } else if (path == "/ws/operator") {
    if (req[http::field::origin] != own_origin(req)) {
      const Error e{Errc::origin_not_allowed, "the operator socket accepts only the console's origin"};
      co_return co_await refuse(e);
    }
    auto session = co_await authenticate(req, false);
    if (!session) {
      const Error e = session.error();
      co_return co_await refuse(e);
    }
    // The socket is the console's own: it sends messages and takes chats whatever a token's read/write flag says,
    // so an API token (docs/api.md, "API tokens") gets the REST API only.
    if (session->token) {
      const Error e{Errc::forbidden, "the operator socket is for console sessions; API tokens use the REST API"};
      co_return co_await refuse(e);
    }
    handler = make_operator_handler(s_, std::move(*session), token_hash(cookie_value(req, kSessionCookie)));
    max_frame = proto::kMaxOperatorFrame;
    gauge = &s_.metrics.operator_connections;
    queue = config_.operator_queue;
  } else {
    const Error e{Errc::not_found, "no such WebSocket endpoint"};
    co_return co_await refuse(e);
  }

  WsStream ws(std::move(stream));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "otklik"); }));
  ws.read_message_max(max_frame);
  // Each frame goes out whole in one write: with fragmenting (Beast's default) a large frame, such as a console's
  // welcome listing thousands of open chats, is written 4 KiB at a time, each piece queued behind every other
  // connection's work on a busy server.
  ws.auto_fragment(false);
  boost::system::error_code ec;
  co_await ws.async_accept(req, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return;
  (*gauge)++;  // the handler's on_close decrements
  auto conn = std::make_shared<WsConnection>(std::move(ws), std::move(handler), queue);
  conn->arm_deadline(kHelloDeadline, 4000, "no hello in time");
  // The socket's life goes on in a coroutine of its own, so this one and the HTTP session's end here: the upgrade
  // request, its parser buffer and both coroutine frames (about 5 KiB) would otherwise live as long as the socket.
  const auto ex = conn->executor();
  net::co_spawn(ex, WsConnection::serve(std::move(conn)), net::detached);
}

}  // namespace otk
