// The engine between two real phones: two baresip processes on loopback, auto-answering, each sending a tone from
// a WAV file and recording what it decodes. The engine only signals (RFC 3725 Flow III, no media socket at all),
// so a phone can hear the other's tone only if RTP went directly between them. Each phone also takes commands
// over ctrl_tcp (hold, resume, its RTP counters), so one can put the call on hold through the engine.
// docs/telephony.md, "baresip".
#include <gtest/gtest.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <numbers>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "telephony/engine.hpp"
#include "telephony/test_process.hpp"

namespace otk {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::Child;
using testing::free_tcp_port;  // a phone's ctrl_tcp
using testing::free_udp_port;

constexpr int kRate = 8'000;  // G.711's rate: the WAVs need no resampling on either side
constexpr double kOperatorHz = 440;
constexpr double kVisitorHz = 1'000;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename T>
void put(std::ofstream& out, T v) {  // little-endian on this (x86-64) machine, as RIFF wants
  out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

/// A mono 16-bit WAV at kRate of a sine at `hz`, half of full scale.
void write_tone_wav(const fs::path& path, double hz, std::chrono::seconds length) {
  const auto n = static_cast<std::uint32_t>(kRate * length.count());
  std::ofstream out(path, std::ios::binary);
  out.write("RIFF", 4);
  put<std::uint32_t>(out, 36 + n * 2);
  out.write("WAVEfmt ", 8);
  put<std::uint32_t>(out, 16);
  put<std::uint16_t>(out, 1);  // PCM
  put<std::uint16_t>(out, 1);  // mono
  put<std::uint32_t>(out, kRate);
  put<std::uint32_t>(out, kRate * 2);
  put<std::uint16_t>(out, 2);
  put<std::uint16_t>(out, 16);
  out.write("data", 4);
  put<std::uint32_t>(out, n * 2);
  for (std::uint32_t i = 0; i < n; ++i) {
    put<std::int16_t>(out, static_cast<std::int16_t>(16'000 * std::sin(2 * std::numbers::pi * hz * i / kRate)));
  }
}

/// The samples of a 16-bit PCM WAV's data chunk. The size field is not trusted (a recorder killed before closing
/// leaves it 0): the chunk runs to the end of the file.
std::vector<std::int16_t> read_wav_samples(const fs::path& path) {
  const std::string b = slurp(path);
  if (b.size() < 12 || b.compare(0, 4, "RIFF") != 0 || b.compare(8, 4, "WAVE") != 0) return {};
  std::size_t pos = 12;
  while (pos + 8 <= b.size()) {
    std::uint32_t size = 0;
    std::memcpy(&size, b.data() + pos + 4, 4);
    if (b.compare(pos, 4, "data") == 0) {
      std::vector<std::int16_t> out((b.size() - pos - 8) / 2);
      std::memcpy(out.data(), b.data() + pos + 8, out.size() * 2);
      return out;
    }
    pos += 8 + size + (size & 1);
  }
  return {};
}

/// Goertzel: the energy of `x` at `hz`, scaled so that a pure sine at that frequency (a whole number of periods)
/// gives the block's whole energy, sum(x^2).
double tone_energy(std::span<const std::int16_t> x, double hz) {
  const double coeff = 2 * std::cos(2 * std::numbers::pi * hz / kRate);
  double s1 = 0, s2 = 0;
  for (const std::int16_t v : x) {
    const double s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;  // |X(hz)|^2
  return 2 * power / static_cast<double>(x.size());
}

/// A recording cut into 100 ms blocks (440 Hz and 1 kHz are whole bins there), each classified.
struct ToneCount {
  int blocks = 0;     // all blocks
  int expected = 0;   // the expected tone carries over half of the block's energy, the other under 1 %
  int other = 0;      // the other tone carries over 1 % of the block's energy
  int silent = 0;     // RMS under ~1 % of full scale (before the media started, comfort gaps)
};

ToneCount count_tones(const std::vector<std::int16_t>& samples, double expected_hz, double other_hz) {
  constexpr std::size_t kBlock = kRate / 10;
  ToneCount c;
  for (std::size_t at = 0; at + kBlock <= samples.size(); at += kBlock) {
    const std::span<const std::int16_t> block(samples.data() + at, kBlock);
    double energy = 0;
    for (const std::int16_t v : block) energy += static_cast<double>(v) * v;
    ++c.blocks;
    if (energy < kBlock * 300.0 * 300.0) {
      ++c.silent;
      continue;
    }
    const double want = tone_energy(block, expected_hz), wrong = tone_energy(block, other_hz);
    if (wrong > 0.01 * energy) ++c.other;
    else if (want > 0.5 * energy) ++c.expected;
  }
  return c;
}

/// One SIP message of a phone's trace (`-s`): "UDP <from> -> <to>" and the message, up to the colour reset.
struct Traced {
  std::string from, to, text;
};

std::vector<Traced> traced_messages(const std::string& log) {
  static const std::regex head(R"(UDP (\S+) -> (\S+)\r?\n)");
  std::vector<Traced> out;
  for (std::sregex_iterator it(log.begin(), log.end(), head), end; it != end; ++it) {
    const auto start = static_cast<std::size_t>(it->position() + it->length());
    const auto stop = log.find("\x1b[;m", start);
    out.push_back({(*it)[1], (*it)[2], log.substr(start, stop == std::string::npos ? stop : stop - start)});
  }
  return out;
}

/// The port of a body's first m=audio line, or -1.
int audio_port(const std::string& sdp) {
  static const std::regex m(R"(\nm=audio (\d+) )");
  std::smatch match;
  return std::regex_search(sdp, match, m) ? std::stoi(match[1]) : -1;
}

/// The CSeq number and method of a traced message ("INVITE" for a response to an INVITE), or {-1, ""}.
std::pair<long, std::string> cseq(const std::string& msg) {
  static const std::regex c(R"(\nCSeq: *(\d+) +([A-Z]+))");
  std::smatch match;
  if (!std::regex_search(msg, match, c)) return {-1, ""};
  return {std::stol(match[1]), match[2]};
}

/// The media direction of a body's audio stream (RFC 4566: sendrecv when none is given), or "" without a body.
std::string direction(const std::string& msg) {
  if (msg.find("Content-Type: application/sdp") == std::string::npos) return "";
  static const std::regex d(R"(\na=(sendrecv|sendonly|recvonly|inactive)\r?\n)");
  std::smatch match;
  return std::regex_search(msg, match, d) ? std::string(match[1]) : "sendrecv";
}

/// What a phone's `audio_debug` command says of its audio stream: the direction it applies, and the RTCP session's
/// one member (the other phone): its SSRC, the address its RTP comes from and how many packets came.
struct RtpStats {
  std::string dir;
  std::uint32_t peer_ssrc = 0;
  int peer_port = -1;
  long received = -1;
  long sent = -1;
};

std::optional<RtpStats> parse_audio_debug(const std::string& text) {
  static const std::regex dir(R"(audio dir=(\w+))");
  static const std::regex member(R"(member 0x([0-9a-f]+):[^\n]*\n\s*IP=127\.0\.0\.1:(\d+) psent=\d+ rcvd=(\d+))");
  static const std::regex tx(R"(TX: packets=(\d+))");
  std::smatch d, m, t;
  if (!std::regex_search(text, d, dir) || !std::regex_search(text, m, member) || !std::regex_search(text, t, tx)) {
    return std::nullopt;
  }
  return RtpStats{d[1], static_cast<std::uint32_t>(std::stoul(m[1], nullptr, 16)), std::stoi(m[2]), std::stol(m[3]),
                  std::stol(t[1])};
}

/// One baresip phone: its own config directory, a local account (no registrar) that auto-answers, PCMU only, the
/// source a tone WAV (aufile), the sndfile filter dumping what it encodes and decodes into the directory. The
/// player is aubridge (a software device, nothing reads it): there is no sound card, and the decoded audio is
/// taken before the player anyway, by the filter. The menu module's commands (hold, resume, audio_debug) are taken
/// over TCP by ctrl_tcp, as JSON in netstrings.
class Baresip {
 public:
  Baresip(const fs::path& dir, std::string user, double tone_hz) : user_(std::move(user)), dir_(dir) {
    fs::create_directories(dir_);
    write_tone_wav(dir_ / "tone.wav", tone_hz, 30s);
    // A port free when we look may be taken before baresip binds it (other tests run beside this one, and every
    // process's ephemeral sockets come from the same range): baresip then exits with "Address already in use".
    for (int attempt = 0; attempt < 3 && !ready_; ++attempt) ready_ = start_on(free_udp_port(), free_tcp_port());
  }

  bool ready() const { return ready_; }
  std::string uri() const { return "sip:" + user_ + "@127.0.0.1:" + std::to_string(port_); }
  std::string sip_address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return slurp(dir_ / "log"); }
  /// Waits until the log contains `needle`, at most `limit`.
  bool wait_for_log(std::string_view needle, std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (log().find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
  /// The SIP messages it sent (`sent`) or received, as traced.
  std::vector<std::string> messages(bool sent) const {
    std::vector<std::string> out;
    for (auto& m : traced_messages(log())) {
      if ((sent ? m.from : m.to) == sip_address()) out.push_back(std::move(m.text));
    }
    return out;
  }
  /// The SIP messages it sent (`sent`) or received, with their addresses.
  std::vector<Traced> traced(bool sent) const {
    std::vector<Traced> out;
    for (auto& m : traced_messages(log())) {
      if ((sent ? m.from : m.to) == sip_address()) out.push_back(std::move(m));
    }
    return out;
  }

  /// Runs a menu command through ctrl_tcp: {"command": ..., "token": ...} as a netstring, then reads netstrings
  /// (events come too) until the response with our token. Its "data" if it says ok; nullopt on a refusal, a broken
  /// connection or no response within 3 s.
  std::optional<std::string> command(const std::string& name) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return std::nullopt;
    const timeval limit{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(ctrl_port_));
    std::optional<std::string> out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      const std::string token = "otk-" + std::to_string(++commands_);
      const std::string json = nlohmann::json{{"command", name}, {"token", token}}.dump();
      const std::string frame = std::to_string(json.size()) + ":" + json + ",";
      if (::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size())) {
        out = read_response(fd, token);
      }
    }
    ::close(fd);
    return out;
  }

  /// `audio_debug` of the current call, parsed; nullopt without a call or when its shape is not as expected.
  std::optional<RtpStats> rtp_stats() const {
    const auto text = command("audio_debug");
    return text ? parse_audio_debug(*text) : std::nullopt;
  }

  /// SIGTERM: baresip hangs up what is left and closes its dumps. Returns the exit code.
  int stop() { return child_->kill(SIGTERM, 5s); }

  /// The WAV sndfile wrote for `direction` ("dec": what it received, "enc": what it sent), or "" if none.
  fs::path dump(std::string_view direction) const {
    const std::string suffix = "-" + std::string(direction) + ".wav";
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.starts_with("dump-") && name.ends_with(suffix)) return e.path();
    }
    return {};
  }

 private:
  /// Writes the config for SIP `port` and ctrl_tcp `ctrl_port` and starts baresip; true once it says it is ready
  /// (its UA bound the port) and ctrl_tcp listens.
  bool start_on(int port, int ctrl_port) {
    port_ = port;
    ctrl_port_ = ctrl_port;
    write_config();
    std::ofstream(dir_ / "accounts") << "<sip:" << user_ << "@127.0.0.1:" << port_
                                     << ">;regint=0;answermode=auto;audio_codecs=PCMU\n";
    // -s traces SIP messages (the SDP each phone received is checked there), -v logs the media streams (where RTP
    // came from). stdbuf: baresip's stdout to a file is block-buffered; the test reads the log while it runs, and
    // its traces and its stderr lines must come out in order.
    child_ = std::make_unique<Child>(std::vector<std::string>{OTK_STDBUF_BINARY, "-oL", "-eL", OTK_BARESIP_BINARY,
                                                              "-f", dir_.string(), "-s", "-v"},
                                     dir_ / "log");
    const std::string listening = "ctrl_tcp: TCP socket listening on 127.0.0.1:" + std::to_string(ctrl_port_);
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (child_->wait(0ms) == -1 && std::chrono::steady_clock::now() < until) {
      const std::string text = log();
      if (text.find("baresip is ready.") != std::string::npos) {
        if (text.find(listening) != std::string::npos) return true;
        break;  // its control port was taken: start again on new ports
      }
      std::this_thread::sleep_for(20ms);
    }
    child_->kill(SIGKILL);
    return false;
  }

  void write_config() const {
    std::ofstream c(dir_ / "config");
    c << "poll_method epoll\n"
      << "sip_listen 127.0.0.1:" << port_ << "\n"
      // An interface name ("lo") fails in baresip 1.0.0 here ("could not get IPv4 address"); the address works.
      << "net_interface 127.0.0.1\n"
      << "call_local_timeout 120\ncall_max_calls 4\n"
      << "audio_source aufile," << (dir_ / "tone.wav").string() << "\n"
      << "audio_player aubridge," << user_ << "\n"
      << "audio_alert aubridge," << user_ << "-alert\n"
      << "ausrc_srate " << kRate << "\nauplay_srate " << kRate << "\nausrc_channels 1\nauplay_channels 1\n"
      << "jitter_buffer_delay 5-10\nrtcp_mux no\n"
      << "module_path /usr/lib/baresip/modules\n"
      << "module g711.so\nmodule sndfile.so\nmodule aufile.so\nmodule aubridge.so\n"
      << "module menu.so\nmodule ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:" << ctrl_port_ << "\n"
      << "module_tmp account.so\n"
      << "snd_path " << dir_.string() << "\n";
  }

  /// Netstrings from `fd` until the response carrying `token`: its data if ok.
  static std::optional<std::string> read_response(int fd, const std::string& token) {
    std::string buf;
    char chunk[4096];
    for (;;) {
      // Every complete netstring in buf: "<length>:<json>,".
      for (std::size_t colon; (colon = buf.find(':')) != std::string::npos;) {
        const std::size_t length = std::stoul(buf.substr(0, colon));
        if (buf.size() < colon + 1 + length + 1) break;
        const auto j = nlohmann::json::parse(buf.substr(colon + 1, length), nullptr, false);
        buf.erase(0, colon + 1 + length + 1);
        if (j.is_object() && j.value("response", false) && j.value("token", "") == token) {
          if (!j.value("ok", false)) return std::nullopt;
          return j.value("data", "");
        }
      }
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::string user_;
  fs::path dir_;
  int port_ = 0;
  int ctrl_port_ = 0;
  mutable int commands_ = 0;
  std::unique_ptr<Child> child_;
  bool ready_ = false;
};

/// The UDP ports this process has sockets bound to. The engine lives in the test process, so these are its
/// sockets: with media handling off there must be only the SIP port, no RTP one.
std::set<int> own_udp_ports() {
  std::set<int> ports;
  for (int fd = 0; fd < 4096; ++fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM) continue;
    sockaddr_storage a{};
    len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) continue;
    if (a.ss_family == AF_INET) ports.insert(ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port));
    if (a.ss_family == AF_INET6) ports.insert(ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port));
  }
  return ports;
}

class BaresipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("OTK_SIPTEST_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
    dir_ = fs::temp_directory_path() / ("otk-baresip-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    port_ = free_udp_port();
    EngineOptions o;
    o.bind_url = "sip:127.0.0.1:" + std::to_string(port_) + ";transport=udp";
    o.on_update = [this](std::uint64_t id, const Call& c) {
      std::lock_guard lock(mutex_);
      calls_[id] = c;
      history_[id].push_back(c);
      cv_.notify_all();
    };
    auto e = CallbackEngine::start(std::move(o));
    ASSERT_TRUE(e) << e.error().message;
    engine_ = std::move(*e);
  }
  void TearDown() override {
    if (engine_) engine_->stop();
    if (HasFailure()) {
      std::cerr << "baresip configs, logs and recordings kept in " << dir_ << "\n";
      return;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Asks the engine to call `op`, then `visitor`, and bridge them: one operator, one round, 5 s timeouts.
  std::optional<std::uint64_t> place(const Baresip& op, const Baresip& visitor) {
    CallbackRequest r;
    r.visitor_uri = visitor.uri();
    r.plan.operator_uris = {op.uri()};
    r.plan.strategy = RingStrategy::in_turn;
    r.plan.rounds = 1;
    r.plan.round_pause = 0ms;
    r.plan.operator_ring_timeout = 5s;
    r.plan.visitor_ring_timeout = 5s;
    r.plan.reinvite_timeout = 5s;
    r.trunk.caller_uri = "sip:+74950000000@127.0.0.1";
    r.trunk.display_name = "Otklik Shop";
    const auto id = engine_->place(r);
    if (!id) {
      ADD_FAILURE() << id.error().message;
      return std::nullopt;
    }
    return *id;
  }

  /// The engine's latest record of call `id`.
  Call call(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    return calls_.at(id);
  }

  /// Every record of call `id` the engine reported, one per event it took, in order.
  std::vector<Call> history(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    return history_[id];
  }

  /// The body of the hold-and-resume tests: `holds` (the visitor or the operator) holds and resumes a talk.
  void hold_and_resume(Party holds);

  /// The engine's SIP address, as a phone's trace names it.
  std::string sip_address() const { return "127.0.0.1:" + std::to_string(port_); }

  bool wait_for(std::uint64_t id, std::chrono::milliseconds limit, auto pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] {
      const auto it = calls_.find(id);
      return it != calls_.end() && pred(it->second);
    });
  }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<CallbackEngine> engine_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Call> calls_;
  std::map<std::uint64_t, std::vector<Call>> history_;
};

