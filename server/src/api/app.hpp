// The HTTP face of Otklik: REST under /api/v1, the WebSocket endpoints, widget and console assets, demo
// pages, health and metrics. Implements net's Router; all domain work goes through Storage and Hub.
#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "api/assets.hpp"
#include "api/services.hpp"
#include "app/ports/storage.hpp"
#include "net/http_server.hpp"
#include "net/ws_connection.hpp"

namespace otk {

struct AppConfig {
  std::filesystem::path assets_dir;
  std::filesystem::path media_dir;  // uploads: <data>/media
  bool demo = false;
  double login_per_minute = 10;  // per client address and per e-mail
  std::chrono::hours session_lifetime{24 * 14};
  QueueLimit operator_queue = kOperatorQueue;
  std::size_t attachment_bytes = 10 * 1024 * 1024;  // the largest attachment ([limits] attachment_mb)
};

class App final : public Router {
 public:
  App(Services services, AppConfig config);
  ~App() override;

  net::awaitable<Reply> handle(const HttpRequest& req, const std::string& peer_ip) override;
  net::awaitable<void> upgrade(beast::tcp_stream& stream, const HttpRequest& req, const std::string& peer_ip) override;
  std::size_t body_limit(std::string_view target) const override;
  /// Early HTTP errors (413, 400) to the widget's endpoints get the CORS headers the router would have given.
  net::awaitable<void> early_error(const HttpRequest& head, HttpResponse& res) override;
  /// Deletes attachment files no row names that are older than an hour (api/attachments.cpp), now and then once
  /// a day; run it on a strand of the I/O context, it ends when the context stops.
  net::awaitable<void> sweep_attachments_daily();
  /// One pass of that sweep; returns how many files it removed.
  net::awaitable<int> sweep_orphan_attachments();

 private:
  /// Sites as the widget's requests need them (the loader, the visitor socket, uploads), shared by every socket of
  /// a site (one copy per site, not one per visitor) and read from storage at most every few seconds per site. The console's site changes forget an
  /// entry at once; a change made by the CLI behind a running server is seen within kSiteCacheTtl.
  class SiteCache {
   public:
    static constexpr std::chrono::seconds kSiteCacheTtl{3};
    std::shared_ptr<const Site> find(const std::string& key, std::chrono::steady_clock::time_point now);
    void put(std::shared_ptr<const Site> site, std::chrono::steady_clock::time_point now);
    void forget(const std::string& key);

   private:
    struct Entry {
      std::shared_ptr<const Site> site;
      std::chrono::steady_clock::time_point read_at;
    };
    std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;
  };
  /// The site of a widget request: from the cache, else from storage (then cached). nullptr: no such key.
  net::awaitable<Result<std::shared_ptr<const Site>>> cached_site(const std::string& key);
  SiteCache site_cache_;

  net::awaitable<HttpResponse> route(const HttpRequest& req, const std::string& peer_ip);
  net::awaitable<HttpResponse> login(const HttpRequest& req, const std::string& peer_ip);
  net::awaitable<HttpResponse> logout(const HttpRequest& req);
  net::awaitable<HttpResponse> me(const HttpRequest& req);
  net::awaitable<HttpResponse> conversations(const HttpRequest& req);
  net::awaitable<HttpResponse> messages(const HttpRequest& req, ConversationId id);
  net::awaitable<HttpResponse> widget_loader(const HttpRequest& req);
  net::awaitable<HttpResponse> healthz();
  HttpResponse openapi(const HttpRequest& req);
  // Operator photos (api/media.cpp).
  net::awaitable<HttpResponse> put_photo(const HttpRequest& req);
  net::awaitable<HttpResponse> delete_photo(const HttpRequest& req);
  net::awaitable<HttpResponse> get_photo(const HttpRequest& req, std::string_view rest);
  HttpResponse asset(const HttpRequest& req, const std::string& rel, bool frame_deny);
  // Attachments (api/attachments.cpp): the operator's upload and download, and the widget's.
  net::awaitable<HttpResponse> post_operator_attachment(const HttpRequest& req, ConversationId id);
  net::awaitable<HttpResponse> get_operator_attachment(const HttpRequest& req, std::string_view id);
  net::awaitable<HttpResponse> widget_attachments(const HttpRequest& req, std::string_view rest);
  /// The site of ?site=KEY when the request's Origin is one of its allowed origins (as the visitor socket checks).
  net::awaitable<Result<Site>> widget_site(const HttpRequest& req);
  /// The site with this key if the scope is a member of it; not_found otherwise (another account's site looks
  /// exactly like a missing one).
  net::awaitable<Result<Site>> member_site(const OperatorScope& scope, const std::string& key);
  // Leads (api/leads.cpp): "/api/v1/leads...", rest = what follows "/api/v1/leads".
  net::awaitable<HttpResponse> leads(const HttpRequest& req, std::string_view rest);
  net::awaitable<HttpResponse> list_leads(const HttpRequest& req);
  net::awaitable<HttpResponse> get_lead(const HttpRequest& req, LeadId id);
  net::awaitable<HttpResponse> patch_lead(const HttpRequest& req, LeadId id);
  net::awaitable<HttpResponse> post_lead_note(const HttpRequest& req, LeadId id);
  // Callbacks (api/callbacks_rest.cpp).
  net::awaitable<HttpResponse> request_callback(const HttpRequest& req);
  net::awaitable<HttpResponse> get_callback(const HttpRequest& req, CallbackId id);
  net::awaitable<HttpResponse> list_callbacks(const HttpRequest& req);
  net::awaitable<HttpResponse> callback_statement(const HttpRequest& req);
  net::awaitable<HttpResponse> callback_action(const HttpRequest& req, std::string_view rest);
  net::awaitable<HttpResponse> site_callback(const HttpRequest& req, std::string_view key);
  net::awaitable<HttpResponse> callback_optouts(const HttpRequest& req, std::string_view rest);
  net::awaitable<HttpResponse> visitor_card(const HttpRequest& req, ConversationId id);
  // Reports and per-site statements (api/reports.cpp), as JSON or CSV.
  net::awaitable<HttpResponse> reports(const HttpRequest& req, bool csv);
  net::awaitable<HttpResponse> statements(const HttpRequest& req, bool csv);
  // CSV exports (api/export.cpp), streamed: file = what follows "/api/v1/export/", e.g. "leads.csv".
  net::awaitable<Reply> export_csv(const HttpRequest& req, std::string_view file);
  // Canned replies (api/canned.cpp).
  net::awaitable<HttpResponse> canned(const HttpRequest& req, std::string_view rest);
  // Sites (api/sites.cpp): rest = "" or "/{key}".
  net::awaitable<HttpResponse> sites(const HttpRequest& req, std::string_view rest);
  // Engagement and the FAQ bot (api/engage.cpp): rest = what follows "/api/v1/sites/".
  net::awaitable<HttpResponse> engage_presets(const HttpRequest& req);
  net::awaitable<HttpResponse> site_settings(const HttpRequest& req, std::string_view rest);
  net::awaitable<HttpResponse> widget_events(const HttpRequest& req, const std::string& peer_ip);
  // Webhook endpoints and their delivery logs (api/webhooks_rest.cpp): rest = what follows "/api/v1/webhooks".
  net::awaitable<HttpResponse> webhooks(const HttpRequest& req, std::string_view rest);
  // API tokens for integrations (api/tokens.cpp): rest = what follows "/api/v1/tokens".
  net::awaitable<HttpResponse> tokens(const HttpRequest& req, std::string_view rest);

