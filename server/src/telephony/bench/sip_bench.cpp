// otk_sip_bench: the callback engine in this process under SIPp load on loopback. SIPp UAS processes play the
// operators' and visitors' phones (they answer every call at once); the engine places callbacks at a paced rate.
// Prints, never asserts: setups per second, latencies, concurrent bridged calls held, RSS and CPU, as a Markdown
// table against issue #3's targets. docs/telephony.md, "Load"; scripts/bench-sip builds and runs it.
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "telephony/engine.hpp"
#include "telephony/test_process.hpp"

namespace otk {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::Child;
using testing::free_udp_port;

struct Options {
  int calls = 5'000;           // target phase: placed at `rate`, then held bridged together
  int rate = 500;
  int hold_s = 50;             // past the 32 s sofia keeps the setups' finished transactions: the steady state
  int burst_calls = 3'000;     // capacity phase, after: placed at `burst_rate`, then all aborted; 0 = none
  int burst_rate = 2'000;
  int sipps = 2;               // SIPp processes per role (one is single-threaded)
  int abort_rate = 2'000;      // calls hung up per second after each phase
  int engine_buf_kib = 4'096;  // SO_RCVBUF/SO_SNDBUF of the engine's SIP socket; 0 = sofia's (the kernel default)
};

/// What the engine told us about one call, stamped on the SIP thread when on_update saw it.
struct Record {
  std::optional<Clock::time_point> placed, invited, operator_answered, talking, ended;
  std::optional<CallStatus> status;
};

/// Counts and timestamps calls from on_update. The SIP thread may report a call before place() has returned its
/// id, so records are created by whichever side comes first; the placing time is taken before place().
class Tracker {
 public:
  void on_update(std::uint64_t id, const Call& c) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    Record& r = records_[id];
    const LegRecord* op = c.operator_legs.empty() ? nullptr : &c.operator_legs.front();
    if (!r.invited && op != nullptr && op->invited) r.invited = now;
    if (!r.operator_answered && op != nullptr && op->answered) r.operator_answered = now;
    if (!r.talking && c.state == CallState::talking) {
      r.talking = now;
      ++talking_;
    }
    if (!r.ended && c.status) {
      r.ended = now;
      r.status = c.status;
      if (r.talking) --talking_;
      ++ended_;
    }
    cv_.notify_all();
  }
  void placed(std::uint64_t id, Clock::time_point at) {
    std::lock_guard lock(mutex_);
    records_[id].placed = at;
  }
  /// Waits until `pred(talking, ended)` holds (both counted since the start), at most `limit`.
  template <typename Pred>
  bool wait(std::chrono::milliseconds limit, Pred pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return pred(talking_, ended_); });
  }
  int talking() {
    std::lock_guard lock(mutex_);
    return talking_;
  }
  int ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }
  /// The records of `ids` (one phase's calls).
  std::vector<Record> records(const std::vector<std::uint64_t>& ids) {
    std::lock_guard lock(mutex_);
    std::vector<Record> out;
    for (const auto id : ids) out.push_back(records_[id]);
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_map<std::uint64_t, Record> records_;
  int talking_ = 0, ended_ = 0;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::ranges::sort(v);
  const auto i = static_cast<std::size_t>(p / 100 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

/// Resident set size and its peak, in MiB, from /proc/self/status.
std::pair<double, double> rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  double rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) rss = std::stod(line.substr(6)) / 1024;
    if (line.starts_with("VmHWM:")) hwm = std::stod(line.substr(6)) / 1024;
  }
  return {rss, hwm};
}

/// User + system CPU seconds of this process (the engine's SIP thread, the pacer, the bookkeeping).
double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  ::getrusage(who, &u);
  const auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

/// Datagrams the kernel dropped on a loopback UDP socket bound to `port` (receive buffer full), from /proc/net/udp.
long udp_drops(int port) {
  std::ifstream in("/proc/net/udp");
  std::string line;
  std::getline(in, line);
  char want[16];
  std::snprintf(want, sizeof want, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string sl, local, field;
    ls >> sl >> local;
    if (!local.ends_with(want)) continue;
    long drops = 0;
    while (ls >> field) drops = std::strtol(field.c_str(), nullptr, 10);  // the last column
    return drops;
  }
  return -1;
}

