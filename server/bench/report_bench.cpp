// Report latency on a year of data (issue #7: "bench with one million messages: a report answers in under
// 200 ms"). Seeds a fresh SQLite database — one account, 3 sites, 8 operators, 100,000 conversations of 10
// messages each over 365 days, with bot answers, leads and callbacks — then times the reports the console asks
// for through the real store (SqliteStorage::report_facts + ReportBuilder) and, as the baseline in the same run,
// the same year report after dropping the report indexes of migration 16. Prints a Markdown table; never fails
// because a target is missed.
//
//   otk_report_bench [--conversations N] [--messages-per-chat M] [--keep DIR]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "store/sqlite/sqlite_storage.hpp"

namespace {

using namespace otk;
using Steady = std::chrono::steady_clock;

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n", err ? err : "?");
    std::exit(1);
  }
}

struct Insert {
  sqlite3_stmt* s = nullptr;
  Insert(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
      std::exit(1);
    }
  }
  ~Insert() { sqlite3_finalize(s); }
  template <class... T>
  void run(T... v) {
    int i = 0;
    (bind(++i, v), ...);
    if (sqlite3_step(s) != SQLITE_DONE) {
      std::fprintf(stderr, "insert: %s\n", sqlite3_errmsg(sqlite3_db_handle(s)));
      std::exit(1);
    }
    sqlite3_reset(s);
  }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s, i, v); }
  void bind(int i, int v) { sqlite3_bind_int64(s, i, v); }
  void bind(int i, const std::string& v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void bind(int i, std::nullptr_t) { sqlite3_bind_null(s, i); }
  void bind(int i, std::optional<std::int64_t> v) { v ? bind(i, *v) : bind(i, nullptr); }
  void bind(int i, const std::optional<std::string>& v) { v ? bind(i, *v) : bind(i, nullptr); }
};

struct Seeded {
  std::vector<SiteId> sites;
  std::vector<OperatorId> operators;
  std::int64_t messages = 0;
  TimePoint end;
};

