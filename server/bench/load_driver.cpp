// otk_load: the load driver of ./scripts/bench. Speaks the documented WebSocket protocol (docs/protocol.md) to
// an Otklik server or to the reference relay (bench/reference/relay.mjs) and prints JSON lines.
//
//   otk_load --scenario connect|restart|relay|latency --port P [options]
//
// A process here may hold at most ~20,000 open files, and one source address gives at most ~28,000 ephemeral
// ports towards one server port, so the driver forks worker processes: visitor workers 0..P-1 each hold a
// share of the visitors (at most --per-proc) and bind source address 127.0.0.<src-base + i>; in relay and
// latency an extra worker holds the operators on its own address. Workers talk to the parent over pipes: JSON
// lines up ("connected", "ready", "done", "received", "back"), commands down ("go", "expect N"; EOF = quit).
// Every clock read is steady_clock (CLOCK_MONOTONIC), shared by all processes of the machine, so a time stamp
// written by one worker can be compared with one read by another, and with the orchestrator's
// process.hrtime.bigint().
//
// Scenarios
//   connect  open --visitors connections (upgrade + hello + welcome), --concurrency handshakes in flight per
//            worker; print handshakes/s and {"event":"held"}; hold until standard input closes (or --hold-ms).
//   restart  as connect; then every dropped connection reconnects with jittered exponential backoff and says
//            hello with its visitor token; print when all are welcomed again (or after --restart-timeout).
//   relay    --visitors send as fast as acks come back: a window of --window unacked sends each, paced at
//            --per-visitor-rate (the server allows 20 frames/s per connection); --operators check receipt.
//   latency  --rate messages/s in total, evenly spread over the visitors; send -> operator `message` and
//            send -> `ack` percentiles.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using Ws = websocket::stream<beast::tcp_stream>;
using namespace std::chrono_literals;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------- options

struct Options {
  std::string scenario = "connect";
  std::string host = "127.0.0.1";
  int port = 0;
  std::string site = "bench";
  std::string origin = "http://bench.local";
  int visitors = 2000;
  int per_proc = 5000;
  int src_base = 2;
  int operators = 2;
  std::string op_email = "bench-op{i}@bench.local";
  std::string op_password = "bench-password";
  double duration = 10;
  double rate = 10000;
  int window = 4;
  double per_visitor_rate = 19;
  int concurrency = 64;
  long hold_ms = -1;
  double restart_timeout = 30;
  int text_bytes = 64;
  bool hello_page = false;  // hello carries `page` like the widget's (one more write per handshake)
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "otk_load: " << why << "\n"
            << "usage: otk_load --scenario connect|restart|relay|latency --port P [--host 127.0.0.1]\n"
               "  [--site KEY] [--origin URL] [--visitors N] [--per-proc N] [--src-base 2] [--concurrency 64]\n"
               "  [--operators M] [--op-email 'bench-op{i}@bench.local'] [--op-password P]\n"
               "  [--duration S] [--rate MSG_PER_S] [--window W] [--per-visitor-rate R] [--text-bytes B]\n"
               "  [--hold-ms MS] [--restart-timeout S] [--hello-page 0|1]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--help" || k == "-h") usage("the load driver of ./scripts/bench (docs/performance.md)");
    if (i + 1 >= argc) usage("missing value for " + k);
    std::string v = argv[++i];
    try {
      if (k == "--scenario") o.scenario = v;
      else if (k == "--host") o.host = v;
      else if (k == "--port") o.port = std::stoi(v);
      else if (k == "--site") o.site = v;
      else if (k == "--origin") o.origin = v;
      else if (k == "--visitors") o.visitors = std::stoi(v);
      else if (k == "--per-proc") o.per_proc = std::stoi(v);
      else if (k == "--src-base") o.src_base = std::stoi(v);
      else if (k == "--operators") o.operators = std::stoi(v);
      else if (k == "--op-email") o.op_email = v;
      else if (k == "--op-password") o.op_password = v;
      else if (k == "--duration") o.duration = std::stod(v);
      else if (k == "--rate") o.rate = std::stod(v);
      else if (k == "--window") o.window = std::stoi(v);
      else if (k == "--per-visitor-rate") o.per_visitor_rate = std::stod(v);
      else if (k == "--concurrency") o.concurrency = std::stoi(v);
      else if (k == "--hold-ms") o.hold_ms = std::stol(v);
      else if (k == "--restart-timeout") o.restart_timeout = std::stod(v);
      else if (k == "--text-bytes") o.text_bytes = std::stoi(v);
      else if (k == "--hello-page") o.hello_page = v == "1" || v == "true";
      else usage("unknown option " + k);
    } catch (const std::exception&) {
      usage("bad value for " + k + ": " + v);
    }
  }
  if (o.port <= 0) usage("--port is required");
  if (o.scenario != "connect" && o.scenario != "restart" && o.scenario != "relay" && o.scenario != "latency")
    usage("unknown scenario " + o.scenario);
  if (o.visitors < 1 || o.per_proc < 1 || o.concurrency < 1 || o.window < 1) usage("sizes must be positive");
  if (o.scenario == "latency" && o.rate / o.visitors > 20)
    usage("--rate / --visitors must stay within the server's 20 frames/s per connection");
  return o;
}

// ---------------------------------------------------------------------------------------------- histogram

// Latency histogram: 10 us buckets up to 10 ms, 1 ms up to 1 s, 100 ms up to 60 s, then one overflow bucket.
struct Hist {
  static constexpr int kBuckets = 2581;
  std::vector<std::uint64_t> b = std::vector<std::uint64_t>(kBuckets, 0);
  std::uint64_t count = 0;