/// Sets the receive and send buffers of this process's UDP socket bound to `port` (the engine's: sofia opens it
/// with the kernel default, 208 KiB here, which a burst of SIP messages overflows while the SIP thread is busy).
/// Returns the receive buffer the kernel granted (it doubles the request, capped by net.core.rmem_max), or -1.
int enlarge_udp_buffers(int port, int bytes) {
  for (int fd = 0; fd < 4096; ++fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM) continue;
    sockaddr_in a{};
    len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.sin_family != AF_INET ||
        ntohs(a.sin_port) != port) {
      continue;
    }
    if (bytes > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
    }
    int granted = 0;
    len = sizeof granted;
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len);
    return granted;
  }
  return -1;
}

void raise_file_limit() {
  rlimit l{};
  ::getrlimit(RLIMIT_NOFILE, &l);
  l.rlim_cur = l.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &l);
}

/// A SIPp UAS answering every call of one scenario on its own loopback port, until killed.
struct Peer {
  int port = free_udp_port();
  std::unique_ptr<Child> child;
};

Peer start_peer(const fs::path& dir, const std::string& name, const std::string& scenario) {
  // A port free when we look may be taken before SIPp binds it (SIPp then exits): a few attempts, each on a new one.
  for (int attempt = 0; attempt < 3; ++attempt) {
    Peer p;
    // 4 MiB socket buffers (net.core.rmem_max here) so a burst is queued, not dropped; -fd 60 keeps SIPp's
    // periodic screen dump, which goes to the log, small.
    p.child = std::make_unique<Child>(
        std::vector<std::string>{OTK_SIPP_BINARY, "-sf", std::string(OTK_BENCH_SCENARIOS) + "/" + scenario, "-i",
                                 "127.0.0.1", "-p", std::to_string(p.port), "-nostdin", "-buff_size", "4194304",
                                 "-fd", "60", "-max_recv_loops", "10000"},
        dir / (name + ".log"));
    const bool bound = p.child->wait_for_port(p.port, 5s);
    if (bound && p.child->wait(200ms) == -1) return p;  // the port is held and SIPp still runs: it is SIPp's
  }
  // Thrown, so the SIPps already started are reaped on the way out.
  throw std::runtime_error("SIPp " + name + " did not start; see " + (dir / (name + ".log")).string());
}

CallbackRequest request_for(int n, const std::vector<Peer>& operators, const std::vector<Peer>& visitors) {
  CallbackRequest r;
  const auto& op = operators[static_cast<std::size_t>(n) % operators.size()];
  const auto& vis = visitors[static_cast<std::size_t>(n) % visitors.size()];
  r.visitor_uri = "sip:+7900" + std::to_string(1'000'000 + n) + "@127.0.0.1:" + std::to_string(vis.port);
  r.plan.operator_uris = {"sip:op" + std::to_string(n) + "@127.0.0.1:" + std::to_string(op.port)};
  r.plan.strategy = RingStrategy::in_turn;
  r.plan.rounds = 1;
  r.plan.round_pause = 0ms;
  r.plan.operator_ring_timeout = 30s;
  r.plan.visitor_ring_timeout = 30s;
  r.plan.reinvite_timeout = 10s;
  r.plan.max_talk = 1h;
  r.trunk.caller_uri = "sip:+74950000000@127.0.0.1";
  r.trunk.display_name = "Otklik Bench";
  return r;
}

/// Places `count` calls at `rate` per second from this thread (paced against the start, so a late tick catches up).
/// Returns the ids placed.
std::vector<std::uint64_t> place_paced(CallbackEngine& engine, Tracker& tracker, int count, int rate,
                                       const std::vector<Peer>& operators, const std::vector<Peer>& visitors) {
  std::vector<std::uint64_t> ids;
  ids.reserve(static_cast<std::size_t>(count));
  const auto start = Clock::now();
  for (int n = 0; n < count; ++n) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * n / rate));
    auto req = request_for(n, operators, visitors);
    const auto at = Clock::now();
    const auto id = engine.place(std::move(req));
    if (!id) {
      std::cerr << "place() failed: " << id.error().message << "\n";
      continue;
    }
    tracker.placed(*id, at);
    ids.push_back(*id);
  }
  return ids;
}