  // Team settings (api/team.cpp): operators, invitations, departments and routing rules.
  net::awaitable<HttpResponse> operators(const HttpRequest& req, std::string_view rest);
  net::awaitable<HttpResponse> accept_invite(const HttpRequest& req, const std::string& peer_ip);
  net::awaitable<HttpResponse> site_routing(const HttpRequest& req, std::string_view rest);
  net::awaitable<HttpResponse> departments(const HttpRequest& req, std::string_view rest);
  /// After a team change of the account: the desk takes the new settings, connected consoles the new team.
  net::awaitable<void> team_changed(AccountId account);
  /// A new console session for the operator: the login answer with its cookie.
  net::awaitable<HttpResponse> start_session(const HttpRequest& req, const OperatorAccount& op);

  /// The session of the request's cookie; with `csrf` also checks X-CSRF-Token.
  net::awaitable<Result<AuthSession>> authenticate(const HttpRequest& req, bool csrf);
  bool login_allowed(const std::string& ip, const std::string& email, double& retry_after);

  Services s_;
  AppConfig config_;
  Assets assets_;
  net::thread_pool cpu_{1};  // argon2id and file writes run here, never on an I/O thread
  std::mutex limiter_mu_;
  KeyedLimiter login_by_ip_, login_by_email_;
  KeyedLimiter events_by_ip_{120, 60};  // widget events: a page sends a handful per visit
  KeyedLimiter requests_by_token_{600, 120};  // API tokens: 10 a second on average, bursts of 120
  KeyedLimiter uploads_by_visitor_{30, 10};  // widget attachments: people send a few files, not a stream
};

/// Origin of the server as the browser sees it: "http(s)://" + Host.
std::string own_origin(const HttpRequest& req);
/// The value of one cookie, or empty.
std::string cookie_value(const HttpRequest& req, std::string_view name);
/// `site` of the query: absent, or a site id the scope may see; bad_request when it is not an id, not_found when
/// it is not one of the scope's sites (another account's site looks exactly like a missing one).
Result<std::optional<SiteId>> site_param(std::string_view target, const OperatorScope& scope);
/// The month a moment falls in, in a time zone (UTC when unknown): "2026-11".
std::string month_of(TimePoint t, const std::string& timezone);
/// Decoded value of one query parameter, or nullopt.
std::optional<std::string> query_param(std::string_view target, std::string_view name);
/// The body of a JSON request: Content-Type application/json and a JSON object, else bad_request / bad_json.
Result<nlohmann::json> json_object_body(const HttpRequest& req);
/// The text of a JSON answer or frame; a malformed UTF-8 byte in a string is replaced, never thrown on.
std::string dump(const nlohmann::json& j);
/// An id in a path or query: decimal digits only, above zero; none for anything else.
std::optional<std::int64_t> parse_positive_id(std::string_view text);

}  // namespace otk