/// The audio port a phone offered: the m=audio line of the first 2xx it sent (to our INVITE without SDP).
int offered_port(const Baresip& phone) {
  for (const auto& m : phone.messages(true)) {
    if (m.starts_with("SIP/2.0 2") && m.find("Content-Type: application/sdp") != std::string::npos) {
      return audio_port(m);
    }
  }
  return -1;
}

/// The SSRC a body announces (a=ssrc:N cname:...), or 0.
std::uint32_t announced_ssrc(const std::string& sdp) {
  static const std::regex m(R"(\na=ssrc:(\d+) )");
  std::smatch match;
  return std::regex_search(sdp, match, m) ? static_cast<std::uint32_t>(std::stoul(match[1])) : 0;
}

/// One INVITE with an offer as a phone's trace shows it: with whom it was exchanged (the sender of one received, the
/// target of one sent), its offer and the 2xx that answered it ("" while none has).
struct OfferAnswer {
  std::string peer;
  std::string offer;
  std::string answer;
};

/// The INVITEs with an offer that `phone` received (`received`) or sent, in order, once per CSeq (a retransmission
/// is not another one), each with its 2xx.
std::vector<OfferAnswer> invites_with_offer(const Baresip& phone, bool received) {
  std::vector<OfferAnswer> out;
  std::vector<long> numbers;
  for (const auto& m : phone.traced(!received)) {
    const auto [number, method] = cseq(m.text);
    if (!m.text.starts_with("INVITE ") || direction(m.text).empty()) continue;
    if (std::ranges::find(numbers, number) != numbers.end()) continue;
    numbers.push_back(number);
    out.push_back({received ? m.from : m.to, m.text, ""});
  }
  for (const auto& m : phone.traced(received)) {
    const auto [number, method] = cseq(m.text);
    if (!m.text.starts_with("SIP/2.0 2") || method != "INVITE") continue;
    const auto at = std::ranges::find(numbers, number);
    if (at != numbers.end()) out[static_cast<std::size_t>(at - numbers.begin())].answer = m.text;
  }
  return out;
}