Seeded seed(const std::string& path, int conversations, int per_chat) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN");
  Seeded out;
  const std::int64_t day = 86'400'000;
  const std::int64_t end = 1'795'000'000'000;  // November 2026
  out.end = from_unix_ms(end);
  const std::int64_t start = end - 365 * day;
  exec(db, "INSERT INTO accounts(id, name, created_at) VALUES (1, 'Bench', 0)");
  for (int s = 1; s <= 3; ++s) {
    Insert(db, "INSERT INTO sites(id, account_id, key, name, created_at) VALUES (?, 1, ?, ?, 0)")
        .run(s, fmt::format("site-{}", s), fmt::format("Site {}", s));
    Insert(db, "INSERT INTO departments(id, site_id, name, is_default) VALUES (?, ?, 'General', 1)").run(s, s);
    out.sites.push_back(SiteId{s});
  }
  for (int o = 1; o <= 8; ++o) {
    Insert(db, "INSERT INTO operators(id, account_id, email, name, password_hash, role, created_at) "
               "VALUES (?, 1, ?, ?, 'x', 'operator', 0)")
        .run(o, fmt::format("op{}@bench", o), fmt::format("Operator {}", o));
    for (int s = 1; s <= 3; ++s) Insert(db, "INSERT INTO site_members(operator_id, site_id) VALUES (?, ?)").run(o, s);
    out.operators.push_back(OperatorId{o});
  }
  std::mt19937_64 rng(1);
  auto pick = [&](std::int64_t n) { return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n)); };
  const std::string campaigns[] = {"", "", R"(["yandex","cpc","autumn"])", R"(["vk","social","spring"])",
                                   R"(["newsletter","email","weekly"])"};
  Insert visitor(db, "INSERT INTO visitors(id, site_id, token_hash, created_at, last_seen_at, campaign) VALUES (?, ?, ?, ?, ?, ?)");
  Insert conv(db,
              "INSERT INTO conversations(id, account_id, site_id, visitor_id, status, last_seq, created_at, last_message_at, "
              "department_id, operator_id, assigned_at, routed_at, first_response_at, closed_at, bot_state, rating, campaign) "
              "VALUES (?, 1, ?, ?, 'closed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Insert msg(db,
             "INSERT INTO messages(conversation_id, seq, sender, client_id, author_kind, operator_id, body, created_at, "
             "bot_entry, bot_helpful) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Insert lead(db, "INSERT INTO leads(account_id, site_id, visitor_id, source, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)");
  Insert call(db,
              "INSERT INTO callbacks(account_id, site_id, visitor_id, client_id, e164, status, allowed, created_at, ended_at, "
              "talk_ms, billed_seconds, charge) VALUES (1, ?, ?, 'c', '+79161234567', ?, 1, ?, ?, ?, ?, ?)");
  const char* statuses[] = {"connected", "connected", "visitor_no_answer", "operator_busy", "rejected_fraud_rule"};
  const char* sources[] = {"chat", "offline_form", "callback"};
  for (int c = 1; c <= conversations; ++c) {
    const std::int64_t site = 1 + pick(3);
    const std::int64_t created = start + pick(365 * day);
    const std::string& campaign = campaigns[pick(5)];
    visitor.run(std::int64_t{c}, site, fmt::format("v{}", c), created, created, campaign);
    const bool bot = pick(4) == 0;
    const std::int64_t op = 1 + pick(8);
    const std::int64_t routed = created + pick(20'000);
    const bool answered = !bot || pick(2) == 0;
    const std::int64_t first = routed + pick(90'000);
    const std::optional<std::string> rating =
        pick(3) == 0 ? std::optional<std::string>(pick(5) == 0 ? "bad" : "good") : std::nullopt;
    using Maybe = std::optional<std::int64_t>;
    conv.run(std::int64_t{c}, site, std::int64_t{c}, std::int64_t{per_chat}, created, created + per_chat * 30'000, site,
             answered ? Maybe(op) : Maybe(), routed, routed, answered ? Maybe(first) : Maybe(), created + 600'000 + pick(3'600'000),
             std::string(bot ? (answered ? "handed_off" : "active") : ""), rating, campaign);
    for (int m = 1; m <= per_chat; ++m) {
      const bool from_visitor = m % 2 == 1;
      const bool bot_answer = bot && !from_visitor && m <= 4;
      const std::string kind = from_visitor ? "visitor" : bot_answer ? "bot" : "operator";
      const std::string sender = from_visitor ? fmt::format("v{}", c) : bot_answer ? fmt::format("b{}", c) : fmt::format("o{}", op);
      sqlite3_bind_int64(msg.s, 1, c);
      sqlite3_bind_int64(msg.s, 2, m);
      msg.bind(3, sender);
      msg.bind(4, fmt::format("{}-{}", c, m));
      msg.bind(5, kind);
      if (kind == "operator") msg.bind(6, op); else msg.bind(6, nullptr);
      msg.bind(7, std::string("Здравствуйте! Подскажите, пожалуйста, есть ли доставка в Казань?"));
      msg.bind(8, created + m * 30'000);
      if (bot_answer) {
        msg.bind(9, std::int64_t{1});
        if (pick(2) == 0) msg.bind(10, pick(2)); else msg.bind(10, nullptr);
      }
      if (sqlite3_step(msg.s) != SQLITE_DONE) {
        std::fprintf(stderr, "message: %s\n", sqlite3_errmsg(db));
        std::exit(1);
      }
      sqlite3_reset(msg.s);
      sqlite3_clear_bindings(msg.s);
      out.messages++;
    }
    if (c % 10 == 0) lead.run(site, std::int64_t{c}, std::string(sources[pick(3)]), created + 60'000, created + 60'000);
    if (c % 20 == 0) {
      const std::string status = statuses[pick(5)];
      const std::int64_t talk = status == "connected" ? 10'000 + pick(600'000) : 0;
      const std::int64_t billed = (talk + 59'999) / 60'000 * 60;
      call.run(site, std::int64_t{c}, status, created, created + 60'000 + talk, talk, billed, billed * 3);
    }
  }
  exec(db, "COMMIT; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return out;
}

struct Timing {
  double median_ms = 0, max_ms = 0;
  std::int64_t started = 0;
};

Timing time_report(SqliteStorage& st, const OperatorScope& scope, const ReportFilter& filter, const ReportDays& days,
                   int runs) {
  std::vector<double> ms;
  Timing t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Steady::now();
    ReportBuilder b(days);
    auto r = st.report_facts(scope, filter, days, b);
    if (!r) {
      std::fprintf(stderr, "report: %s\n", r.error().message.c_str());
      std::exit(1);
    }
    const Report rep = b.finish();
    ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    t.started = rep.chats.started;
  }
  std::ranges::sort(ms);
  t.median_ms = ms[ms.size() / 2];
  t.max_ms = ms.back();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int conversations = 100'000, per_chat = 10;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--conversations") conversations = std::stoi(argv[i + 1]);
    else if (a == "--messages-per-chat") per_chat = std::stoi(argv[i + 1]);
    else if (a == "--keep") keep = argv[i + 1];
  }
  const auto dir = keep.empty() ? std::filesystem::temp_directory_path() / fmt::format("otk-report-bench-{}", ::getpid())
                                : std::filesystem::path(keep);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "otklik.db").string();
  std::filesystem::remove(path);
  { SqliteStorage schema(path, true); }
  const auto t0 = Steady::now();
  const Seeded data = seed(path, conversations, per_chat);
  const double seed_s = std::chrono::duration<double>(Steady::now() - t0).count();
  std::fprintf(stderr, "seeded %d conversations, %lld messages in %.1f s\n", conversations,
               static_cast<long long>(data.messages), seed_s);

  SqliteStorage st(path, true);
  OperatorScope scope;
  scope.op.id = OperatorId{1};
  scope.op.account = AccountId{1};
  scope.op.role = Role::owner;
  scope.sites = data.sites;
  auto day_of = [](TimePoint t) { return date::floor<date::days>(t); };
  const auto last = day_of(data.end);
  auto year = report_days(last - date::days{364}, last, "Europe/Moscow");
  auto month = report_days(last - date::days{29}, last, "Europe/Moscow");
  if (!year || !month) return 1;
  struct Case {
    const char* name;
    ReportFilter filter;
    const ReportDays* days;
  };
  const Case cases[] = {
      {"a year, every site (the account)", {}, &*year},
      {"a year, one site", {{data.sites[0]}, {}, {}}, &*year},
      {"a year, one operator", {{}, {}, data.operators[0]}, &*year},
      {"30 days, every site", {}, &*month},
  };
  std::printf("\n## Reports on a year of data (%lld messages, %d conversations)\n\n", static_cast<long long>(data.messages),
              conversations);
  std::printf("| report | chats in it | median | slowest of 7 | target |\n|---|---:|---:|---:|---:|\n");
  double year_ms = 0;
  for (const auto& c : cases) {
    const Timing t = time_report(st, scope, c.filter, *c.days, 7);
    if (year_ms == 0) year_ms = t.median_ms;
    std::printf("| %s | %lld | %.1f ms | %.1f ms | < 200 ms |\n", c.name, static_cast<long long>(t.started), t.median_ms,
                t.max_ms);
  }
  {
    // The baseline: the same year report without the indexes of migration 16.
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    exec(db, "DROP INDEX conversations_report; DROP INDEX leads_site_created; DROP INDEX messages_bot; ANALYZE");
    sqlite3_close(db);
    SqliteStorage bare(path, false);
    const Timing t = time_report(bare, scope, {}, *year, 3);
    std::printf("| baseline: a year, every site, without the report indexes | %lld | %.1f ms | %.1f ms | (%.1f× the indexed) |\n",
                static_cast<long long>(t.started), t.median_ms, t.max_ms, t.median_ms / std::max(0.001, year_ms));
  }
  if (keep.empty()) std::filesystem::remove_all(dir);
  return 0;
}