struct PhaseResult {
  int placed = 0, bridged = 0, failed = 0;
  double setups_per_s = 0;   // bridged calls over the span from the first place() to the last bridge
  double place_s = 0;        // how long placing took
  std::vector<double> to_invite, to_operator_2xx, to_bridge;  // ms from place()
};

PhaseResult summarize(const std::vector<Record>& records) {
  PhaseResult r;
  std::optional<Clock::time_point> first_place, last_place, last_bridge;
  for (const auto& rec : records) {
    if (!rec.placed) continue;
    ++r.placed;
    first_place = std::min(first_place.value_or(*rec.placed), *rec.placed);
    last_place = std::max(last_place.value_or(*rec.placed), *rec.placed);
    if (rec.invited) r.to_invite.push_back(ms(*rec.invited - *rec.placed));
    if (rec.operator_answered) r.to_operator_2xx.push_back(ms(*rec.operator_answered - *rec.placed));
    if (rec.talking) {
      ++r.bridged;
      r.to_bridge.push_back(ms(*rec.talking - *rec.placed));
      last_bridge = std::max(last_bridge.value_or(*rec.talking), *rec.talking);
    }
    if (rec.status && rec.status != CallStatus::connected) ++r.failed;
  }
  if (first_place && last_bridge) {
    r.setups_per_s = r.bridged / std::chrono::duration<double>(*last_bridge - *first_place).count();
    r.place_s = std::chrono::duration<double>(*last_place - *first_place).count();
  }
  return r;
}