/// Polls `pred` every 50 ms until it holds, at most `limit`.
bool wait_until(std::chrono::milliseconds limit, auto pred) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

/// Checks that `phone` recorded `expected_hz` (the other phone's tone) in at least `blocks` blocks of 100 ms, and
/// never `other_hz` (its own: an echo, or media bridged back by mistake).
void expect_heard(const Baresip& phone, std::string_view who, double expected_hz, double other_hz, int blocks) {
  const auto rec = phone.dump("dec");
  ASSERT_FALSE(rec.empty()) << who << " recorded nothing (no sndfile dump)";
  const auto samples = read_wav_samples(rec);
  const ToneCount c = count_tones(samples, expected_hz, other_hz);
  std::cout << who << " recorded " << samples.size() << " samples: " << c.blocks << " blocks of 100 ms, "
            << c.expected << " with " << expected_hz << " Hz, " << c.other << " with " << other_hz << " Hz, "
            << c.silent << " silent\n";
  EXPECT_GE(c.expected, blocks) << who << " did not hear the other phone's " << expected_hz << " Hz for "
                                << blocks * 100 << " ms";
  EXPECT_EQ(c.other, 0) << who << " heard " << other_hz << " Hz";
}

// The operator (440 Hz) and the visitor (1 kHz) answer, the engine bridges them and aborts the call after 3 s.
// RTP must have gone straight between them: each was told the other's address (the SDP it received), each
// received RTP from the other's port (baresip logs the source), each recorded the other's tone, and the engine
// holds no UDP socket but its SIP one.
TEST_F(BaresipTest, PhonesTalkDirectlyAndHearEachOther) {
  Baresip op(dir_ / "operator", "operator", kOperatorHz);
  Baresip visitor(dir_ / "visitor", "visitor", kVisitorHz);
  ASSERT_TRUE(op.ready()) << op.log();
  ASSERT_TRUE(visitor.ready()) << visitor.log();

  const auto id = place(op, visitor);
  ASSERT_TRUE(id);

  ASSERT_TRUE(wait_for(*id, 10s, [](const Call& c) { return c.state == CallState::talking || c.status; }))
      << "no talk within 10 s";
  std::this_thread::sleep_for(3s);
  // Mid-talk, with media flowing both ways: the engine has bound nothing but its SIP port.
  EXPECT_EQ(own_udp_ports(), std::set<int>{port_});
  engine_->abort(*id);
  ASSERT_TRUE(wait_for(*id, 10s, [](const Call& c) { return settled(c); }));
  const Call ended = call(*id);
  EXPECT_EQ(ended.status, CallStatus::connected);
  EXPECT_GE(talk_time(ended), 2900ms);

  // Both hang up on our BYE before they are stopped (else each would send its own BYE on SIGTERM, and close its
  // recording only then).
  for (const Baresip* phone : {&op, &visitor}) {
    EXPECT_TRUE(phone->wait_for_log("terminated (duration", 5s)) << phone->log();
    const auto received = phone->messages(false);
    EXPECT_TRUE(std::ranges::any_of(received, [](const std::string& m) {
      return m.starts_with("BYE ") && m.find("Reason: Q.850;cause=41") != std::string::npos;
    })) << phone->log();
  }
  EXPECT_EQ(op.stop(), 0);
  EXPECT_EQ(visitor.stop(), 0);

  // Signalling: each phone was given the other's RTP address (the re-INVITE to the operator carries the
  // visitor's offer, the ACK to the visitor the operator's answer).
  const int op_rtp = offered_port(op), visitor_rtp = offered_port(visitor);
  ASSERT_GT(op_rtp, 0) << op.log();
  ASSERT_GT(visitor_rtp, 0) << visitor.log();
  EXPECT_NE(op_rtp, visitor_rtp);
  const auto sdp_names = [](const std::vector<std::string>& received, std::string_view method, int port) {
    return std::ranges::any_of(received, [&](const std::string& m) {
      return m.starts_with(std::string(method) + " ") && m.find("c=IN IP4 127.0.0.1") != std::string::npos &&
             audio_port(m) == port;
    });
  };
  EXPECT_TRUE(sdp_names(op.messages(false), "INVITE", visitor_rtp)) << op.log();
  EXPECT_TRUE(sdp_names(visitor.messages(false), "ACK", op_rtp)) << visitor.log();

  // Media: RTP arrived from the other phone's port, and each recorded the other's tone.
  const auto rtp_from = [](int port) { return "receiving from 127.0.0.1:" + std::to_string(port); };
  EXPECT_NE(op.log().find(rtp_from(visitor_rtp)), std::string::npos) << op.log();
  EXPECT_NE(visitor.log().find(rtp_from(op_rtp)), std::string::npos) << visitor.log();
  // A talk of about 3 s: at least 2 s of the other's tone.
  expect_heard(op, "operator", kVisitorHz, kOperatorHz, 20);
  expect_heard(visitor, "visitor", kOperatorHz, kVisitorHz, 20);
}