  static int index(std::int64_t ns) {
    std::int64_t us = std::max<std::int64_t>(ns / 1000, 0);
    if (us < 10'000) return static_cast<int>(us / 10);
    if (us < 1'000'000) return 1000 + static_cast<int>((us - 10'000) / 1000);
    if (us < 60'000'000) return 1990 + static_cast<int>((us - 1'000'000) / 100'000);
    return kBuckets - 1;
  }
  // Upper bound of bucket i in milliseconds (a percentile is reported as the bucket's upper bound).
  static double upper_ms(int i) {
    if (i < 1000) return (i + 1) * 0.01;
    if (i < 1990) return 10.0 + (i - 1000 + 1);
    if (i < kBuckets - 1) return 1000.0 + (i - 1990 + 1) * 100.0;
    return INFINITY;
  }
  void add(std::int64_t ns) {
    ++b[index(ns)];
    ++count;
  }
  json to_json() const {
    json a = json::array();
    for (int i = 0; i < kBuckets; ++i)
      if (b[i]) a.push_back(json::array({i, b[i]}));
    return a;
  }
  void merge(const json& a) {
    for (const auto& p : a) {
      b[p[0].get<int>()] += p[1].get<std::uint64_t>();
      count += p[1].get<std::uint64_t>();
    }
  }
  double pct(double q) const {
    if (!count) return NAN;
    auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
    if (want < 1) want = 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += b[i];
      if (seen >= want) return upper_ms(i);
    }
    return INFINITY;
  }
  json summary() const {
    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    return json{{"count", count}, {"p50_ms", num(pct(0.5))}, {"p99_ms", num(pct(0.99))},
                {"p999_ms", num(pct(0.999))}, {"max_ms", num(pct(1.0))}};
  }
};

// ---------------------------------------------------------------------------------------------- frames

// The raw value of a top-level key of a JSON object frame: a string's characters (escapes left as they are)
// or a scalar's text. data() == nullptr when absent. Enough for the frames the hot paths look at (ack,
// message, error), without building a DOM for each.
std::string_view top(std::string_view f, std::string_view key) {
  const std::size_t n = f.size();
  std::size_t i = 0;
  int depth = 0;
  auto skip_string = [&](std::size_t from) {  // from is just after the opening quote; returns the closing quote
    std::size_t j = from;
    while (j < n && f[j] != '"') j += f[j] == '\\' ? 2 : 1;
    return j;
  };
  while (i < n) {
    const char ch = f[i];
    if (ch == '"') {
      const std::size_t j = skip_string(i + 1);
      if (depth == 1) {
        std::size_t k = j + 1;
        while (k < n && f[k] == ' ') ++k;
        if (k < n && f[k] == ':') {
          const std::string_view name = f.substr(i + 1, j - i - 1);
          ++k;
          while (k < n && f[k] == ' ') ++k;
          if (name == key) {
            if (k < n && f[k] == '"') {
              const std::size_t e = skip_string(k + 1);
              return f.substr(k + 1, std::min(e, n) - k - 1);
            }
            std::size_t e = k;
            while (e < n && f[e] != ',' && f[e] != '}') ++e;
            return f.substr(k, e - k);
          }
          i = k;
          continue;
        }
      }
      i = j + 1;
      continue;
    }
    if (ch == '{' || ch == '[') ++depth;
    else if (ch == '}' || ch == ']') --depth;
    ++i;
  }
  return {};
}

// Time stamps travel in message texts as base-26 letters: a run of 10+ digits would be read by the server as a
// phone number and make a lead.
std::string enc26(std::uint64_t v) {
  std::string s;
  do {
    s.push_back(static_cast<char>('a' + v % 26));
    v /= 26;
  } while (v);
  return s;
}
std::uint64_t dec26(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = s.size(); i-- > 0;) v = v * 26 + static_cast<std::uint64_t>(s[i] - 'a');
  return v;
}

// client_id "m<worker>x<visitor>x<n>": parsed back by the operators to check order and uniqueness.
struct Cid {
  int worker = -1, visitor = -1;
  std::int64_t n = -1;
};
Cid parse_cid(std::string_view c) {
  Cid r;
  if (c.size() < 2 || c[0] != 'm') return r;
  long vals[3] = {0, 0, 0};
  int part = 0;
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (c[i] == 'x') {
      if (++part > 2) return r;
    } else if (c[i] >= '0' && c[i] <= '9') {
      vals[part] = vals[part] * 10 + (c[i] - '0');
    } else {
      return r;
    }
  }
  if (part != 2) return r;
  r.worker = static_cast<int>(vals[0]);
  r.visitor = static_cast<int>(vals[1]);
  r.n = vals[2];
  return r;
}

std::string to_str(std::string_view s) { return std::string(s); }

// ---------------------------------------------------------------------------------------------- worker

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// One JSON line up to the parent; every report carries the worker's CPU time so far.
void emit(json j) {
  j["cpu_s"] = cpu_seconds();
  std::string line = j.dump() + "\n";
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t w = ::write(1, line.data() + off, line.size() - off);
    if (w <= 0) {
      if (errno == EINTR) continue;
      _exit(3);
    }
    off += static_cast<std::size_t>(w);
  }
}

struct Visitor {
  int index = 0;  // within the worker
  std::string token;
  std::unique_ptr<Ws> ws;
  beast::flat_buffer buf;
  bool alive = false;
  bool dropped = false;  // restart: lost its connection and not yet welcomed back
  // relay / latency
  std::int64_t next_n = 1;
  int inflight = 0;
  std::deque<std::pair<std::int64_t, std::int64_t>> pending;  // (n, send time)
  std::unique_ptr<net::steady_timer> wake;
  bool writing = false;
};

struct Operator {
  int index = 0;
  std::string cookie;
  std::unique_ptr<Ws> ws;
  beast::flat_buffer buf;
  bool alive = false;
  std::uint64_t received = 0, duplicates = 0, gaps = 0, foreign = 0;
  std::string closed;  // why the connection last ended, if it did
  int reconnects = 0;
  std::unordered_map<std::int64_t, std::int64_t> last_n;  // (worker << 24 | visitor) -> last n seen
};

struct Worker {
  Options o;
  int id = 0;           // worker number
  bool is_operator = false;
  int first_visitor = 0, n_visitors = 0;
  net::io_context ioc{1};
  tcp::endpoint server;
  net::ip::address_v4 src;
  std::string host_header;
  std::mt19937_64 rng;

