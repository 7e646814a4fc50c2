// The composition root: parses the command line, and the only place that names concrete adapters.
//   otklik serve [--listen HOST:PORT] [--data DIR] [--config FILE] [--assets DIR] [--demo]
//   otklik migrate [--data DIR]
//   otklik user add --email E --name N --account A [--role R] [--site KEY]... (password on stdin or --password)
//   otklik department add --site K --name N [--default] [--member EMAIL...] [--path P] [--utm-campaign C] ...
//   otklik site add --account A --key K [--name N] [--origin O...] [--lang ru|en] [appearance options]
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <thread>
#include <tuple>

#include "api/app.hpp"
#include "api/bot.hpp"
#include "api/callbacks.hpp"
#include "core/engage/engage.hpp"
#include "api/desk.hpp"
#include "api/services.hpp"
#include "api/webhooks.hpp"
#include "core/callback/settings.hpp"
#include "telephony/engine.hpp"
#include "main/config.hpp"
#include "core/hours/hours.hpp"
#include "core/tenancy/site_rules.hpp"
#include "main/demo.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace fs = std::filesystem;
using namespace otk;

namespace {

fs::path exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : p.parent_path();
}

std::string db_path(const fs::path& data) { return (data / "otklik.db").string(); }

std::string hashed_password(std::string_view password) {
  auto hash = hash_password(password);
  if (!hash) throw std::runtime_error(hash.error().message);
  return std::move(*hash);
}

// The SIP engine behind the callback desk's port; none when [sip] listen is not set.
class EnginePlacer final : public CallPlacer {
 public:
  explicit EnginePlacer(std::unique_ptr<CallbackEngine> engine) : engine_(std::move(engine)) {}
  ~EnginePlacer() override { engine_->stop(); }
  Result<std::uint64_t> place(const PlaceCall& c) override {
    const auto& t = c.trunk;
    // RFC 3725 §12.1: both parties see the site's number and name; the trunk's domain hosts it.
    const std::string caller = t.caller_id.empty() ? "sip:otklik@" + t.domain : "sip:" + t.caller_id + "@" + t.domain;
    return engine_->place(CallbackRequest{c.visitor_uri, c.plan,
                                          TrunkConfig{t.username, t.password, t.outbound_proxy, caller, t.display_name}});
  }
  void abort(std::uint64_t id) override { engine_->abort(id); }

 private:
  std::unique_ptr<CallbackEngine> engine_;
};

std::unique_ptr<EnginePlacer> start_sip(const std::string& listen, const Clock& clock, CallbackDesk& desk) {
  if (listen.empty()) return nullptr;
  auto engine = CallbackEngine::start(EngineOptions{
      listen, &clock, [&desk](std::uint64_t id, const Call& snapshot) { desk.on_update(id, snapshot); }});
  if (!engine) throw std::runtime_error("SIP engine on " + listen + ": " + engine.error().message);
  auto placer = std::make_unique<EnginePlacer>(std::move(*engine));
  desk.set_placer(placer.get());
  spdlog::info("callback calls: SIP on {}", listen);
  return placer;
}