// One phone puts the call on hold and takes it off again mid-talk (baresip's own hold and resume, asked for over
// ctrl_tcp), the engine relaying each re-INVITE to the other phone and its answer back. Evidence: the phones' SIP
// traces (the held phone received our re-INVITEs with the holder's sendonly offer, then sendrecv, and answered
// recvonly, then sendrecv; the holder got those answers), the phones' own state and RTP counters (audio_debug:
// while held the other phone's stream is recvonly and sends nothing; after the resume both are sendrecv and each
// receives again from the other's RTP port and SSRC), the engine's record (talking throughout, two relays from the
// holder's leg, connected at the end), and the BYEs of the engine's hang-up.
void BaresipTest::hold_and_resume(Party holds) {
  Baresip op(dir_ / "operator", "operator", kOperatorHz);
  Baresip visitor(dir_ / "visitor", "visitor", kVisitorHz);
  ASSERT_TRUE(op.ready()) << op.log();
  ASSERT_TRUE(visitor.ready()) << visitor.log();
  const bool visitor_holds = holds == Party::visitor;
  const Baresip& holder = visitor_holds ? visitor : op;
  const Baresip& held = visitor_holds ? op : visitor;
  const auto id = place(op, visitor);
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_for(*id, 10s, [](const Call& c) { return c.state == CallState::talking || c.status; }))
      << "no talk within 10 s";
  ASSERT_EQ(call(*id).state, CallState::talking);

  // Talk until each phone has received 1.5 s of RTP (75 packets of 20 ms).
  std::optional<RtpStats> holder_rtp, held_rtp;
  const auto received_at_least = [&](long holder_packets, long held_packets) {
    return wait_until(5s, [&] {
      holder_rtp = holder.rtp_stats();
      held_rtp = held.rtp_stats();
      return holder_rtp && held_rtp && holder_rtp->received >= holder_packets && held_rtp->received >= held_packets;
    });
  };
  ASSERT_TRUE(received_at_least(75, 75)) << op.log() << visitor.log();

  // Hold: the holder's re-INVITE is answered once the other phone answered ours.
  ASSERT_TRUE(holder.command("hold")) << holder.log();
  const auto answered = [&](std::size_t n) {
    return wait_until(5s, [&] {
      const auto sent = invites_with_offer(holder, false);
      return sent.size() == n && !sent.back().answer.empty();
    });
  };
  ASSERT_TRUE(answered(1)) << "the hold was not answered\n" << holder.log();
  EXPECT_TRUE(wait_for(*id, 2s, [](const Call& c) { return c.state == CallState::talking && !c.relay; }));
  // A second on hold, after 200 ms for the packets already on their way: the held phone sends nothing.
  std::this_thread::sleep_for(200ms);
  const auto holder_held = holder.rtp_stats(), held_held = held.rtp_stats();
  std::this_thread::sleep_for(1s);
  const auto holder_held_end = holder.rtp_stats(), held_held_end = held.rtp_stats();
  ASSERT_TRUE(holder_held && held_held && holder_held_end && held_held_end) << op.log() << visitor.log();
  std::cout << "held for 1 s: the holder (" << holder_held_end->dir << ") received "
            << holder_held_end->received - holder_held->received << " packets, the other ("
            << held_held_end->dir << ") received " << held_held_end->received - held_held->received
            << " and sent " << held_held_end->sent - held_held->sent << "\n";
  EXPECT_EQ(holder_held_end->dir, "sendonly");
  EXPECT_TRUE(held_held_end->dir == "recvonly" || held_held_end->dir == "inactive") << held_held_end->dir;
  EXPECT_LE(held_held_end->sent - held_held->sent, 2) << "the held phone went on sending";
  EXPECT_LE(holder_held_end->received - holder_held->received, 2) << "the holder received RTP while holding";

  // Resume: media both ways again, a second's worth on each side within 5 s.
  ASSERT_TRUE(holder.command("resume")) << holder.log();
  ASSERT_TRUE(answered(2)) << "the resume was not answered\n" << holder.log();
  EXPECT_TRUE(received_at_least(holder_held_end->received + 50, held_held_end->received + 50))
      << "no RTP after the resume: the holder " << (holder_rtp ? holder_rtp->received : -1) << " packets ("
      << holder_held_end->received << " when held), the other " << (held_rtp ? held_rtp->received : -1) << " ("
      << held_held_end->received << ")";
  ASSERT_TRUE(holder_rtp && held_rtp);
  std::cout << "after the resume: the holder (" << holder_rtp->dir << ") received "
            << holder_rtp->received - holder_held_end->received << " packets from port " << holder_rtp->peer_port
            << ", the other (" << held_rtp->dir << ") " << held_rtp->received - held_held_end->received
            << " from port " << held_rtp->peer_port << "\n";
  EXPECT_EQ(holder_rtp->dir, "sendrecv");
  EXPECT_EQ(held_rtp->dir, "sendrecv");
  const std::vector<Call> seen = history(*id);
  ASSERT_EQ(call(*id).state, CallState::talking);

  engine_->abort(*id);
  ASSERT_TRUE(wait_for(*id, 10s, [](const Call& c) { return settled(c); }));
  const Call ended = call(*id);
  EXPECT_EQ(ended.status, CallStatus::connected);
  // Through the hold and the resume the engine reported the call talking, every time, and relayed two re-INVITEs
  // from the holder's leg to the other's (two runs of records with a relay).
  const auto talk = std::ranges::find_if(seen, [](const Call& c) { return c.state == CallState::talking; });
  EXPECT_TRUE(std::all_of(talk, seen.end(), [](const Call& c) { return c.state == CallState::talking; }));
  int relays = 0;
  for (auto it = talk; it != seen.end(); ++it) {
    if (!it->relay || (it != seen.begin() && std::prev(it)->relay)) continue;
    ++relays;
    EXPECT_EQ(it->relay->from.party, holds);
    EXPECT_EQ(it->relay->to.party, visitor_holds ? Party::operator_ : Party::visitor);
  }
  EXPECT_EQ(relays, 2);
  for (const Baresip* phone : {&op, &visitor}) {
    EXPECT_TRUE(phone->wait_for_log("terminated (duration", 5s)) << phone->log();
    EXPECT_TRUE(std::ranges::any_of(phone->messages(false), [](const std::string& m) {
      return m.starts_with("BYE ") && m.find("Reason: Q.850;cause=41") != std::string::npos;
    })) << phone->log();
  }
  EXPECT_EQ(op.stop(), 0);
  EXPECT_EQ(visitor.stop(), 0);

  // Signalling. The holder sent two offers to the engine, sendonly then sendrecv, and got the other phone's answers
  // (its RTP port: relayed, not an answer of ours), recvonly (or inactive) then sendrecv.
  const int holder_port = offered_port(holder), held_port = offered_port(held);
  const auto sent = invites_with_offer(holder, false);
  ASSERT_EQ(sent.size(), 2u) << holder.log();
  for (const auto& x : sent) {
    EXPECT_EQ(x.peer, sip_address());
    EXPECT_EQ(audio_port(x.answer), held_port) << x.answer;
  }
  EXPECT_EQ(direction(sent[0].offer), "sendonly");
  EXPECT_TRUE(direction(sent[0].answer) == "recvonly" || direction(sent[0].answer) == "inactive") << sent[0].answer;
  EXPECT_EQ(direction(sent[1].offer), "sendrecv");
  EXPECT_EQ(direction(sent[1].answer), "sendrecv");
  // The held phone received offers from the engine, each the holder's (its port): the hold (a sendonly or inactive
  // offer, answered recvonly or inactive) and the resume (sendrecv, answered sendrecv), after the bridge's re-INVITE
  // when it is the operator (the visitor's session is set up by our ACK).
  const auto got = invites_with_offer(held, true);
  ASSERT_EQ(got.size(), visitor_holds ? 3u : 2u) << held.log();
  for (const auto& x : got) {
    EXPECT_EQ(x.peer, sip_address());
    EXPECT_EQ(audio_port(x.offer), holder_port) << x.offer;
    EXPECT_FALSE(x.answer.empty()) << x.offer;
  }
  if (visitor_holds) {
    EXPECT_EQ(direction(got[0].offer), "sendrecv") << "the bridge's re-INVITE";
  }
  const OfferAnswer& hold = got[got.size() - 2];
  const OfferAnswer& resume = got.back();
  EXPECT_TRUE(direction(hold.offer) == "sendonly" || direction(hold.offer) == "inactive") << hold.offer;
  EXPECT_TRUE(direction(hold.answer) == "recvonly" || direction(hold.answer) == "inactive") << hold.answer;
  EXPECT_EQ(direction(resume.offer), "sendrecv") << resume.offer;
  EXPECT_EQ(direction(resume.answer), "sendrecv") << resume.answer;

  // Media after the resume came from the other phone: its RTP port and the SSRC its SDP announced.
  EXPECT_EQ(held_rtp->peer_port, holder_port);
  EXPECT_EQ(holder_rtp->peer_port, held_port);
  EXPECT_EQ(held_rtp->peer_ssrc, announced_ssrc(sent[1].offer));
  EXPECT_EQ(holder_rtp->peer_ssrc, announced_ssrc(resume.answer));
  // Before the hold each recorded the other's tone. baresip 1.0.0 drops the sndfile filter from its receiving side
  // when a re-INVITE puts the stream on hold, so the recordings end there; the RTP counters above cover the rest.
  expect_heard(op, "operator", kVisitorHz, kOperatorHz, 10);
  expect_heard(visitor, "visitor", kOperatorHz, kVisitorHz, 10);
}

TEST_F(BaresipTest, VisitorHoldsAndResumesThroughTheEngine) { hold_and_resume(Party::visitor); }

TEST_F(BaresipTest, OperatorHoldsAndResumesThroughTheEngine) { hold_and_resume(Party::operator_); }

}  // namespace
}  // namespace otk