  std::vector<std::unique_ptr<Visitor>> visitors;
  std::vector<std::unique_ptr<Operator>> operators;

  // phase state
  bool stopping = false;     // relay/latency: measurement over, writers stop
  bool restart_mode = false; // drops are expected and healed
  std::int64_t go_ns = 0, end_ns = 0;
  int next_to_open = 0, opened = 0, failed = 0, setup_done = 0;
  std::int64_t first_start_ns = 0, last_done_ns = 0;
  std::map<std::string, int> fail_reasons;
  std::uint64_t sent = 0, acked = 0, errors = 0, rate_limited = 0, drops = 0;
  std::uint64_t acked_in_window = 0;  // acks that came before the end of the measurement
  std::map<std::string, std::uint64_t> error_codes;
  Hist ack_hist, delivery_hist;
  // restart
  int n_dropped = 0, n_back = 0, attempts = 0;
  std::int64_t first_drop_ns = 0, last_back_ns = 0;
  bool back_reported = false;
  std::unique_ptr<net::steady_timer> restart_deadline;

  void fail(const std::string& why) {
    ++fail_reasons[why];
  }
};

net::awaitable<bool> ws_open(Worker& w, Ws& ws, const std::string& target, const std::string& origin,
                             const std::string& cookie, std::string& why) {
  auto& stream = beast::get_lowest_layer(ws);
  auto& sock = stream.socket();
  boost::system::error_code ec;
  sock.open(tcp::v4(), ec);
  if (ec) {
    why = "socket: " + ec.message();
    co_return false;
  }
  int one = 1;
  ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sock.bind(tcp::endpoint(w.src, 0), ec);
  if (ec) {
    why = "bind: " + ec.message();
    co_return false;
  }
  stream.expires_after(10s);
  co_await stream.async_connect(w.server, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    why = "connect: " + ec.message();
    co_return false;
  }
  stream.expires_never();
  sock.set_option(tcp::no_delay(true), ec);
  websocket::stream_base::timeout t{};
  t.handshake_timeout = 10s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator([origin, cookie](websocket::request_type& req) {
    req.set(http::field::origin, origin);
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
  }));
  ws.read_message_max(64u << 20);
  ws.auto_fragment(false);
  co_await ws.async_handshake(w.host_header, target, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    why = "upgrade: " + ec.message();
    co_return false;
  }
  ws.text(true);
  co_return true;
}

// Sends hello and reads until welcome (frames before it, such as status or hours, are skipped).
net::awaitable<bool> say_hello(Ws& ws, beast::flat_buffer& buf, const std::string& hello, std::string* token,
                               std::string& why) {
  boost::system::error_code ec;
  co_await ws.async_write(net::buffer(hello), net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    why = "hello write: " + ec.message();
    co_return false;
  }
  for (;;) {
    buf.consume(buf.size());
    co_await ws.async_read(buf, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      why = "welcome read: " + ec.message();
      co_return false;
    }
    const std::string_view f(static_cast<const char*>(buf.data().data()), buf.size());
    const auto type = top(f, "type");
    if (type == "welcome") {
      if (token) {
        const auto t = top(f, "visitor");
        if (t.data()) *token = to_str(t);
      }
      buf.consume(buf.size());
      co_return true;
    }
    if (type == "error") {
      why = "hello refused: " + to_str(top(f, "code"));
      co_return false;
    }
  }
}

std::string visitor_hello(const Options& o, const std::string& token) {
  json h{{"type", "hello"}};
  if (!token.empty()) h["visitor"] = token;
  if (o.hello_page) h["page"] = json{{"url", o.origin + "/bench"}, {"title", "Bench"}};
  return h.dump();
}

std::string visitor_target(const Options& o) { return "/ws/visitor?site=" + o.site; }

net::awaitable<bool> open_visitor(Worker& w, Visitor& v, std::string& why) {
  v.ws = std::make_unique<Ws>(w.ioc);
  v.buf.clear();
  const std::string target = visitor_target(w.o);
  const std::string no_cookie;
  bool ok = co_await ws_open(w, *v.ws, target, w.o.origin, no_cookie, why);
  if (!ok) co_return false;
  const std::string hello = visitor_hello(w.o, v.token);
  ok = co_await say_hello(*v.ws, v.buf, hello, &v.token, why);
  co_return ok;
}

std::string send_frame(Worker& w, Visitor& v, std::int64_t n, std::int64_t t, char kind) {
  std::string cid = std::string(1, 'm') + std::to_string(w.id) + "x" + std::to_string(v.index) + "x" + std::to_string(n);
  if (kind == 'w') cid[0] = 'w';
  std::string text = std::string(1, kind) + " " + enc26(static_cast<std::uint64_t>(t)) + " load driver says hello";
  while (static_cast<int>(text.size()) < w.o.text_bytes) text += " bench";
  return R"({"type":"send","client_id":")" + cid + R"(","text":")" + text + R"("})";
}

void report_back_if_done(Worker& w);

// --------------------------------------------------------------------- visitor: reading and reconnecting

void on_visitor_frame(Worker& w, Visitor& v, std::string_view f) {
  const auto type = top(f, "type");
  if (type == "ack") {
    const auto cid = parse_cid(top(f, "client_id"));
    if (cid.n < 0) return;  // the warm-up message
    const auto now = now_ns();
    while (!v.pending.empty() && v.pending.front().first <= cid.n) {
      if (v.pending.front().first == cid.n) {
        w.ack_hist.add(now - v.pending.front().second);
        ++w.acked;
        if (now <= w.end_ns) ++w.acked_in_window;
      }
      v.pending.pop_front();
      --v.inflight;
    }
    if (v.wake) v.wake->cancel();
  } else if (type == "error") {
    ++w.errors;
    const auto code = to_str(top(f, "code"));
    ++w.error_codes[code];
    if (code == "rate_limited") ++w.rate_limited;
    const auto cid = parse_cid(top(f, "ref"));
    if (cid.n >= 0) {
      for (auto it = v.pending.begin(); it != v.pending.end(); ++it) {
        if (it->first == cid.n) {
          v.pending.erase(it);
          --v.inflight;
          break;
        }
      }
      if (v.wake) v.wake->cancel();
    }
  }
}