int serve(ServerConfig cfg) {
  fs::create_directories(cfg.data_dir);
  if (cfg.assets_dir.empty()) cfg.assets_dir = exe_dir() / "web";
  auto listen = parse_listen(cfg.listen);
  if (!listen) throw std::runtime_error(listen.error().message);

  auto writer = std::make_unique<SqliteStorage>(db_path(cfg.data_dir), true);
  auto reader = std::make_unique<SqliteStorage>(db_path(cfg.data_dir), false);
  if (cfg.max_db_mb > 0) writer->limit_size(cfg.max_db_mb * 1024 * 1024);

  const int threads = cfg.threads > 0 ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  net::io_context ioc(threads);
  SystemClock clock;
  Metrics metrics;
  Hub hub;

  // Bind before seeding the demo: the demo sites allow the origin of the port actually bound.
  std::unique_ptr<App> app;
  struct Forward : Router {
    std::unique_ptr<App>* app;
    net::awaitable<Reply> handle(const HttpRequest& r, const std::string& ip) override {
      co_return co_await (*app)->handle(r, ip);
    }
    std::size_t body_limit(std::string_view target) const override { return (*app)->body_limit(target); }
    net::awaitable<void> upgrade(beast::tcp_stream& s, const HttpRequest& r, const std::string& ip) override {
      co_await (*app)->upgrade(s, r, ip);
    }
    net::awaitable<void> early_error(const HttpRequest& head, HttpResponse& res) override {
      co_await (*app)->early_error(head, res);
    }
  } forward;
  forward.app = &app;
  HttpServer server(ioc, forward);
  const auto bound = server.listen(tcp::endpoint(net::ip::make_address(listen->first), listen->second));
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  const std::string origin = "http://" + host + ":" + std::to_string(bound.port());

  if (cfg.demo) {
    std::vector<std::string> origins{origin, "http://localhost:" + std::to_string(bound.port())};
    origins.insert(origins.end(), cfg.demo_origins.begin(), cfg.demo_origins.end());
    const std::string echo = cfg.demo_webhook ? origin + "/demo/webhook-echo" : "";
    auto r = seed_demo(*writer, origins, hashed_password(kDemoPassword), clock.now(), echo);
    if (!r) throw std::runtime_error("demo data: " + r.error().message);
  }

  auto snapshot = writer->desk_snapshot();
  if (!snapshot) throw std::runtime_error("desk state: " + snapshot.error().message);
  std::atomic<WebhookSender*> sender{nullptr};
  Database db(std::move(writer), std::move(reader), [&metrics, &sender](double s, std::size_t jobs, bool ok) {
    metrics.commit(s, jobs, ok);
    // An event went into the outbox with this commit: the sender looks now rather than at its next tick.
    if (ok && take_outbox_written()) {
      if (auto* w = sender.load()) w->poke();
    }
  });
  WebhookConfig webhook_config{cfg.webhook_ca_file, std::chrono::seconds(cfg.webhook_timeout_seconds), 16, {}};
  webhook_config.retry.first = std::chrono::seconds(cfg.webhook_first_retry_seconds);
  webhook_config.retention = std::chrono::hours(24 * cfg.webhook_retention_days);
  WebhookSender webhooks(ioc, Services{db, hub, metrics, clock}, webhook_config);
  sender = &webhooks;
  webhooks.start();
  Desk desk(ioc, Services{db, hub, metrics, clock},
            DeskConfig{std::chrono::seconds(cfg.first_response_seconds), std::chrono::minutes(cfg.typical_chat_minutes)});
  desk.start(std::move(*snapshot));
  CallbackDesk callbacks(ioc, Services{db, hub, metrics, clock});
  auto sip = start_sip(cfg.sip_listen, clock, callbacks);
  callbacks.start();
  FaqBot bot(Services{db, hub, metrics, clock, &desk});
  app = std::make_unique<App>(Services{db, hub, metrics, clock, &desk, &callbacks, &bot},
                              AppConfig{cfg.assets_dir, cfg.data_dir / "media", cfg.demo, cfg.login_per_minute, std::chrono::hours(24 * 14),
                                        QueueLimit{cfg.operator_queue_frames, kOperatorQueue.bytes},
                                        static_cast<std::size_t>(cfg.attachment_mb) * 1024 * 1024});
  server.start();
  net::co_spawn(net::make_strand(ioc), app->sweep_attachments_daily(), net::detached);

  std::cout << "otklik listening on " << origin << std::endl;
  if (cfg.demo) {
    std::cout << "  demo shop:        " << origin << "/demo/shop\n"
              << "  demo bikes:       " << origin << "/demo/bikes\n"
              << "  demo provider:    " << origin << "/demo/service  (FAQ bot, a poll, polite triggers)\n"
              << "  operator console: " << origin << "/console/  (" << kDemoEmail << " / " << kDemoPassword
              << "; a second operator: " << kDemoSecondEmail << " / " << kDemoPassword << ")" << std::endl;
  }

  // Graceful shutdown: stop accepting, close every socket with 1001 (clients reconnect and resume), give the
  // close handshakes a moment, stop the I/O threads, then let the database finish every queued commit.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer grace(ioc);
  std::function<void(boost::system::error_code)> wait_for_sockets;
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    server.stop_accepting();
    desk.stop();
    callbacks.stop();
    webhooks.stop();
    hub.close_all(1001, "server restarting");
    // The grace ends when the last socket has finished its close handshake, or after 500 ms at most.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    wait_for_sockets = [&, deadline](boost::system::error_code) {
      const bool none = metrics.visitor_connections.load() + metrics.operator_connections.load() <= 0;
      if (none || std::chrono::steady_clock::now() >= deadline) {
        ioc.stop();
        return;
      }
      grace.expires_after(std::chrono::milliseconds(10));
      grace.async_wait(wait_for_sockets);
    };
    grace.expires_after(std::chrono::milliseconds(10));
    grace.async_wait(wait_for_sockets);
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  sip.reset();  // ends live calls with BYE/CANCEL and joins the SIP thread
  db.stop();
  app.reset();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (sodium_init() < 0) {
    std::cerr << "libsodium failed to initialise\n";
    return 1;
  }
  CLI::App cli{"Otklik: a polite online consultant and instant callback for websites"};
  cli.require_subcommand(1);

  ServerConfig cfg;
  std::string config_file, listen_flag, data_flag, assets_flag;
  auto* serve_cmd = cli.add_subcommand("serve", "Run the server");
  serve_cmd->add_option("--listen", listen_flag, "HOST:PORT to listen on (port 0: any free port)");
  serve_cmd->add_option("--data", data_flag, "Directory for the SQLite database and uploads");
  serve_cmd->add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  serve_cmd->add_option("--assets", assets_flag, "Directory of built web assets (default: <binary dir>/web)");
  serve_cmd->add_flag("--demo", cfg.demo, "Create the demo agency, sites and operator, and serve /demo pages");
  serve_cmd->add_flag("--demo-webhook", cfg.demo_webhook,
                      "With --demo: give the demo shop a webhook endpoint pointing at the server's own /demo/webhook-echo");
  std::string sip_flag;
  serve_cmd->add_option("--sip", sip_flag, "SIP URI the callback engine listens on, e.g. sip:0.0.0.0:5060 (default: no callbacks)");

  std::string migrate_data = "./data";
  auto* migrate_cmd = cli.add_subcommand("migrate", "Apply pending database migrations and exit");
  migrate_cmd->add_option("--data", migrate_data, "Data directory");

  std::string u_data = "./data", u_email, u_name, u_account, u_role = "operator", u_password;
  std::vector<std::string> u_sites;
  auto* user_cmd = cli.add_subcommand("user", "Manage operators");
  auto* user_add = user_cmd->add_subcommand("add", "Add an operator (or update one with the same e-mail)");
  user_cmd->require_subcommand(1);
  user_add->add_option("--data", u_data, "Data directory");
  user_add->add_option("--email", u_email, "Login e-mail")->required();
  user_add->add_option("--name", u_name, "Name shown to visitors")->required();
  user_add->add_option("--account", u_account, "Account (agency or business) name; created if missing")->required();
  user_add->add_option("--role", u_role, "owner, admin, supervisor or operator")
      ->check(CLI::IsMember({"owner", "admin", "supervisor", "operator"}));
  user_add->add_option("--site", u_sites, "Site key the operator answers (repeatable)");
  user_add->add_option("--password", u_password, "Password (default: read one line from standard input)");
  int u_limit = 5;
  auto* o_limit = user_add->add_option("--chat-limit", u_limit, "Chats at once, 0..100 (default 5)")->check(CLI::Range(0, 100));

  std::string s_data = "./data", s_account, s_key, s_name, s_lang, s_tz, s_color, s_position, s_title, s_greeting,
      s_launcher, s_team;
  bool s_vendor_link = false, s_preview = false;
  std::vector<std::string> s_origins;
  auto* site_cmd = cli.add_subcommand("site", "Manage sites");
  site_cmd->require_subcommand(1);
  auto* site_add = site_cmd->add_subcommand("add", "Add a site (or update the one with the same key)");
  site_add->add_option("--data", s_data, "Data directory");
  site_add->add_option("--account", s_account, "Account name; created if missing")->required();
  site_add->add_option("--key", s_key, "Public site key used in the embed snippet")->required();
  // Updating a site changes only the options given; a new site needs --name and --origin.
  auto* o_name = site_add->add_option("--name", s_name, "Site name shown to operators");
  auto* o_origins = site_add->add_option("--origin", s_origins, "Allowed page origin, e.g. https://shop.example (repeatable)");
  auto* o_lang = site_add->add_option("--lang", s_lang, "Widget language: ru (default) or en");
  auto* o_tz = site_add->add_option("--timezone", s_tz, "IANA time zone of the site (default Europe/Moscow)");
  auto* o_color = site_add->add_option("--color", s_color, "Accent colour of the widget, #rgb or #rrggbb");
  auto* o_position = site_add->add_option("--position", s_position, "Launcher corner: right (default) or left");
  auto* o_title = site_add->add_option("--title", s_title, "Panel title (empty: the widget's own)");
  auto* o_greeting = site_add->add_option("--greeting", s_greeting, "First line the visitor reads (empty: the widget's own)");
  auto* o_launcher = site_add->add_option("--launcher", s_launcher, "Launcher text (empty: the widget's own)");
  auto* o_team = site_add->add_option("--team-name", s_team, "Name in the header until an operator answers (empty: the site name)");
  auto* o_vendor = site_add->add_option("--vendor-link", s_vendor_link, "Show a small 'chat by Otklik' text link (true/false)");
  auto* o_preview = site_add->add_option("--typing-preview", s_preview,
                                         "Operators see what visitors type before they send it; the widget says so (true/false)");
  std::string s_hours;
  std::vector<std::string> s_holidays;
  auto* o_hours = site_add->add_option("--hours", s_hours,
                                       "Working hours in the site's zone: \"24/7\" or \"mon-fri 09:00-18:00; sat 10:00-14:00\"");
  auto* o_holidays = site_add->add_option("--holiday", s_holidays, "A closed day, YYYY-MM-DD (repeatable)");

  std::string d_data = "./data", d_site, d_name, d_path, d_referrer, d_utm_source, d_utm_medium, d_utm_campaign;
  bool d_default = false;
  std::vector<std::string> d_members;
  auto* dep_cmd = cli.add_subcommand("department", "Manage departments and routing");
  dep_cmd->require_subcommand(1);
  auto* dep_add = dep_cmd->add_subcommand("add", "Add a department to a site (or extend the one with the same name)");
  dep_add->add_option("--data", d_data, "Data directory");
  dep_add->add_option("--site", d_site, "Site key")->required();
  dep_add->add_option("--name", d_name, "Department name shown to operators")->required();
  dep_add->add_flag("--default", d_default, "Chats no rule matches go here");
  dep_add->add_option("--member", d_members, "E-mail of an operator of the site to add (repeatable)");
  dep_add->add_option("--path", d_path, "Route pages whose path matches, e.g. '/developers*'");
  dep_add->add_option("--referrer", d_referrer, "Route visitors whose referrer contains this");
  dep_add->add_option("--utm-source", d_utm_source, "Route visitors with this utm_source");
  dep_add->add_option("--utm-medium", d_utm_medium, "Route visitors with this utm_medium");
  dep_add->add_option("--utm-campaign", d_utm_campaign, "Route visitors with this utm_campaign");

  std::string c_data = "./data", c_site, c_settings, c_number;
  auto* cb_cmd = cli.add_subcommand("callback", "Manage instant callback");
  cb_cmd->require_subcommand(1);
  auto* cb_set = cb_cmd->add_subcommand("set", "Set a site's callback settings from a JSON file (docs/callback.md)");
  cb_set->add_option("--data", c_data, "Data directory");
  cb_set->add_option("--site", c_site, "Site key")->required();
  cb_set->add_option("--settings", c_settings, "JSON file with the settings, or - for standard input")->required();
  auto* cb_optout = cb_cmd->add_subcommand("optout", "Never call this number again, from any site");
  cb_optout->add_option("--data", c_data, "Data directory");
  cb_optout->add_option("--number", c_number, "The number, in E.164 (+79161234567)")->required();

  std::string e_data = "./data", e_site, e_settings, e_kb;
  auto* engage_cmd = cli.add_subcommand("engage", "Manage proactive triggers and the FAQ bot (docs/engagement.md)");
  engage_cmd->require_subcommand(1);
  auto* engage_set = engage_cmd->add_subcommand("set", "Set a site's engagement settings from a JSON file");
  engage_set->add_option("--data", e_data, "Data directory");
  engage_set->add_option("--site", e_site, "Site key")->required();
  engage_set->add_option("--settings", e_settings, "JSON file with the settings, or - for standard input")->required();
  auto* kb_import = engage_cmd->add_subcommand("kb", "Add FAQ bot entries from a JSON file: [{question, phrasings, answer}]");
  kb_import->add_option("--data", e_data, "Data directory");
  kb_import->add_option("--site", e_site, "Site key")->required();
  kb_import->add_option("--file", e_kb, "JSON file, or - for standard input")->required();
  bool rotate_secret = false;
  auto* site_secret = site_cmd->add_subcommand("secret", "Print the site's identity secret for Otklik.identify (made on first use)");
  site_secret->add_option("--data", e_data, "Data directory");
  site_secret->add_option("--site", e_site, "Site key")->required();
  site_secret->add_flag("--rotate", rotate_secret, "Replace the secret (hashes made with the old one stop working)");

  CLI11_PARSE(cli, argc, argv);

  try {
    if (*serve_cmd) {
      if (!config_file.empty()) {
        if (auto r = load_config_file(config_file, cfg); !r) {
          std::cerr << r.error().message << "\n";
          return 2;
        }
      }
      if (!listen_flag.empty()) cfg.listen = listen_flag;
      if (!data_flag.empty()) cfg.data_dir = data_flag;
      if (!assets_flag.empty()) cfg.assets_dir = assets_flag;
      if (!sip_flag.empty()) cfg.sip_listen = sip_flag;
      return serve(cfg);
    }
    if (*migrate_cmd) {
      fs::create_directories(migrate_data);
      SqliteStorage st(db_path(migrate_data), true);
      std::cout << "schema version " << st.schema_version() << "\n";
      return 0;
    }
    if (*user_add) {
      if (u_password.empty()) std::getline(std::cin, u_password);
      if (u_password.size() < 4) {
        std::cerr << "the password must have at least 4 characters\n";
        return 2;
      }
      fs::create_directories(u_data);
      SqliteStorage st(db_path(u_data), true);
      SystemClock clock;
      auto account = st.ensure_account(u_account, clock.now());
      if (!account) throw std::runtime_error(account.error().message);
      auto before = st.credentials_by_email(u_email);
      const bool existing_operator = before && *before;
      auto op = st.upsert_operator(*account, u_email, u_name, hashed_password(u_password), *parse_role(u_role), clock.now());
      if (!op) throw std::runtime_error(op.error().message);
      for (const auto& key : u_sites) {
        auto site = st.site_by_key(key);
        if (!site || !*site || (*site)->account != *account) throw std::runtime_error("no site '" + key + "' in this account");
        if (auto r = st.add_site_member((*site)->id, *op); !r) throw std::runtime_error(r.error().message);
      }
      if (*o_limit || !existing_operator) {
        if (auto r = st.set_chat_limit(*op, u_limit); !r) throw std::runtime_error(r.error().message);
      }
      std::cout << "operator " << u_email << " (id " << op->value << ") is ready\n";
      return 0;
    }
    if (*dep_add) {
      fs::create_directories(d_data);
      SqliteStorage st(db_path(d_data), true);
      auto site = st.site_by_key(d_site);
      if (!site) throw std::runtime_error(site.error().message);
      if (!*site) {
        std::cerr << "no site '" << d_site << "'\n";
        return 2;
      }
      if (d_name.empty() || d_name.size() > 100) {
        std::cerr << "a department name has 1..100 characters\n";
        return 2;
      }
      // Check everything first, then write it all in one transaction: a refusal changes nothing.
      std::vector<OperatorId> members;
      for (const auto& email : d_members) {
        auto who = st.credentials_by_email(email);
        if (!who || !*who) {
          std::cerr << "no operator '" << email << "'\n";
          return 2;
        }
        members.push_back((*who)->op.id);
      }
      std::optional<RoutingRule> rule;
      if (!d_path.empty() || !d_referrer.empty() || !d_utm_source.empty() || !d_utm_medium.empty() ||
          !d_utm_campaign.empty()) {
        // The department id is filled in after the upsert; any non-zero id passes the check.
        auto checked = normalize_rule(RoutingRule{d_path, d_referrer, d_utm_source, d_utm_medium, d_utm_campaign,
                                                  std::nullopt, DepartmentId{1}});
        if (!checked) {
          std::cerr << checked.error().message << "\n";
          return 2;
        }
        rule = *checked;
      }
      st.tx_begin();
      auto dep = st.upsert_department((*site)->id, d_name, d_default);
      Result<void> done = dep ? Result<void>{} : Result<void>{std::unexpected(dep.error())};
      for (std::size_t i = 0; done && i < members.size(); ++i) {
        done = st.add_department_member(*dep, members[i]);
        if (!done) done = fail(done.error().code, d_members[i] + ": " + done.error().message);
      }
      if (done && rule) {
        rule->department = *dep;
        done = st.add_routing_rule((*site)->id, *rule);
      }
      st.tx_end(done.has_value());
      if (!done) {
        std::cerr << done.error().message << "\n";
        return 2;
      }
      std::cout << "department '" << d_name << "' (id " << dep->value << ") of " << d_site << " is ready\n";
      return 0;
    }
    if (*cb_set) {
      std::string text;
      if (c_settings == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
      } else {
        std::ifstream in(c_settings);
        if (!in) {
          std::cerr << "cannot read " << c_settings << "\n";
          return 2;
        }
        text.assign(std::istreambuf_iterator<char>(in), {});
      }
      auto settings = callback_settings_from_json(text);
      if (!settings) {
        std::cerr << settings.error().message << "\n";
        return 2;
      }
      fs::create_directories(c_data);
      SqliteStorage st(db_path(c_data), true);
      auto site = st.site_by_key(c_site);
      if (!site) throw std::runtime_error(site.error().message);
      if (!*site) {
        std::cerr << "no site '" << c_site << "'\n";
        return 2;
      }
      if (auto r = st.set_callback_settings((*site)->id, callback_settings_to_json(*settings)); !r) {
        throw std::runtime_error(r.error().message);
      }
      std::cout << "callback for " << c_site << " is " << (settings->enabled ? "on" : "off") << "\n";
      return 0;
    }
    if (*engage_set || *kb_import || *site_secret) {
      auto read_input = [](const std::string& file) {
        std::string text;
        if (file == "-") {
          text.assign(std::istreambuf_iterator<char>(std::cin), {});
        } else {
          std::ifstream in(file);
          if (!in) throw std::runtime_error("cannot read " + file);
          text.assign(std::istreambuf_iterator<char>(in), {});
        }
        return text;
      };
      fs::create_directories(e_data);
      SqliteStorage st(db_path(e_data), true);
      auto site = st.site_by_key(e_site);
      if (!site) throw std::runtime_error(site.error().message);
      if (!*site) {
        std::cerr << "no site '" << e_site << "'\n";
        return 2;
      }
      const SiteId id = (*site)->id;
      if (*site_secret) {
        auto secret = st.identity_secret(id, true, rotate_secret);
        if (!secret) throw std::runtime_error(secret.error().message);
        std::cout << *secret << "\n";
        return 0;
      }
      if (*engage_set) {
        auto settings = engage_settings_from_json(read_input(e_settings), (*site)->language);
        if (!settings) {
          std::cerr << settings.error().message << "\n";
          return 2;
        }
        if (auto r = st.set_engage_settings(id, engage_settings_to_json(*settings).dump()); !r) {
          throw std::runtime_error(r.error().message);
        }
        std::cout << "engagement settings of " << e_site << " saved (" << settings->triggers.size() << " triggers, bot "
                  << (settings->bot.enabled ? "on" : "off") << ")\n";
        return 0;
      }
      auto doc = nlohmann::json::parse(read_input(e_kb), nullptr, false);
      if (doc.is_discarded() || !doc.is_array()) {
        std::cerr << "the file must be a JSON array of {question, phrasings, answer}\n";
        return 2;
      }
      SystemClock clock;
      std::vector<KbEntry> entries;
      for (std::size_t i = 0; i < doc.size(); ++i) {
        const auto& e = doc[i];
        KbEntry entry;
        if (!e.is_object() || !e.contains("question") || !e["question"].is_string() || !e.contains("answer") ||
            !e["answer"].is_string()) {
          std::cerr << "[" << i << "]: needs question and answer strings\n";
          return 2;
        }
        entry.question = e["question"].get<std::string>();
        entry.answer = e["answer"].get<std::string>();
        if (e.contains("phrasings") && e["phrasings"].is_array()) {
          for (const auto& p : e["phrasings"]) {
            if (p.is_string()) entry.phrasings.push_back(p.get<std::string>());
          }
        }
        auto valid = validate_kb_entry(std::move(entry));
        if (!valid) {
          std::cerr << "[" << i << "]: " << valid.error().message << "\n";
          return 2;
        }
        entries.push_back(std::move(*valid));
      }
      for (const auto& e : entries) {
        if (auto r = st.put_kb_entry(id, e, clock.now()); !r) throw std::runtime_error(r.error().message);
      }
      std::cout << entries.size() << " entries added to the FAQ bot of " << e_site << "\n";
      return 0;
    }
    if (*cb_optout) {
      if (c_number.size() < 4 || c_number.size() > 16 || c_number.front() != '+' ||
          c_number.find_first_not_of("0123456789", 1) != std::string::npos) {
        std::cerr << "--number must be E.164, like +79161234567\n";
        return 2;
      }
      fs::create_directories(c_data);
      SqliteStorage st(db_path(c_data), true);
      SystemClock clock;
      if (auto r = st.opt_out(c_number, clock.now()); !r) throw std::runtime_error(r.error().message);
      std::cout << c_number << " will not be called again\n";
      return 0;
    }
    if (*site_add) {
      fs::create_directories(s_data);
      SqliteStorage st(db_path(s_data), true);
      SystemClock clock;
      auto account = st.ensure_account(s_account, clock.now());
      if (!account) throw std::runtime_error(account.error().message);
      auto existing = st.site_by_key(s_key);
      if (!existing) throw std::runtime_error(existing.error().message);
      Site site = existing->value_or(Site{});
      if (*existing && site.account != *account) throw std::runtime_error("site key '" + s_key + "' belongs to another account");
      if (!*existing && (!*o_name || !*o_origins)) {
        std::cerr << "a new site needs --name and at least one --origin\n";
        return 2;
      }
      site.account = *account;
      site.key = s_key;
      auto& a = site.appearance;
      for (const auto& [opt, from, to] : {std::tuple{o_name, &s_name, &site.name}, {o_lang, &s_lang, &site.language},
                                          {o_tz, &s_tz, &site.timezone}, {o_color, &s_color, &a.color},
                                          {o_position, &s_position, &a.position}, {o_title, &s_title, &a.title},
                                          {o_greeting, &s_greeting, &a.greeting}, {o_launcher, &s_launcher, &a.launcher},
                                          {o_team, &s_team, &a.operator_name}}) {
        if (*opt) *to = *from;
      }
      if (*o_origins) site.allowed_origins = s_origins;
      if (*o_vendor) a.vendor_link = s_vendor_link;
      if (*o_preview) a.typing_preview = s_preview;
      if (*o_hours || *o_holidays) {
        auto hours = *o_hours ? parse_hours(s_hours) : hours_from_json(site.hours);
        if (!hours) {
          std::cerr << hours.error().message << "\n";
          return 2;
        }
        for (const auto& day : s_holidays) {
          auto holiday = parse_holiday(day);
          if (!holiday) {
            std::cerr << holiday.error().message << "\n";
            return 2;
          }
          std::erase_if(hours->exceptions, [&](const DatedHours& e) { return e.day == holiday->day; });
          hours->exceptions.push_back(*holiday);
        }
        site.hours = hours_to_json(*hours);
      }
      auto clean = normalize_site(std::move(site));
      if (!clean) {
        std::cerr << clean.error().message << "\n";
        return 2;
      }
      site = std::move(*clean);
      auto id = st.upsert_site(site, clock.now());
      if (!id) throw std::runtime_error(id.error().message);
      std::cout << "site " << s_key << " (id " << id->value << ") is ready; embed:\n"
                << "  <script src=\"https://YOUR-OTKLIK-HOST/widget.js?site=" << s_key << "\" async></script>\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "otklik: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