/// Aborts `ids` at `rate` per second and waits until every one has ended (its BYEs sent); returns the seconds it
/// took. Paced: 5,000 calls aborted at once are 10,000 BYEs out and 10,000 200s back in the same instant, which
/// overflow even an 8 MiB receive buffer while the SIP thread is still sending (then the BYEs are retransmitted).
double abort_all(CallbackEngine& engine, Tracker& tracker, const std::vector<std::uint64_t>& ids, int rate) {
  const int until = tracker.ended() + static_cast<int>(ids.size());  // none of them has ended yet
  const auto start = Clock::now();
  for (std::size_t n = 0; n < ids.size(); ++n) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * static_cast<long long>(n) / rate));
    engine.abort(ids[n]);
  }
  if (!tracker.wait(60s, [&](int, int ended) { return ended >= until; })) {
    std::cerr << "not every call ended: " << until - tracker.ended() << " of " << ids.size() << " still up\n";
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string yes_no(bool met) { return met ? "yes" : "**no**"; }

std::string fmt(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

int parse_int(const char* s) { return std::max(1, std::atoi(s)); }

[[noreturn]] void usage() {
  std::cerr << "usage: otk_sip_bench [--calls N] [--rate R] [--hold S] [--burst-calls N (0: none)]"
               " [--burst-rate R] [--sipps K] [--abort-rate R] [--engine-buf-kib N (0: sofia's default)]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 == argc) usage();  // every option takes a value; a lone one (--help) is a request for this text
    const std::string k = argv[i];
    if (k == "--calls") o.calls = parse_int(argv[i + 1]);
    else if (k == "--rate") o.rate = parse_int(argv[i + 1]);
    else if (k == "--hold") o.hold_s = parse_int(argv[i + 1]);
    else if (k == "--burst-calls") o.burst_calls = std::max(0, std::atoi(argv[i + 1]));
    else if (k == "--burst-rate") o.burst_rate = parse_int(argv[i + 1]);
    else if (k == "--sipps") o.sipps = parse_int(argv[i + 1]);
    else if (k == "--abort-rate") o.abort_rate = parse_int(argv[i + 1]);
    else if (k == "--engine-buf-kib") o.engine_buf_kib = std::max(0, std::atoi(argv[i + 1]));
    else usage();
  }
  return o;
}

int run(const Options& o) {
  raise_file_limit();
  spdlog::set_level(spdlog::level::warn);  // one info line per ended call would be the benchmark's main cost
  const fs::path dir = fs::temp_directory_path() / ("otk-sip-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);

  std::vector<Peer> operators, visitors;
  for (int i = 0; i < o.sipps; ++i) {
    operators.push_back(start_peer(dir, "operator" + std::to_string(i), "bench_operator.xml"));
    visitors.push_back(start_peer(dir, "visitor" + std::to_string(i), "bench_visitor.xml"));
  }

  Tracker tracker;
  EngineOptions eo;
  const int port = free_udp_port();
  eo.bind_url = "sip:127.0.0.1:" + std::to_string(port) + ";transport=udp";
  eo.on_update = [&](std::uint64_t id, const Call& c) { tracker.on_update(id, c); };
  auto started = CallbackEngine::start(std::move(eo));
  if (!started) {
    std::cerr << "engine: " << started.error().message << "\n";
    return 1;
  }
  CallbackEngine& engine = **started;
  const int rcvbuf = enlarge_udp_buffers(port, o.engine_buf_kib * 1024);
  const auto [rss_idle, hwm_idle] = rss_mib();
  std::cout << "engine on 127.0.0.1:" << port << " (SO_RCVBUF " << rcvbuf / 1024 << " KiB), " << o.sipps << "+"
            << o.sipps << " SIPp UAS, logs in " << dir << "; idle RSS " << fmt(rss_idle) << " MiB\n";

  // Target load first, on a fresh engine, so its RSS is the held calls' and not what a burst left behind (sofia
  // keeps finished transactions 32 s). Paced calls, all held bridged together.
  std::cout << "load: " << o.calls << " calls at " << o.rate << "/s, held " << o.hold_s << " s\n" << std::flush;
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  const auto ids = place_paced(engine, tracker, o.calls, o.rate, operators, visitors);
  const int n = static_cast<int>(ids.size());
  tracker.wait(60s, [&](int talking, int ended) { return talking + ended >= n; });
  const double ramp_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double ramp_cpu = cpu_seconds() - cpu0;
  const int held_at_start = tracker.talking();
  const auto [rss_bridged, hwm_bridged] = rss_mib();
  // CPU per 10 s of the hold: idle calls cost nothing, but sofia expires the finished transactions of the setups
  // 32 s after each, in batches, and that shows here.
  const double cpu1 = cpu_seconds();
  std::string hold_cpu_windows;
  for (int left = o.hold_s; left > 0; left -= 10) {
    const double before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::seconds(std::min(10, left)));
    hold_cpu_windows += (hold_cpu_windows.empty() ? "" : ", ") + fmt(cpu_seconds() - before, 2);
  }
  const double hold_cpu = cpu_seconds() - cpu1;
  const int held = tracker.talking();
  const auto [rss_held, hwm_held] = rss_mib();
  // What glibc keeps of freed memory (arenas of the SIP thread and the pacer) vs what the live calls use.
  ::malloc_trim(0);
  const double rss_trimmed = rss_mib().first;
  const PhaseResult load = summarize(tracker.records(ids));
  const long load_drops = udp_drops(port);
  const double cpu2 = cpu_seconds();
  const double teardown_s = abort_all(engine, tracker, ids, o.abort_rate);
  const double teardown_cpu = cpu_seconds() - cpu2;
  std::this_thread::sleep_for(2s);  // the BYE transactions complete
  const long teardown_drops = udp_drops(port) - load_drops;

  // Capacity: far more offered than the target; how many setups per second are completed.
  std::optional<PhaseResult> burst;
  long burst_drops = 0;
  if (o.burst_calls > 0) {
    std::cout << "burst: " << o.burst_calls << " calls offered at " << o.burst_rate << "/s\n" << std::flush;
    const long before = udp_drops(port);
    const auto burst_ids = place_paced(engine, tracker, o.burst_calls, o.burst_rate, operators, visitors);
    const int until = tracker.ended() + static_cast<int>(burst_ids.size());
    tracker.wait(60s, [&](int talking, int ended) { return talking + ended >= until; });
    burst = summarize(tracker.records(burst_ids));
    burst_drops = udp_drops(port) - before;
    abort_all(engine, tracker, burst_ids, o.abort_rate);
    std::this_thread::sleep_for(2s);
  }
  long peer_drops = 0;
  for (const auto* role : {&operators, &visitors}) {
    for (const auto& p : *role) peer_drops += std::max(0L, udp_drops(p.port));
  }
  engine.stop();

  const double p99_invite = percentile(load.to_invite, 99);
  std::cout << "\n| metric | target | measured | met |\n|---|---|---|---|\n";
  if (burst) {
    std::cout << "| setups/s, request → both legs bridged (" << burst->placed << " offered at " << o.burst_rate
              << "/s) | ≥ 500 | " << fmt(burst->setups_per_s, 0) << " (" << burst->bridged << " bridged, "
              << burst->failed << " failed) | " << yes_no(burst->setups_per_s >= 500) << " |\n";
  }
  const auto mb = [](double mib) { return fmt(mib * 1.048576) + " MB"; };  // the target is in MB
  std::cout << "| bridged/s at the paced load, first request → last bridge (" << load.placed << " offered at "
            << o.rate << "/s) | | " << fmt(load.setups_per_s, 0) << " (" << load.bridged << " bridged, "
            << load.failed << " failed) | |\n"
            << "| concurrent bridged calls, held " << o.hold_s << " s | ≥ 5,000 | " << held << " (" << held_at_start
            << " at the start) | " << yes_no(held >= 5'000) << " |\n"
            << "| RSS with them held, end of the hold (VmRSS) | < 300 MB | " << mb(rss_held) << " | "
            << yes_no(rss_held * 1.048576 < 300) << " |\n"
            << "| RSS idle / all just bridged / peak | | " << mb(rss_idle) << " / " << mb(rss_bridged) << " / "
            << mb(hwm_held) << " | |\n"
            << "| RSS after malloc_trim(0) at the end of the hold | | " << mb(rss_trimmed) << " | |\n"
            << "| request → first INVITE, p99 | < 20 ms | " << fmt(p99_invite, 2) << " ms | "
            << yes_no(!load.to_invite.empty() && p99_invite < 20) << " |\n"
            << "| request → first INVITE, p50 | | " << fmt(percentile(load.to_invite, 50), 2) << " ms | |\n"
            << "| request → operator's 2xx, p50 / p99 | | " << fmt(percentile(load.to_operator_2xx, 50), 2) << " / "
            << fmt(percentile(load.to_operator_2xx, 99), 2) << " ms | |\n"
            << "| request → bridged, p50 / p99 | | " << fmt(percentile(load.to_bridge, 50), 2) << " / "
            << fmt(percentile(load.to_bridge, 99), 2) << " ms | |\n"
            << "| CPU while placing (" << fmt(ramp_s) << " s) | | " << fmt(ramp_cpu, 2) << " s ("
            << fmt(100 * ramp_cpu / ramp_s, 0) << " % of a core) | |\n"
            << "| CPU per setup at the paced load | | " << fmt(1000 * ramp_cpu / std::max(1, load.bridged), 3)
            << " ms | |\n"
            << "| CPU while holding (" << o.hold_s << " s; per 10 s) | | " << fmt(hold_cpu, 2) << " s ("
            << hold_cpu_windows << ") | |\n"
            << "| teardown: abort all at " << o.abort_rate << "/s, every call ended | | " << fmt(teardown_s, 2) << " s, CPU "
            << fmt(teardown_cpu, 2) << " s | |\n"
            << "| UDP datagrams the kernel dropped at the engine: load / its teardown / burst | | " << load_drops
            << " / " << teardown_drops << " / " << burst_drops << " | |\n"
            << "| UDP datagrams dropped, SIPp sockets, all | | " << peer_drops << " | |\n";

  operators.clear();
  visitors.clear();  // reaps the SIPps, so their CPU time is counted below
  std::cout << "\nSIPp (" << 2 * o.sipps << " processes) used " << fmt(cpu_seconds(RUSAGE_CHILDREN), 1)
            << " s of CPU in all.\n";
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}

}  // namespace
}  // namespace otk

int main(int argc, char** argv) {
  try {
    return otk::run(otk::parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "otk_sip_bench: " << e.what() << "\n";
    return 1;
  }
}