net::awaitable<void> visitor_reader(Worker& w, Visitor& v);

net::awaitable<void> visitor_reconnect(Worker& w, Visitor& v) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double delay_ms = 250.0 * u(w.rng);  // first retry: 0..250 ms
  for (int attempt = 0;; ++attempt) {
    net::steady_timer t(w.ioc);
    t.expires_after(std::chrono::microseconds(static_cast<long>(delay_ms * 1000)));
    boost::system::error_code ec;
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (w.back_reported) co_return;
    ++w.attempts;
    std::string why;
    const bool ok = co_await open_visitor(w, v, why);
    if (ok) break;
    // Exponential backoff with jitter: 100 ms, 200 ms, ... capped at 2 s, each scaled by 0.5..1.
    delay_ms = std::min(2000.0, 100.0 * std::pow(2.0, attempt)) * (0.5 + 0.5 * u(w.rng));
  }
  v.alive = true;
  v.dropped = false;
  ++w.n_back;
  w.last_back_ns = now_ns();
  report_back_if_done(w);
  net::co_spawn(w.ioc, visitor_reader(w, v), net::detached);
}

net::awaitable<void> visitor_reader(Worker& w, Visitor& v) {
  for (;;) {
    boost::system::error_code ec;
    v.buf.consume(v.buf.size());
    co_await v.ws->async_read(v.buf, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const std::string_view f(static_cast<const char*>(v.buf.data().data()), v.buf.size());
    on_visitor_frame(w, v, f);
  }
  v.alive = false;
  ++w.drops;
  // Whatever was in flight will never be acknowledged on this connection.
  v.inflight = 0;
  v.pending.clear();
  if (v.wake) v.wake->cancel();
  if (w.restart_mode && !w.back_reported) {
    if (!v.dropped) {
      v.dropped = true;
      if (w.n_dropped++ == 0) w.first_drop_ns = now_ns();
    }
    co_await visitor_reconnect(w, v);
  }
}

void report_back_if_done(Worker& w) {
  if (w.back_reported || w.n_back < w.opened) return;
  w.back_reported = true;
  if (w.restart_deadline) w.restart_deadline->cancel();
  emit(json{{"ev", "back"}, {"worker", w.id}, {"clients", w.opened}, {"dropped", w.n_dropped}, {"back", w.n_back},
            {"attempts", w.attempts}, {"first_drop_ns", w.first_drop_ns}, {"last_back_ns", w.last_back_ns}});
}

// --------------------------------------------------------------------- visitor: writing

net::awaitable<void> visitor_writer(Worker& w, Visitor& v, std::int64_t first_ns, std::int64_t interval_ns) {
  v.wake = std::make_unique<net::steady_timer>(w.ioc);
  const bool paced = w.o.scenario == "latency";
  std::int64_t due = first_ns;
  std::int64_t k = 0;
  while (!w.stopping && v.alive) {
    const std::int64_t now = now_ns();
    if (paced) {
      due = first_ns + k * interval_ns;
    } else if (v.inflight >= w.o.window) {
      v.wake->expires_at(net::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await v.wake->async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    if (now < due) {
      v.wake->expires_after(std::chrono::nanoseconds(due - now));
      boost::system::error_code ec;
      co_await v.wake->async_wait(net::redirect_error(net::use_awaitable, ec));
      if (now_ns() < due) continue;  // woken early by an ack
    }
    if (w.stopping || !v.alive) break;
    const std::int64_t t = now_ns();
    if (t >= w.end_ns) break;
    const std::int64_t n = v.next_n++;
    std::string frame = send_frame(w, v, n, t, 'm');
    v.pending.emplace_back(n, t);
    ++v.inflight;
    ++w.sent;
    ++k;
    if (!paced) {
      // Relay: keep within the server's 20 frames/s per connection, catching up at most a few frames.
      due = std::max(due + interval_ns, t - 4 * interval_ns);
    }
    boost::system::error_code ec;
    co_await v.ws->async_write(net::buffer(frame), net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
  }
}

// --------------------------------------------------------------------- operators

net::awaitable<bool> login(Worker& w, Operator& op, std::string& why) {
  beast::tcp_stream s(w.ioc);
  boost::system::error_code ec;
  s.socket().open(tcp::v4(), ec);
  s.socket().bind(tcp::endpoint(w.src, 0), ec);
  if (ec) {
    why = "login bind: " + ec.message();
    co_return false;
  }
  s.expires_after(30s);
  co_await s.async_connect(w.server, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    why = "login connect: " + ec.message();
    co_return false;
  }
  std::string email = w.o.op_email;
  if (auto p = email.find("{i}"); p != std::string::npos) email.replace(p, 3, std::to_string(op.index + 1));
  http::request<http::string_body> req{http::verb::post, "/api/v1/auth/login", 11};
  req.set(http::field::host, w.host_header);
  req.set(http::field::content_type, "application/json");
  req.body() = json{{"email", email}, {"password", w.o.op_password}}.dump();
  req.prepare_payload();
  co_await http::async_write(s, req, net::redirect_error(net::use_awaitable, ec));
  beast::flat_buffer b;
  http::response<http::string_body> res;
  if (!ec) co_await http::async_read(s, b, res, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    why = "login: " + ec.message();
    co_return false;
  }
  if (res.result() != http::status::ok) {
    why = "login " + email + ": HTTP " + std::to_string(res.result_int()) + " " + res.body();
    co_return false;
  }
  const std::string sc(res[http::field::set_cookie]);
  op.cookie = sc.substr(0, sc.find(';'));
  s.socket().shutdown(tcp::socket::shutdown_both, ec);
  co_return true;
}

net::awaitable<bool> open_operator(Worker& w, Operator& op, std::string& why) {
  op.ws = std::make_unique<Ws>(w.ioc);
  op.buf.clear();
  const std::string origin = "http://" + w.host_header;
  const std::string target = "/ws/operator";
  bool ok = co_await ws_open(w, *op.ws, target, origin, op.cookie, why);
  if (!ok) co_return false;
  const std::string hello = R"({"type":"hello"})";
  ok = co_await say_hello(*op.ws, op.buf, hello, nullptr, why);
  co_return ok;
}

void on_operator_frame(Worker& w, Operator& op, std::string_view f) {
  if (top(f, "type") != "message") return;
  const auto text = top(f, "text");
  if (text.size() < 3 || text[0] != 'm' || text[1] != ' ') return;  // warm-up and foreign messages
  const auto now = now_ns();
  const auto sp = text.find(' ', 2);
  const auto sent_at = static_cast<std::int64_t>(dec26(text.substr(2, sp == std::string_view::npos ? sp : sp - 2)));
  const auto cid = parse_cid(top(f, "client_id"));
  if (cid.n < 0) {
    ++op.foreign;
    return;
  }
  w.delivery_hist.add(now - sent_at);
  const std::int64_t key = (static_cast<std::int64_t>(cid.worker) << 24) | cid.visitor;
  auto [it, fresh] = op.last_n.try_emplace(key, 0);
  if (cid.n <= it->second) {
    ++op.duplicates;
    return;
  }
  if (cid.n != it->second + 1) ++op.gaps;
  it->second = cid.n;
  ++op.received;
}

// Reads until the connection ends; then, like a console, reconnects (the session cookie stays valid) and
// goes on counting. Messages missed meanwhile are not fetched again: they show as missing and as gaps.
net::awaitable<void> operator_life(Worker& w, Operator& op) {
  for (;;) {
    boost::system::error_code ec;
    op.buf.consume(op.buf.size());
    co_await op.ws->async_read(op.buf, net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      on_operator_frame(w, op, std::string_view(static_cast<const char*>(op.buf.data().data()), op.buf.size()));
      continue;
    }
    const auto& r = op.ws->reason();
    op.closed = ec == websocket::error::closed ? "close " + std::to_string(r.code) + " " + std::string(r.reason.c_str())
                                                : ec.message();
    std::cerr << "otk_load: operator " << op.index << " connection ended: " << op.closed << "\n";
    op.alive = false;
    ++w.drops;
    bool ok = false;
    for (int attempt = 0; attempt < 50 && !ok; ++attempt) {
      net::steady_timer t(w.ioc);
      t.expires_after(100ms);
      co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
      std::string why;
      ok = co_await open_operator(w, op, why);
    }
    if (!ok) co_return;
    op.alive = true;
    ++op.reconnects;
  }
}

net::awaitable<void> setup_operators(Worker& w) {
  for (auto& op : w.operators) {
    std::string why;
    bool ok = co_await login(w, *op, why);
    if (ok) ok = co_await open_operator(w, *op, why);
    if (!ok) {
      w.fail(why);
      ++w.failed;
      continue;
    }
    op->alive = true;
    ++w.opened;
    net::co_spawn(w.ioc, operator_life(w, *op), net::detached);
  }
  emit(json{{"ev", "ready"}, {"worker", w.id}, {"operators", w.opened}, {"failed", w.failed},
            {"fail_reasons", w.fail_reasons}});
}

// --------------------------------------------------------------------- visitor setup

net::awaitable<void> warm_up(Worker& w, Visitor& v) {
  // One message before the measurement opens the visitor's conversation, so that the measured messages do
  // not pay for creating conversations.
  std::string frame = send_frame(w, v, 0, now_ns(), 'w');
  boost::system::error_code ec;
  co_await v.ws->async_write(net::buffer(frame), net::redirect_error(net::use_awaitable, ec));
  while (!ec) {
    v.buf.consume(v.buf.size());
    co_await v.ws->async_read(v.buf, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const std::string_view f(static_cast<const char*>(v.buf.data().data()), v.buf.size());
    const auto type = top(f, "type");
    if (type == "ack" || type == "error") break;
  }
  v.buf.consume(v.buf.size());
}

net::awaitable<void> opener(Worker& w) {
  const bool messaging = w.o.scenario == "relay" || w.o.scenario == "latency";
  while (w.next_to_open < w.n_visitors) {
    Visitor& v = *w.visitors[w.next_to_open++];
    std::string why;
    const bool ok = co_await open_visitor(w, v, why);
    if (!ok) {
      w.fail(why);
      ++w.failed;
    } else {
      ++w.opened;
      v.alive = true;
      w.last_done_ns = now_ns();
      if (messaging) co_await warm_up(w, v);
      net::co_spawn(w.ioc, visitor_reader(w, v), net::detached);
    }
  }
  if (++w.setup_done < w.o.concurrency) co_return;
  // The last opener reports.
  w.last_done_ns = std::max(w.last_done_ns, w.first_start_ns);
  emit(json{{"ev", messaging ? "ready" : "connected"}, {"worker", w.id}, {"ok", w.opened}, {"failed", w.failed},
            {"t_first_ns", w.first_start_ns}, {"t_last_ns", w.last_done_ns}, {"fail_reasons", w.fail_reasons}});
  if (w.o.scenario == "restart") {
    w.restart_mode = true;
    w.restart_deadline = std::make_unique<net::steady_timer>(w.ioc);
    // The deadline starts now; the orchestrator restarts the server soon after "held".
    w.restart_deadline->expires_after(std::chrono::milliseconds(static_cast<long>(w.o.restart_timeout * 1000)));
    w.restart_deadline->async_wait([&w](boost::system::error_code ec) {
      if (ec || w.back_reported) return;
      w.back_reported = true;
      emit(json{{"ev", "back"}, {"worker", w.id}, {"clients", w.opened}, {"dropped", w.n_dropped},
                {"back", w.n_back}, {"attempts", w.attempts}, {"first_drop_ns", w.first_drop_ns},
                {"last_back_ns", w.last_back_ns}, {"timed_out", true}});
    });
  }
}

// --------------------------------------------------------------------- commands from the parent

// At the end: stop the writers, wait for the outstanding acks (at most 10 s), report.
net::awaitable<void> finish_run(Worker& w) {
  net::steady_timer t(w.ioc);
  t.expires_at(net::steady_timer::time_point(std::chrono::nanoseconds(w.end_ns)));
  boost::system::error_code ec;
  co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
  w.stopping = true;
  for (auto& v : w.visitors)
    if (v->wake) v->wake->cancel();
  int inflight = 0;
  for (int left = 1000;; --left) {
    inflight = 0;
    for (auto& v : w.visitors) inflight += v->alive ? v->inflight : 0;
    if (inflight == 0 || left <= 0) break;
    t.expires_after(10ms);
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  emit(json{{"ev", "done"}, {"worker", w.id}, {"sent", w.sent}, {"acked", w.acked},
            {"acked_in_window", w.acked_in_window}, {"unacked", inflight},
            {"errors", w.errors}, {"error_codes", w.error_codes}, {"rate_limited", w.rate_limited},
            {"drops", w.drops}, {"go_ns", w.go_ns}, {"end_ns", w.end_ns}, {"ack_hist", w.ack_hist.to_json()}});
}

void start_measurement(Worker& w, std::int64_t start_ns, std::int64_t end_ns) {
  w.go_ns = std::max(start_ns, now_ns());
  w.end_ns = end_ns;
  if (w.is_operator) return;
  const double total_visitors = w.o.visitors;
  for (auto& vp : w.visitors) {
    Visitor& v = *vp;
    if (!v.alive) continue;
    std::int64_t interval, first;
    if (w.o.scenario == "latency") {
      const double per_visitor = w.o.rate / total_visitors;
      interval = static_cast<std::int64_t>(1e9 / per_visitor);
      // Spread the visitors evenly over one interval, so the total rate is smooth.
      first = w.go_ns + static_cast<std::int64_t>(interval * (w.first_visitor + v.index) / total_visitors);
    } else {
      interval = static_cast<std::int64_t>(1e9 / w.o.per_visitor_rate);
      first = w.go_ns + static_cast<std::int64_t>(interval * (w.first_visitor + v.index) / total_visitors);
    }
    net::co_spawn(w.ioc, visitor_writer(w, v, first, interval), net::detached);
  }
  net::co_spawn(w.ioc, finish_run(w), net::detached);
}

net::awaitable<void> expect(Worker& w, std::uint64_t total) {
  net::steady_timer t(w.ioc);
  for (int left = 1000; left > 0; --left) {
    bool all = true;
    for (auto& op : w.operators)
      if (op->alive && op->received < total) all = false;
    if (all) break;
    t.expires_after(10ms);
    boost::system::error_code ec;
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  json ops = json::array();
  for (auto& op : w.operators)
    ops.push_back(json{{"received", op->received}, {"duplicates", op->duplicates}, {"gaps", op->gaps},
                       {"connected", op->alive}, {"closed", op->closed}, {"reconnects", op->reconnects}});
  emit(json{{"ev", "received"}, {"worker", w.id}, {"operators", ops}, {"delivery_hist", w.delivery_hist.to_json()}});
}

net::awaitable<void> command_loop(Worker& w) {
  net::posix::stream_descriptor in(w.ioc, ::dup(0));
  std::string line;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n =
        co_await net::async_read_until(in, net::dynamic_buffer(line), '\n', net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const std::string cmd = line.substr(0, n - 1);
    line.erase(0, n);
    if (cmd.rfind("go ", 0) == 0) {
      const auto sp = cmd.find(' ', 3);
      start_measurement(w, std::stoll(cmd.substr(3, sp - 3)), std::stoll(cmd.substr(sp + 1)));
    }
    else if (cmd == "connect") net::co_spawn(w.ioc, setup_operators(w), net::detached);
    else if (cmd.rfind("expect ", 0) == 0) net::co_spawn(w.ioc, expect(w, std::stoull(cmd.substr(7))), net::detached);
  }
  // EOF: the parent is done with us.
  std::fflush(stdout);
  _exit(0);
}

[[noreturn]] void worker_main(const Options& o, int id, bool is_operator, int first_visitor, int n_visitors) {
  auto w = std::make_unique<Worker>();
  w->o = o;
  w->id = id;
  w->is_operator = is_operator;
  w->first_visitor = first_visitor;
  w->n_visitors = n_visitors;
  w->rng.seed(static_cast<std::uint64_t>(now_ns()) ^ (static_cast<std::uint64_t>(id) << 32));
  boost::system::error_code ec;
  w->server = tcp::endpoint(net::ip::make_address(o.host, ec), static_cast<unsigned short>(o.port));
  if (ec) {
    std::cerr << "otk_load: bad --host " << o.host << "\n";
    _exit(2);
  }
  w->src = net::ip::address_v4((127u << 24) | static_cast<unsigned>(o.src_base + id));
  w->host_header = o.host + ":" + std::to_string(o.port);
  net::co_spawn(w->ioc, command_loop(*w), net::detached);
  if (is_operator) {
    for (int i = 0; i < o.operators; ++i) {
      auto op = std::make_unique<Operator>();
      op->index = i;
      w->operators.push_back(std::move(op));
    }
    // The operators connect when the parent says "connect": after the visitors' warm-up messages.
  } else {
    for (int i = 0; i < n_visitors; ++i) {
      auto v = std::make_unique<Visitor>();
      v->index = i;
      w->visitors.push_back(std::move(v));
    }
    w->first_start_ns = now_ns();
    for (int i = 0; i < o.concurrency; ++i) net::co_spawn(w->ioc, opener(*w), net::detached);
  }
  w->ioc.run();
  _exit(0);
}

// ---------------------------------------------------------------------------------------------- parent

struct Child {
  pid_t pid = -1;
  int to = -1, from = -1;  // command pipe (write end), report pipe (read end)
  std::string inbuf;
  bool is_operator = false;
  bool eof = false;
};

struct Parent {
  Options o;
  std::vector<Child> kids;
  bool stdin_open = true;
  std::deque<std::pair<int, json>> unclaimed;  // reports that arrived while waiting for another kind

  void spawn(int id, bool is_operator, int first, int count) {
    int down[2], up[2];
    if (::pipe(down) != 0 || ::pipe(up) != 0) {
      std::perror("pipe");
      std::exit(1);
    }
    std::fflush(stdout);
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("fork");
      std::exit(1);
    }
    if (pid == 0) {
      ::dup2(down[0], 0);
      ::dup2(up[1], 1);
      ::close(down[0]);
      ::close(down[1]);
      ::close(up[0]);
      ::close(up[1]);
      for (auto& k : kids) {
        ::close(k.to);
        ::close(k.from);
      }
      worker_main(o, id, is_operator, first, count);
    }
    ::close(down[0]);
    ::close(up[1]);
    Child c;
    c.pid = pid;
    c.to = down[1];
    c.from = up[0];
    c.is_operator = is_operator;
    kids.push_back(std::move(c));
  }

  void tell(Child& c, const std::string& line) {
    const std::string l = line + "\n";
    if (::write(c.to, l.data(), l.size()) < 0) std::perror("write to worker");
  }

  // Next line from any worker (index, line), or (-1, "") when standard input closed or gave a line, or
  // (-2, "") on timeout.
  std::pair<int, std::string> next(int timeout_ms, bool watch_stdin) {
    for (;;) {
      for (std::size_t i = 0; i < kids.size(); ++i) {
        auto& k = kids[i];
        if (auto p = k.inbuf.find('\n'); p != std::string::npos) {
          std::string line = k.inbuf.substr(0, p);
          k.inbuf.erase(0, p + 1);
          return {static_cast<int>(i), line};
        }
      }
      std::vector<pollfd> fds;
      for (auto& k : kids) fds.push_back(pollfd{k.eof ? -1 : k.from, POLLIN, 0});
      if (watch_stdin && stdin_open) fds.push_back(pollfd{0, POLLIN, 0});
      const int r = ::poll(fds.data(), fds.size(), timeout_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return {-2, ""};
      for (std::size_t i = 0; i < kids.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[65536];
        const ssize_t n = ::read(kids[i].from, buf, sizeof buf);
        if (n <= 0) {
          kids[i].eof = true;
          std::cerr << "otk_load: worker " << i << " exited early\n";
          return {static_cast<int>(i), R"({"ev":"exited"})"};
        }
        kids[i].inbuf.append(buf, static_cast<std::size_t>(n));
      }
      if (watch_stdin && stdin_open && (fds.back().revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[256];
        const ssize_t n = ::read(0, buf, sizeof buf);
        if (n <= 0) stdin_open = false;
        return {-1, ""};
      }
    }
  }

  // Waits for one report of `ev` from every worker in `who` (operator or visitor workers).
  std::vector<json> gather(const std::string& ev, bool operators, int timeout_s) {
    std::vector<json> out;
    std::size_t want = 0;
    for (auto& k : kids) want += k.is_operator == operators;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    for (auto it = unclaimed.begin(); it != unclaimed.end();) {
      if (it->second.value("ev", "") == ev && kids[it->first].is_operator == operators) {
        out.push_back(std::move(it->second));
        it = unclaimed.erase(it);
      } else {
        ++it;
      }
    }
    while (out.size() < want) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) {
        std::cerr << "otk_load: timed out waiting for '" << ev << "'\n";
        break;
      }
      auto [i, line] = next(static_cast<int>(left), false);
      if (i < 0) continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      if (j.value("ev", "") == "exited" && kids[i].is_operator == operators) {
        out.push_back(json{{"ev", ev}, {"exited", true}});
        continue;
      }
      if (j.value("ev", "") == ev && kids[i].is_operator == operators) out.push_back(std::move(j));
      else unclaimed.emplace_back(i, std::move(j));
    }
    return out;
  }

  void finish() {
    for (auto& k : kids) ::close(k.to);
    for (auto& k : kids) {
      int st = 0;
      ::waitpid(k.pid, &st, 0);
    }
  }
};

void out(const json& j) {
  std::cout << j.dump() << std::endl;
}

json merge_reasons(const std::vector<json>& reports) {
  json r = json::object();
  for (const auto& j : reports)
    if (j.contains("fail_reasons"))
      for (auto& [k, v] : j["fail_reasons"].items()) r[k] = r.value(k, 0) + v.get<int>();
  return r;
}

int run_parent(const Options& o) {
  Parent p;
  p.o = o;
  const int procs = (o.visitors + o.per_proc - 1) / o.per_proc;
  const bool messaging = o.scenario == "relay" || o.scenario == "latency";
  for (int i = 0; i < procs; ++i) {
    const int first = static_cast<int>(static_cast<long>(o.visitors) * i / procs);
    const int last = static_cast<int>(static_cast<long>(o.visitors) * (i + 1) / procs);
    p.spawn(i, false, first, last - first);
  }
  if (messaging) p.spawn(procs, true, 0, 0);

  if (!messaging) {
    auto reps = p.gather("connected", false, 600);
    long ok = 0, failed = 0;
    std::int64_t t0 = INT64_MAX, t1 = 0;
    for (const auto& r : reps) {
      ok += r.value("ok", 0L);
      failed += r.value("failed", 0L);
      if (r.contains("t_first_ns")) t0 = std::min<std::int64_t>(t0, r["t_first_ns"].get<std::int64_t>());
      if (r.contains("t_last_ns")) t1 = std::max<std::int64_t>(t1, r["t_last_ns"].get<std::int64_t>());
    }
    const double secs = t1 > t0 ? static_cast<double>(t1 - t0) / 1e9 : 0;
    double driver_cpu = 0;
    for (const auto& r : reps) driver_cpu += r.value("cpu_s", 0.0);
    out(json{{"scenario", "connect"}, {"driver_cpu_s", driver_cpu}, {"clients", o.visitors}, {"ok", ok}, {"failed", failed},
             {"workers", procs}, {"seconds", secs}, {"handshakes_per_s", secs > 0 ? ok / secs : 0.0},
             {"t_first_ns", t0}, {"t_last_ns", t1}, {"fail_reasons", merge_reasons(reps)}});
    out(json{{"event", "held"}, {"clients", ok}});
    if (o.scenario == "connect") {
      // Hold until the orchestrator closes standard input (or writes a line), or --hold-ms.
      for (;;) {
        auto [i, line] = p.next(o.hold_ms >= 0 ? static_cast<int>(o.hold_ms) : -1, true);
        if (i == -1 || i == -2) break;
      }
    } else {
      auto backs = p.gather("back", false, static_cast<int>(o.restart_timeout) + 600);
      long clients = 0, back = 0, dropped = 0, attempts = 0;
      bool timed_out = false;
      std::int64_t first_drop = INT64_MAX, last_back = 0;
      for (const auto& r : backs) {
        clients += r.value("clients", 0L);
        back += r.value("back", 0L);
        dropped += r.value("dropped", 0L);
        attempts += r.value("attempts", 0L);
        timed_out = timed_out || r.value("timed_out", false) || r.value("exited", false);
        if (r.value("first_drop_ns", 0L) > 0) first_drop = std::min<std::int64_t>(first_drop, r["first_drop_ns"].get<std::int64_t>());
        last_back = std::max<std::int64_t>(last_back, r.value("last_back_ns", 0L));
      }
      out(json{{"scenario", "restart"}, {"clients", clients}, {"dropped", dropped}, {"back", back},
               {"attempts", attempts}, {"timed_out", timed_out},
               {"first_drop_ns", first_drop == INT64_MAX ? 0 : first_drop}, {"last_back_ns", last_back},
               {"drop_to_all_back_s", first_drop != INT64_MAX && last_back > first_drop
                                          ? static_cast<double>(last_back - first_drop) / 1e9 : 0.0}});
    }
    p.finish();
    return 0;
  }

  // relay / latency
  // Visitors first (each opens its conversation with one warm-up message), then the operators: a burst of
  // new conversations is not what the relay measures.
  auto ready_vis = p.gather("ready", false, 600);
  for (auto& k : p.kids)
    if (k.is_operator) p.tell(k, "connect");
  auto ready_ops = p.gather("ready", true, 120);
  long ok = 0, failed = 0, ops = 0;
  for (const auto& r : ready_vis) {
    ok += r.value("ok", 0L);
    failed += r.value("failed", 0L);
  }
  for (const auto& r : ready_ops) ops += r.value("operators", 0L);
  out(json{{"event", "ready"}, {"visitors", ok}, {"visitor_failures", failed}, {"operators", ops},
           {"fail_reasons", merge_reasons(ready_vis)}, {"operator_fail_reasons", merge_reasons(ready_ops)}});
  const std::int64_t start = now_ns() + 200'000'000;  // a moment for every worker to get the command
  const std::int64_t end = start + static_cast<std::int64_t>(o.duration * 1e9);
  for (auto& k : p.kids) p.tell(k, "go " + std::to_string(start) + " " + std::to_string(end));
  auto done = p.gather("done", false, static_cast<int>(o.duration) + 120);
  std::uint64_t sent = 0, acked = 0, errors = 0, rate_limited = 0, unacked = 0, drops = 0, in_window = 0;
  std::int64_t go = INT64_MAX;
  Hist ack;
  json codes = json::object();
  for (const auto& r : done) {
    sent += r.value("sent", 0UL);
    acked += r.value("acked", 0UL);
    in_window += r.value("acked_in_window", 0UL);
    errors += r.value("errors", 0UL);
    rate_limited += r.value("rate_limited", 0UL);
    unacked += r.value("unacked", 0UL);
    drops += r.value("drops", 0UL);
    if (r.contains("go_ns")) go = std::min<std::int64_t>(go, r["go_ns"].get<std::int64_t>());
    if (r.contains("ack_hist")) ack.merge(r["ack_hist"]);
    if (r.contains("error_codes"))
      for (auto& [k, v] : r["error_codes"].items()) codes[k] = codes.value(k, 0UL) + v.get<std::uint64_t>();
  }
  for (auto& k : p.kids)
    if (k.is_operator) p.tell(k, "expect " + std::to_string(acked));
  auto rec = p.gather("received", true, 60);
  Hist delivery;
  json per_op = json::array();
  std::uint64_t missing = 0, duplicates = 0, gaps = 0;
  for (const auto& r : rec) {
    if (r.contains("delivery_hist")) delivery.merge(r["delivery_hist"]);
    for (const auto& op : r.value("operators", json::array())) {
      per_op.push_back(op);
      const auto got = op.value("received", 0UL);
      missing += got < acked ? acked - got : 0;
      duplicates += op.value("duplicates", 0UL);
      gaps += op.value("gaps", 0UL);
    }
  }
  double driver_cpu = 0;
  for (const auto& r : done) driver_cpu += r.value("cpu_s", 0.0);
  for (const auto& r : rec) driver_cpu += r.value("cpu_s", 0.0);
  const double secs = o.duration;
  json res{{"driver_cpu_s", driver_cpu}, {"scenario", o.scenario}, {"visitors", ok}, {"operators", ops}, {"seconds", secs},
           {"sent", sent}, {"acked", acked}, {"sent_per_s", sent / secs},
           {"acked_in_window", in_window}, {"acked_per_s", in_window / secs},
           {"unacked_at_end", unacked}, {"errors", errors}, {"error_codes", codes}, {"rate_limited", rate_limited},
           {"drops", drops}, {"ack", ack.summary()}, {"delivery", delivery.summary()},
           {"operator_receipts", per_op}, {"operator_missing", missing}, {"operator_duplicates", duplicates},
           {"operator_gaps", gaps}};
  if (o.scenario == "latency") res["rate_target"] = o.rate;
  out(res);
  p.finish();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  const Options o = parse(argc, argv);
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  return run_parent(o);
}
