// The engine against real SIP peers: SIPp processes on loopback play operator phones, visitor phones and a trunk.
// Each scenario checks what it receives (its ereg check_it actions fail the SIPp call, and so its exit code);
// the test checks the engine's Call record and the messages SIPp traced.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <sofia-sip/su_md5.h>
#include <spdlog/spdlog.h>

#include <sofia-sip/su_wait.h>

#include "telephony/engine.hpp"
#include "telephony/sofia_sip_control.hpp"
#include "telephony/test_process.hpp"

namespace otk {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using testing::Child;
using testing::free_udp_port;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

enum class Transport { udp, tcp };

/// One SIPp process playing one scenario as a UAS on its own port, for one call.
class Sipp {
 public:
  /// `limit`: SIPp's own deadline for the whole run, after which it fails.
  Sipp(const fs::path& dir, std::string name, const std::string& scenario, std::chrono::seconds limit = 30s,
       Transport transport = Transport::udp)
      : name_(std::move(name)), port_(free_udp_port()), tcp_(transport == Transport::tcp), dir_(dir) {
    const std::string sf = std::string(OTK_SIPP_SCENARIOS) + "/" + scenario;
    std::vector<std::string> args = {OTK_SIPP_BINARY, "-sf", sf, "-t", tcp_ ? "t1" : "u1", "-i", "127.0.0.1",
                                     "-p", std::to_string(port_),
                                     "-m", "1", "-nostdin", "-timeout", std::to_string(limit.count()) + "s",
                                     "-timeout_error",
                                     "-default_behaviors", "abortunexp",
                                     "-trace_msg", "-message_file", (dir / (name_ + ".msg")).string(),
                                     "-trace_err", "-error_file", (dir / (name_ + ".err")).string()};
    child_ = std::make_unique<Child>(std::move(args), dir / (name_ + ".out"));
    // Ready once it holds its port: before that our INVITE would be lost (and retransmitted, slowing the test).
    child_->wait_for_port(port_, 3000ms, tcp_ ? SOCK_STREAM : SOCK_DGRAM);
  }

  bool running() const { return child_->running(); }
  int port() const { return port_; }
  std::string uri(std::string_view user) const {
    return "sip:" + std::string(user) + "@127.0.0.1:" + std::to_string(port_) + (tcp_ ? ";transport=tcp" : "");
  }

  /// The exit code (0: its one call succeeded), or -1 if it did not finish within `limit` (then it is killed).
  int wait(std::chrono::milliseconds limit) {
    const int rc = child_->wait(limit);
    if (rc == -1) child_->kill(SIGKILL);
    return rc;
  }

  /// A request's transaction: its top Via line and its CSeq line.
  static std::string transaction_key(const std::string& msg) {
    auto line = [&msg](std::string_view name) {
      const auto at = msg.find("\n" + std::string(name) + ":");
      return at == std::string::npos ? std::string() : msg.substr(at, msg.find('\n', at + 1) - at);
    };
    return line("Via") + line("CSeq");
  }

  /// When SIPp traced each message it sent (`sent`) or received whose first line starts with `start`, in seconds
  /// since midnight (from the trace's time stamps; the tests do not run across midnight).
  std::vector<double> times(bool sent, std::string_view start) const {
    std::vector<double> out;
    const std::string t = trace();
    const std::string separator = "----------------------------------------------- ";
    const std::string marker = sent ? "message sent" : "message received";
    for (std::size_t pos = 0; (pos = t.find(separator, pos)) != std::string::npos;) {
      pos += separator.size();
      const auto line_end = t.find('\n', pos);
      const auto next = t.find('\n', line_end + 1);
      if (line_end == std::string::npos || next == std::string::npos) break;
      if (t.substr(line_end + 1, next - line_end - 1).find(marker) == std::string::npos) continue;
      const auto first = t.find_first_not_of("\r\n", next);
      if (first == std::string::npos || t.compare(first, start.size(), start) != 0) continue;
      const std::string stamp = t.substr(pos, line_end - pos);  // "2026-12-01\t07:47:25.579987" or with a space
      const auto clock = stamp.find(':');
      if (clock == std::string::npos || clock < 2) continue;
      const auto hms = stamp.substr(clock - 2);
      out.push_back(std::stoi(hms.substr(0, 2)) * 3600.0 + std::stoi(hms.substr(3, 2)) * 60.0 + std::stod(hms.substr(6)));
    }
    return out;
  }

  /// What SIPp traced: every message it sent and received.
  std::string trace() const { return read_file(dir_ / (name_ + ".msg")); }
  std::string errors() const { return read_file(dir_ / (name_ + ".err")) + read_file(dir_ / (name_ + ".out")); }
  /// The received requests of one method, in order, as traced; UDP retransmissions (the same Via and CSeq
  /// again, which a loaded machine provokes) count once. "SIP/2.0" gives the responses, likewise.
  std::vector<std::string> received(std::string_view method) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    const std::string t = trace();
    const std::string marker = "message received";
    std::size_t pos = 0;
    while ((pos = t.find(marker, pos)) != std::string::npos) {
      const auto start = t.find('\n', pos);
      auto end = t.find("----------------------------------------------- ", start);
      if (end == std::string::npos) end = t.size();
      std::string msg = t.substr(start, end - start);
      const auto first = msg.find_first_not_of("\r\n");
      if (first != std::string::npos && msg.compare(first, method.size() + 1, std::string(method) + " ") == 0) {
        // A response's status line is part of its key: a 100 and a 200 share the Via and CSeq.
        const std::string status = method == "SIP/2.0" ? msg.substr(first, msg.find('\n', first) - first) : "";
        if (seen.insert(status + transaction_key(msg)).second) out.push_back(msg.substr(first));
      }
      pos = end;
    }
    return out;
  }

 private:
  std::string name_;
  int port_;
  bool tcp_;
  fs::path dir_;
  std::unique_ptr<Child> child_;
};

class TelephonyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // OTK_SIPTEST_DEBUG=1 shows the engine's debug log (NUA call states); TPORT_LOG=1 makes sofia print messages.
    if (std::getenv("OTK_SIPTEST_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("otk-siptest-" + std::to_string(::getpid())) / info->name();
    fs::create_directories(dir_);
    start_engine(Transport::udp);
  }
  /// (Re)starts the engine listening on a free loopback port for `transport`.
  void start_engine(Transport transport) {
    if (engine_) engine_->stop();
    port_ = free_udp_port();
    EngineOptions o;
    o.bind_url = "sip:127.0.0.1:" + std::to_string(port_) + (transport == Transport::tcp ? ";transport=tcp" : ";transport=udp");
    o.on_update = [this](std::uint64_t id, const Call& c) {
      std::lock_guard lock(mutex_);
      calls_[id] = c;
      cv_.notify_all();
    };
    auto e = CallbackEngine::start(std::move(o));
    ASSERT_TRUE(e) << e.error().message;
    engine_ = std::move(*e);
  }
  void TearDown() override {
    if (engine_) engine_->stop();
    if (HasFailure()) {
      std::cerr << "SIPp traces kept in " << dir_ << "\n";
      return;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove(dir_.parent_path(), ec);  // only once empty: the last passing test takes the run's folder
  }

  std::unique_ptr<Sipp> sipp(std::string name, const std::string& scenario, std::chrono::seconds limit = 30s,
                             Transport transport = Transport::udp) {
    auto s = std::make_unique<Sipp>(dir_, std::move(name), scenario, limit, transport);
    EXPECT_TRUE(s->running());
    return s;
  }

  static CallbackRequest request(std::vector<std::string> operators, std::string visitor) {
    CallbackRequest r;
    r.visitor_uri = std::move(visitor);
    r.plan.operator_uris = std::move(operators);
    r.plan.strategy = RingStrategy::in_turn;
    r.plan.rounds = 1;
    r.plan.round_pause = 0ms;
    r.plan.operator_ring_timeout = 5s;
    r.plan.visitor_ring_timeout = 10s;
    r.plan.reinvite_timeout = 5s;
    r.plan.max_talk = 60s;
    r.trunk.caller_uri = "sip:+74950000000@127.0.0.1";
    r.trunk.display_name = "Otklik Shop";
    return r;
  }

  /// The call once it is settled (ended, nothing awaited), or nullopt after `limit`.
  std::optional<Call> settled_call(std::uint64_t id, std::chrono::milliseconds limit = 15s) {
    std::unique_lock lock(mutex_);
    const bool done = cv_.wait_for(lock, limit, [&] {
      const auto it = calls_.find(id);
      return it != calls_.end() && settled(it->second);
    });
    if (!done) return std::nullopt;
    return calls_.at(id);
  }

  /// One call from the operator `op` ("op1") to the visitor `visitor` with the default plan: both SIPps play to
  /// the end (checked), then the settled call, or nullopt.
  std::optional<Call> call_between(Sipp& op, Sipp& visitor) {
    auto id = engine_->place(request({op.uri("op1")}, visitor.uri("+79001234567")));
    EXPECT_TRUE(id) << id.error().message;
    if (!id) return std::nullopt;
    expect_passed(op, "operator");
    expect_passed(visitor, "visitor");
    return settled_call(*id);
  }

  /// Checks that each SIPp finished its one call successfully, printing its errors if not.
  static void expect_passed(Sipp& s, std::string_view who, std::chrono::milliseconds limit = 15s) {
    const int rc = s.wait(limit);
    EXPECT_EQ(rc, 0) << who << " SIPp failed:\n" << s.errors();
  }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<CallbackEngine> engine_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Call> calls_;
};

std::string header(const std::string& msg, std::string_view name) {
  const auto pos = msg.find("\n" + std::string(name) + ":");
  if (pos == std::string::npos) return {};
  const auto start = msg.find_first_not_of(' ', pos + name.size() + 2);
  const auto end = msg.find_first_of("\r\n", start);
  return msg.substr(start, end - start);
}

/// The body of a traced message (after the blank line), "" when it has none.
std::string body_of(const std::string& msg) {
  const auto at = msg.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : msg.substr(at + 4);
}

/// The o= line of our SDP in a message ("o=otklik <session> <version> IN IP4 ..."), "" when none.
std::string our_origin(const std::string& msg) {
  const auto o = msg.find("o=otklik ");
  return o == std::string::npos ? std::string() : msg.substr(o, msg.find_first_of("\r\n", o) - o);
}

/// "o=otklik 123 4 IN IP4 127.0.0.1" -> {"123", 4}: the session id and the version.
std::pair<std::string, int> origin_parts(const std::string& o) {
  std::istringstream in(o.substr(o.find(' ') + 1));
  std::string session;
  int version = -1;
  in >> session >> version;
  return {session, version};
}

std::string md5_hex(const std::string& text) {
  su_md5_t ctx;
  su_md5_init(&ctx);
  su_md5_strupdate(&ctx, text.c_str());
  char hex[SU_MD5_DIGEST_SIZE * 2 + 1];
  su_md5_hexdigest(&ctx, hex);
  return hex;
}

/// One parameter of a digest header ("realm" -> trunk.test), quotes removed.
std::string digest_param(const std::string& h, const std::string& name) {
  auto pos = h.find(" " + name + "=");
  if (pos == std::string::npos) pos = h.find("," + name + "=");
  if (pos == std::string::npos) return {};
  pos += name.size() + 2;
  if (h[pos] == '"') return h.substr(pos + 1, h.find('"', pos + 1) - pos - 1);
  return h.substr(pos, h.find_first_of(", ", pos) - pos);
}

/// Whether an INVITE's Proxy-Authorization is the RFC 2617 (qop=auth) digest of `password`: what the trunk checks.
bool digest_matches(const std::string& invite, const std::string& password) {
  const std::string h = header(invite, "Proxy-Authorization");
  const auto p = [&](const char* n) { return digest_param(h, n); };
  const std::string ha1 = md5_hex(p("username") + ":" + p("realm") + ":" + password);
  const std::string ha2 = md5_hex("INVITE:" + p("uri"));
  const std::string expected =
      md5_hex(ha1 + ":" + p("nonce") + ":" + p("nc") + ":" + p("cnonce") + ":" + p("qop") + ":" + ha2);
  return !h.empty() && p("response") == expected;
}

// (a) The whole of Flow III, then the operator hangs up.
TEST_F(TelephonyTest, ConnectedCallBridgesTheOffersAndForwardsTheHangup) {
  auto op = sipp("operator", "op_answer_hangup.xml");
  auto visitor = sipp("visitor", "visitor_answer.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::operator_);
  EXPECT_GE(talk_time(*call), 900ms);
  EXPECT_LT(talk_time(*call), 5s);
  ASSERT_EQ(call->operator_legs.size(), 1u);
  EXPECT_EQ(call->operator_legs[0].outcome, LegOutcome::answered);
  EXPECT_EQ(call->operator_legs[0].final_code, 200);
  EXPECT_TRUE(call->operator_legs[0].first_provisional);
  EXPECT_EQ(call->visitor.outcome, LegOutcome::answered);
  EXPECT_EQ(call->visitor.final_code, 200);
  EXPECT_EQ(call->visitor.ended_by, Party::operator_);
  EXPECT_EQ(call->visitor.reason, (Reason{ReasonProtocol::q850, 16, "Normal call clearing"}));

  // Our INVITEs: no body, the site's caller ID in From (RFC 3725 §12.1).
  const auto op_invites = op->received("INVITE");
  ASSERT_EQ(op_invites.size(), 2u);  // the initial INVITE and the bridging re-INVITE
  EXPECT_NE(header(op_invites[0], "From").find("\"Otklik Shop\" <sip:+74950000000@127.0.0.1>"), std::string::npos)
      << op_invites[0];
  const auto v_invites = visitor->received("INVITE");
  ASSERT_EQ(v_invites.size(), 1u);
  EXPECT_EQ(header(v_invites[0], "Content-Length"), "0");
  // One SDP session per leg: the re-INVITE's o= line continues the hold answer's (same session id, version 2).
  const auto op_acks = op->received("ACK");
  ASSERT_EQ(op_acks.size(), 2u);
  const auto origin_of = [](const std::string& msg) {
    const auto o = msg.find("o=otklik ");
    return o == std::string::npos ? std::string() : msg.substr(o, msg.find_first_of("\r\n", o) - o);
  };
  const std::string hold_o = origin_of(op_acks[0]);
  const std::string re_o = origin_of(op_invites[1]);
  ASSERT_FALSE(hold_o.empty());
  ASSERT_FALSE(re_o.empty());
  EXPECT_EQ(hold_o.substr(0, hold_o.find(" 1 IN IP4")), re_o.substr(0, re_o.find(" 2 IN IP4")));
  EXPECT_EQ(header(op_acks[1], "Content-Length"), "0");  // the re-INVITE's ACK: the offer was in the re-INVITE
  // The visitor's BYE carries the operator's Reason.
  const auto v_byes = visitor->received("BYE");
  ASSERT_EQ(v_byes.size(), 1u);
  EXPECT_EQ(header(v_byes[0], "Reason"), "Q.850;cause=16;text=\"Normal call clearing\"");
}

// (b) In turn: the first operator does not answer within its 1 s, is CANCELled (no Reason: a plain missed call),
// and the next one answers.
TEST_F(TelephonyTest, NextOperatorAnswersAfterTheFirstRingsOut) {
  auto op0 = sipp("operator0", "op_ring_no_answer.xml");
  auto op1 = sipp("operator1", "op_answer_hangup.xml");
  auto visitor = sipp("visitor", "visitor_answer.xml");
  auto req = request({op0->uri("op0"), op1->uri("op1")}, visitor->uri("+79001234567"));
  req.plan.operator_ring_timeout = 1s;
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op0, "operator 0");
  expect_passed(*op1, "operator 1");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  ASSERT_EQ(call->operator_legs.size(), 2u);
  EXPECT_EQ(call->operator_legs[0].outcome, LegOutcome::no_answer);
  EXPECT_EQ(call->operator_legs[0].final_code, 487);
  EXPECT_EQ(call->operator_legs[0].ended_by, Party::system);
  EXPECT_EQ(call->operator_legs[1].outcome, LegOutcome::answered);
  EXPECT_EQ(call->winner, 1u);
  const auto rang = *call->operator_legs[0].ended - *call->operator_legs[0].invited;
  EXPECT_GE(rang, 1s);
  EXPECT_LT(rang, 3s);  // generous: the machine is shared
  const auto cancels = op0->received("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(header(cancels[0], "Reason"), "");
  EXPECT_GT(talk_time(*call), 900ms);
}

// The same over TCP (RFC 3261 18.1.1: a request over 1,300 bytes must go by TCP, so trunks offer it): both phones
// listen on TCP only, and every request reaches them over it.
TEST_F(TelephonyTest, ConnectedCallOverTcp) {
  start_engine(Transport::tcp);
  auto op = sipp("operator", "op_answer_hangup.xml", 30s, Transport::tcp);
  auto visitor = sipp("visitor", "visitor_answer.xml", 30s, Transport::tcp);
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_GT(talk_time(*call), 900ms);
  const auto invites = op->received("INVITE");
  ASSERT_EQ(invites.size(), 2u);  // the call and the bridge
  for (const auto& m : invites) EXPECT_TRUE(header(m, "Via").starts_with("SIP/2.0/TCP ")) << header(m, "Via");
  const auto visitor_invites = visitor->received("INVITE");
  ASSERT_EQ(visitor_invites.size(), 1u);
  EXPECT_TRUE(header(visitor_invites[0], "Via").starts_with("SIP/2.0/TCP ")) << header(visitor_invites[0], "Via");
}

// An operator's 2xx without a usable offer: ACKed, hung up with 488 as the Reason, the attempt recorded as failed
// with 488, and the next operator is rung.
TEST_F(TelephonyTest, OperatorAnswerWithoutAUsableOfferIsHungUpAndTheNextOneRung) {
  auto op0 = sipp("operator0", "op_answer_bad_offer.xml");
  auto op1 = sipp("operator1", "op_answer_hangup.xml");
  auto visitor = sipp("visitor", "visitor_answer.xml");
  auto id = engine_->place(request({op0->uri("op0"), op1->uri("op1")}, visitor->uri("+79001234567")));
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op0, "operator 0");
  expect_passed(*op1, "operator 1");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  ASSERT_EQ(call->operator_legs.size(), 2u);
  EXPECT_EQ(call->operator_legs[0].outcome, LegOutcome::failed);
  EXPECT_EQ(call->operator_legs[0].final_code, 488);
  EXPECT_EQ(call->operator_legs[1].outcome, LegOutcome::answered);
  EXPECT_EQ(call->winner, 1u);
  const auto byes = op0->received("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(header(byes[0], "Reason"), "SIP;cause=488;text=\"Not Acceptable Here\"");
}

// (c) The visitor is busy: the held operator is hung up with the visitor's code as the Reason.
TEST_F(TelephonyTest, BusyVisitorEndsTheCallWithItsCodeAsTheReason) {
  auto op = sipp("operator", "op_answer_wait_bye.xml");
  auto visitor = sipp("visitor", "busy_here.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::visitor_busy);
  EXPECT_EQ(call->ended_by, Party::visitor);
  EXPECT_EQ(call->visitor.final_code, 486);
  EXPECT_EQ(call->visitor.outcome, LegOutcome::busy);
  EXPECT_EQ(call->operator_legs[0].reason, (Reason{ReasonProtocol::sip, 486, "Busy Here"}));
  EXPECT_EQ(talk_time(*call), Millis::zero());
  const auto byes = op->received("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(header(byes[0], "Reason"), "SIP;cause=486;text=\"Busy Here\"");
}

// (d) The operator hangs up while the visitor rings: the visitor is CANCELled at once, with the operator's Reason.
TEST_F(TelephonyTest, OperatorHangingUpEarlyCancelsTheVisitor) {
  auto op = sipp("operator", "op_answer_early_hangup.xml");
  auto visitor = sipp("visitor", "visitor_ring_cancel.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::operator_hung_up_early);
  EXPECT_EQ(call->ended_by, Party::operator_);
  EXPECT_EQ(call->visitor.outcome, LegOutcome::cancelled);
  EXPECT_EQ(call->visitor.final_code, 487);  // the 487 came after the end: the call settled on it
  EXPECT_TRUE(call->visitor.first_provisional);
  EXPECT_EQ(call->visitor.ended, call->operator_legs[0].ended);  // the same transition: at once
  const Reason left{ReasonProtocol::q850, 31, "Operator left"};
  EXPECT_EQ(call->operator_legs[0].reason, left);
  const auto cancels = visitor->received("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(header(cancels[0], "Reason"), "Q.850;cause=31;text=\"Operator left\"");
}

// (e) The trunk challenges the visitor's INVITE; the engine answers with the configured credentials once.
TEST_F(TelephonyTest, TrunkChallengeIsAnsweredWithTheCredentials) {
  auto op = sipp("operator", "op_answer_hangup.xml");
  auto trunk = sipp("trunk", "trunk_auth_answer.xml");
  auto req = request({op->uri("op1")}, trunk->uri("+79001234567"));
  req.trunk.username = "otk";
  req.trunk.password = "s3cret";
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator");
  expect_passed(*trunk, "trunk");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->visitor.final_code, 200);
  const auto invites = trunk->received("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  EXPECT_EQ(header(invites[0], "Proxy-Authorization"), "");
  const std::string auth = header(invites[1], "Proxy-Authorization");
  EXPECT_EQ(digest_param(auth, "realm"), "trunk.test") << auth;
  EXPECT_EQ(digest_param(auth, "username"), "otk") << auth;
  EXPECT_EQ(digest_param(auth, "nonce"), "4f1c0de5a1b2") << auth;
  EXPECT_TRUE(digest_matches(invites[1], "s3cret")) << auth;
  EXPECT_FALSE(digest_matches(invites[1], "s3cret!"));
}

// (e) A wrong password: the second 407 ends the visitor leg as a failure instead of looping.
TEST_F(TelephonyTest, WrongTrunkPasswordFailsTheLegWithoutLooping) {
  auto op = sipp("operator", "op_answer_wait_bye.xml");
  auto trunk = sipp("trunk", "trunk_auth_reject.xml");
  auto req = request({op->uri("op1")}, trunk->uri("+79001234567"));
  req.trunk.username = "otk";
  req.trunk.password = "wrong";
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator");
  expect_passed(*trunk, "trunk");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::failed_technical);
  EXPECT_EQ(call->visitor.final_code, 407);
  EXPECT_EQ(call->visitor.outcome, LegOutcome::failed);
  const auto invites = trunk->received("INVITE");
  ASSERT_EQ(invites.size(), 2u);  // no third try with the same wrong password
  EXPECT_TRUE(digest_matches(invites[1], "wrong"));
  const auto byes = op->received("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(header(byes[0], "Reason").rfind("SIP;cause=407", 0), 0u) << header(byes[0], "Reason");
}

// (f) Glare: the operator answers the bridging re-INVITE 491; the engine retries after 3 s and the bridge completes.
TEST_F(TelephonyTest, ReinviteGlareIsRetriedOnce) {
  auto op = sipp("operator", "op_answer_glare.xml");
  auto visitor = sipp("visitor", "visitor_answer.xml");
  auto req = request({op->uri("op1")}, visitor->uri("+79001234567"));
  req.plan.reinvite_timeout = 10s;
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_TRUE(call->glare_retried);
  EXPECT_GT(talk_time(*call), 900ms);
  // The visitor waited for its ACK through the retry: talk starts >= 3 s after its 2xx.
  EXPECT_GE(*call->talk_started - *call->visitor.answered, kGlareRetryDelay);
  EXPECT_EQ(op->received("INVITE").size(), 3u);
}

// All at once: the first operator to answer wins; the other is CANCELled as "answered elsewhere" (RFC 3326).
TEST_F(TelephonyTest, AllAtOnceCancelsTheOthersAsCompletedElsewhere) {
  auto op0 = sipp("operator0", "op_ring_no_answer.xml");
  auto op1 = sipp("operator1", "op_answer_hangup.xml");
  auto visitor = sipp("visitor", "visitor_answer.xml");
  auto req = request({op0->uri("op0"), op1->uri("op1")}, visitor->uri("+79001234567"));
  req.plan.strategy = RingStrategy::all_at_once;
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op0, "operator 0");
  expect_passed(*op1, "operator 1");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  ASSERT_EQ(call->operator_legs.size(), 2u);
  EXPECT_EQ(call->operator_legs[0].outcome, LegOutcome::cancelled);
  EXPECT_EQ(call->operator_legs[0].final_code, 487);
  const auto cancels = op0->received("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(header(cancels[0], "Reason"), "SIP;cause=200;text=\"Call completed elsewhere\"");
}

// abort() during the talk hangs both parties up with Q.850 cause 41; the call still counts as connected.
TEST_F(TelephonyTest, AbortDuringTheTalkHangsUpBoth) {
  auto op = sipp("operator", "op_answer_bridged_wait_bye.xml");
  auto visitor = sipp("visitor", "visitor_answer.xml");
  auto id = engine_->place(request({op->uri("op1")}, visitor->uri("+79001234567")));
  ASSERT_TRUE(id) << id.error().message;
  {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(cv_.wait_for(lock, 10s, [&] { return calls_[*id].state == CallState::talking; }));
  }
  std::this_thread::sleep_for(300ms);
  engine_->abort(*id);
  expect_passed(*op, "operator");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::system);
  EXPECT_GE(talk_time(*call), 300ms);
  for (Sipp* s : {op.get(), visitor.get()}) {
    const auto byes = s->received("BYE");
    ASSERT_EQ(byes.size(), 1u);
    EXPECT_EQ(header(byes[0], "Reason"), "Q.850;cause=41;text=\"Temporary failure\"");
  }
}

// stop() with an operator still ringing: the INVITE is CANCELled before the stack goes down.
TEST_F(TelephonyTest, StopCancelsWhatStillRings) {
  auto op = sipp("operator", "op_ring_no_answer.xml");
  auto req = request({op->uri("op1")}, "sip:+79001234567@127.0.0.1:9");
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(cv_.wait_for(lock, 5s, [&] {
      const Call& c = calls_[*id];
      return !c.operator_legs.empty() && c.operator_legs[0].first_provisional.has_value();
    }));
  }
  engine_->stop();
  EXPECT_FALSE(engine_->place(req));  // a stopped engine takes no calls
  expect_passed(*op, "operator");
  std::lock_guard lock(mutex_);
  EXPECT_EQ(calls_[*id].status, CallStatus::failed_technical);
  const auto cancels = op->received("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(header(cancels[0], "Reason"), "Q.850;cause=41;text=\"Temporary failure\"");
}

// The trunk's outbound proxy receives the visitor's INVITE, addressed to the visitor; operators are not proxied.
TEST_F(TelephonyTest, VisitorInviteGoesThroughTheOutboundProxy) {
  auto op = sipp("operator", "op_answer_wait_bye.xml");
  auto proxy = sipp("proxy", "busy_here.xml");
  const std::string visitor_uri = "sip:+79001234567@127.0.0.1:9";  // nobody there: only the proxy can answer
  auto req = request({op->uri("op1")}, visitor_uri);
  req.trunk.outbound_proxy = "sip:127.0.0.1:" + std::to_string(proxy->port()) + ";transport=udp";
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator");
  expect_passed(*proxy, "proxy");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::visitor_busy);
  const auto invites = proxy->received("INVITE");
  ASSERT_EQ(invites.size(), 1u);
  EXPECT_EQ(invites[0].rfind("INVITE " + visitor_uri + " SIP/2.0", 0), 0u) << invites[0];
  EXPECT_EQ(op->received("INVITE").size(), 1u);
}

// place() refuses what new_call() refuses, and a From that would break the header.
TEST_F(TelephonyTest, PlaceValidatesTheRequest) {
  auto req = request({}, "sip:+79001234567@127.0.0.1:9");
  auto r = engine_->place(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_request);
  req = request({"sip:op@127.0.0.1:9"}, "sip:+79001234567@127.0.0.1:9");
  req.trunk.display_name = "Shop\r\nX-Evil: 1";
  EXPECT_FALSE(engine_->place(req));
  req = request({"sip:op@127.0.0.1:9"}, "");
  EXPECT_FALSE(engine_->place(req));
}

// The visitor does not answer within visitor_ring_timeout: CANCEL (no Reason), the operator hears 480.
TEST_F(TelephonyTest, VisitorRingTimeoutCancelsAndReleasesTheOperator) {
  auto op = sipp("operator", "op_answer_wait_bye.xml");
  auto visitor = sipp("visitor", "visitor_ring_cancel.xml");
  auto req = request({op->uri("op1")}, visitor->uri("+79001234567"));
  req.plan.visitor_ring_timeout = 1s;
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::visitor_no_answer);
  EXPECT_EQ(call->visitor.outcome, LegOutcome::no_answer);
  EXPECT_EQ(call->visitor.final_code, 487);
  const auto rang = *call->visitor.ended - *call->visitor.invited;
  EXPECT_GE(rang, 1s);
  EXPECT_LT(rang, 3s);  // generous: the machine is shared
  const auto cancels = visitor->received("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(header(cancels[0], "Reason"), "");
  const auto byes = op->received("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(header(byes[0], "Reason"), "SIP;cause=480;text=\"Temporarily Unavailable\"");
}

// Every operator busy: the visitor is never called.
TEST_F(TelephonyTest, BusyOperatorsEndTheCallBeforeTheVisitorIsRung) {
  auto op0 = sipp("operator0", "busy_here.xml");
  auto op1 = sipp("operator1", "busy_here.xml");
  auto req = request({op0->uri("op0"), op1->uri("op1")}, "sip:+79001234567@127.0.0.1:9");
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op0, "operator 0");
  expect_passed(*op1, "operator 1");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::operator_busy);
  ASSERT_EQ(call->operator_legs.size(), 2u);
  EXPECT_EQ(call->operator_legs[1].final_code, 486);
  EXPECT_EQ(call->visitor.state, LegState::idle);
}

// The operator refuses the bridging re-INVITE: the visitor's waiting 2xx is ACKed with a hold answer to its own
// offer, then both are hung up with Q.850 cause 41.
TEST_F(TelephonyTest, RefusedBridgeHoldsThenHangsUpBoth) {
  auto op = sipp("operator", "op_answer_reinvite_488.xml");
  auto visitor = sipp("visitor", "visitor_answer_held.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::failed_technical);
  EXPECT_FALSE(call->talk_started);
  const auto acks = visitor->received("ACK");
  ASSERT_EQ(acks.size(), 1u);
  const auto body = acks[0].substr(acks[0].find("\r\n\r\n") + 4);
  EXPECT_NE(body.find("c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=inactive\r\n"),
            std::string::npos)
      << body;
  for (Sipp* s : {op.get(), visitor.get()}) {
    const auto byes = s->received("BYE");
    ASSERT_EQ(byes.size(), 1u);
    EXPECT_EQ(header(byes[0], "Reason"), "Q.850;cause=41;text=\"Temporary failure\"");
  }
}

// Two callbacks at once, placed from two threads: each call keeps to its own legs.
TEST_F(TelephonyTest, TwoCallsAtOnceStayApart) {
  auto op_a = sipp("operatorA", "op_answer_hangup.xml");
  auto visitor_a = sipp("visitorA", "visitor_answer.xml");
  auto op_b = sipp("operatorB", "op_answer_wait_bye.xml");
  auto visitor_b = sipp("visitorB", "busy_here.xml");
  Result<std::uint64_t> a = fail(Errc::internal, "not placed"), b = fail(Errc::internal, "not placed");
  std::thread ta([&] { a = engine_->place(request({op_a->uri("a")}, visitor_a->uri("+79000000001"))); });
  std::thread tb([&] { b = engine_->place(request({op_b->uri("b")}, visitor_b->uri("+79000000002"))); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(*a, *b);
  for (auto [s, who] : {std::pair{op_a.get(), "operator A"}, {visitor_a.get(), "visitor A"},
                        {op_b.get(), "operator B"}, {visitor_b.get(), "visitor B"}}) {
    expect_passed(*s, who);
  }
  auto call_a = settled_call(*a);
  auto call_b = settled_call(*b);
  ASSERT_TRUE(call_a);
  ASSERT_TRUE(call_b);
  EXPECT_EQ(call_a->status, CallStatus::connected);
  EXPECT_EQ(call_b->status, CallStatus::visitor_busy);
}

/// The responses SIPp received with `code` to requests of `method` ("200", "INVITE"), in order.
std::vector<std::string> responses(const Sipp& s, std::string_view code, std::string_view method) {
  std::vector<std::string> out;
  for (auto& r : s.received("SIP/2.0")) {
    if (r.rfind("SIP/2.0 " + std::string(code) + " ", 0) == 0 &&
        header(r, "CSeq").ends_with(" " + std::string(method))) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

// The visitor puts the bridged call on hold: its re-INVITE's offer goes to the operator in a re-INVITE of ours,
// the operator's answer comes back in the 200, each under that leg's own o= line; the call goes on.
TEST_F(TelephonyTest, VisitorsHoldIsRelayedToTheOperatorAndItsAnswerBack) {
  auto op = sipp("operator", "op_answer_relay_hold.xml");
  auto visitor = sipp("visitor", "visitor_hold.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::visitor);  // its own BYE, after the hold: the hold did not end anything
  EXPECT_GE(talk_time(*call), 700ms);
  EXPECT_FALSE(call->relay);

  const auto op_invites = op->received("INVITE");
  ASSERT_EQ(op_invites.size(), 3u);  // the initial one, the bridge, the relayed hold
  const std::string relayed = body_of(op_invites[2]);
  EXPECT_NE(relayed.find("s=visitor-hold\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\n"
                         "a=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"),
            std::string::npos)
      << relayed;
  EXPECT_EQ(relayed.find("o=visitor"), std::string::npos) << "the visitor's origin must not leak";
  const auto [op_session, op_version] = origin_parts(our_origin(op_invites[2]));
  EXPECT_EQ(op_session, origin_parts(our_origin(op_invites[1])).first);
  EXPECT_EQ(op_version, 3);

  const auto oks = responses(*visitor, "200", "INVITE");
  ASSERT_EQ(oks.size(), 1u);
  const std::string answer = body_of(oks[0]);
  EXPECT_NE(answer.find("s=operator-hold-answer\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40004 RTP/AVP 0\r\n"
                        "a=rtpmap:0 PCMU/8000\r\na=recvonly\r\n"),
            std::string::npos)
      << answer;
  const auto v_acks = visitor->received("ACK");
  EXPECT_EQ(origin_parts(our_origin(oks[0])), std::make_pair(origin_parts(our_origin(v_acks.at(0))).first, 2));
  EXPECT_EQ(op->received("ACK").size(), 3u);  // hold, bridge, relay: the relay's 2xx was ACKed
  EXPECT_EQ(op->received("BYE").size(), 1u);
}

// The operator refuses the relayed hold with 488: the visitor's re-INVITE gets 488, and the call goes on until
// the visitor hangs up.
TEST_F(TelephonyTest, RefusedRelayIsPassedBackAndTheCallGoesOn) {
  auto op = sipp("operator", "op_answer_relay_488.xml");
  auto visitor = sipp("visitor", "visitor_hold_refused.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::visitor);
  EXPECT_GE(talk_time(*call), 700ms);
  EXPECT_EQ(responses(*visitor, "488", "INVITE").size(), 1u);
  EXPECT_EQ(responses(*visitor, "200", "INVITE").size(), 0u);
  EXPECT_EQ(op->received("INVITE").size(), 3u);
  const auto byes = op->received("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(header(byes[0], "Reason"), "") << "the visitor's own BYE, forwarded as it came";
}

// The operator never answers the relayed hold: after reinvite_timeout the visitor gets 500 with Retry-After, our
// re-INVITE is CANCELled (its 487 ACKed), and the call goes on.
TEST_F(TelephonyTest, SilentRelayIsCancelledAndThePhoneToldToRetry) {
  auto op = sipp("operator", "op_answer_relay_silent.xml");
  auto visitor = sipp("visitor", "visitor_hold_timeout.xml");
  auto req = request({op->uri("op1")}, visitor->uri("+79001234567"));
  req.plan.reinvite_timeout = 1s;
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator");
  expect_passed(*visitor, "visitor");
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::visitor);
  const auto refused = responses(*visitor, "500", "INVITE");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(header(refused[0], "Retry-After"), "5");
  const auto asked = visitor->times(true, "INVITE ");
  const auto told = visitor->times(false, "SIP/2.0 500");
  ASSERT_FALSE(asked.empty());
  ASSERT_EQ(told.size(), 1u);
  EXPECT_GE(told[0] - asked[0], 0.95);
  EXPECT_LT(told[0] - asked[0], 3.0);
  const auto cancels = op->received("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(header(cancels[0], "CSeq").substr(0, header(cancels[0], "CSeq").find(' ')),
            header(op->received("INVITE").at(2), "CSeq").substr(0, header(cancels[0], "CSeq").find(' ')))
      << "the CANCEL is the relayed re-INVITE's";
  EXPECT_EQ(op->received("ACK").size(), 3u);  // hold, bridge, the 487
}

// The visitor withdraws its hold (CANCEL) while we relay it, and the operator's 200 crosses our CANCEL of the
// relayed re-INVITE: the visitor gets 487, never a 200; the operator's 2xx is ACKed and a re-INVITE gives it the
// visitor's unchanged session back, so the two phones end in step; the call goes on.
TEST_F(TelephonyTest, WithdrawnHoldIsCancelledAndACrossingAnswerUndone) {
  auto op = sipp("operator", "op_answer_relay_crossing.xml");
  auto visitor = sipp("visitor", "visitor_hold_cancel.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::visitor);
  EXPECT_FALSE(call->relay);
  EXPECT_TRUE(responses(*visitor, "200", "INVITE").empty()) << "the withdrawn hold was never accepted";
  EXPECT_EQ(responses(*visitor, "487", "INVITE").size(), 1u);
  const auto op_invites = op->received("INVITE");
  ASSERT_EQ(op_invites.size(), 4u);  // the initial one, the bridge, the relayed hold, the restore
  const std::string restored = body_of(op_invites[3]);
  EXPECT_NE(restored.find("s=visitor-offer\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\n"
                          "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"),
            std::string::npos)
      << restored;
  EXPECT_EQ(origin_parts(our_origin(op_invites[3])).second, 4);
  EXPECT_EQ(op->received("CANCEL").size(), 1u);
  EXPECT_EQ(op->received("ACK").size(), 4u);  // hold, bridge, the crossing 2xx, the restore
}

// Offerless re-INVITEs from the visitor: each 200 offers what the visitor has from us (the operator's answer)
// under the next o= version; an answer that changes nothing stays with us, one that moves the visitor's RTP goes
// to the operator as a re-INVITE.
TEST_F(TelephonyTest, OfferlessReinviteGetsOurOfferAndOnlyAChangedAnswerIsForwarded) {
  auto op = sipp("operator", "op_answer_relay_forwarded.xml");
  auto visitor = sipp("visitor", "visitor_offerless.xml");
  auto call = call_between(*op, *visitor);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::visitor);

  const auto oks = responses(*visitor, "200", "INVITE");
  ASSERT_EQ(oks.size(), 2u);
  for (std::size_t i = 0; i < oks.size(); ++i) {
    EXPECT_EQ(header(oks[i], "Content-Type"), "application/sdp");
    EXPECT_NE(body_of(oks[i]).find("s=operator-answer\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n"),
              std::string::npos)
        << oks[i];
    EXPECT_EQ(origin_parts(our_origin(oks[i])).second, static_cast<int>(i) + 2);
  }
  const auto op_invites = op->received("INVITE");
  ASSERT_EQ(op_invites.size(), 3u) << "only the changed answer reaches the operator";
  EXPECT_NE(body_of(op_invites[2]).find("s=visitor-moved\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 50002 RTP/AVP 0\r\n"),
            std::string::npos)
      << op_invites[2];
}

// RFC 4028 session timers, refreshed by UPDATE without SDP (NUTAG_UPDATE_REFRESH). The operator's phone
// answers Session-Expires: 90;refresher=uac, so the engine (the UAC of every leg) must refresh its leg: an UPDATE
// without a body within the 90 s, about half-way. The visitor's phone answers refresher=uas and refreshes its leg
// itself with an UPDATE 30 s in, which must get 200; we must not refresh that leg ourselves. Both run in one call,
// about 50 s: the test has its own CTest entry (telephony_session_timer_siptest) to run beside the others.
TEST_F(TelephonyTest, SessionTimerRefreshesByUpdateBothWays) {
  auto op = sipp("operator", "op_answer_session_timer_uac.xml", 100s);
  auto visitor = sipp("visitor", "visitor_session_timer_uas.xml", 100s);
  auto req = request({op->uri("op1")}, visitor->uri("+79001234567"));
  req.plan.max_talk = 300s;
  auto id = engine_->place(req);
  ASSERT_TRUE(id) << id.error().message;
  expect_passed(*op, "operator", 90s);
  expect_passed(*visitor, "visitor", 15s);
  auto call = settled_call(*id);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, CallStatus::connected);
  EXPECT_EQ(call->ended_by, Party::operator_);  // its BYE after the refresh: the session never expired
  EXPECT_GE(talk_time(*call), 39s);

  const auto updates = op->received("UPDATE");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(header(updates[0], "Content-Length"), "0");
  EXPECT_EQ(header(updates[0], "Session-Expires"), "90;refresher=uac") << "the phone's interval, kept";
  EXPECT_EQ(op->received("INVITE").size(), 2u) << "refreshed by UPDATE, not by re-INVITE";
  // The refresh interval counts from the bridge's 200 (a re-INVITE refreshes too).
  const auto refreshed = op->times(false, "UPDATE ");
  ASSERT_EQ(refreshed.size(), 1u);
  double bridged = 0;  // the last 200 the phone sent before the UPDATE: the bridge's (or its retransmission)
  for (const double t : op->times(true, "SIP/2.0 200")) {
    if (t < refreshed[0]) bridged = t;
  }
  const double after = refreshed[0] - bridged;
  EXPECT_GE(after, 39.0);  // sofia picks 40..50 s for 90 (half, +-5 s)
  EXPECT_LE(after, 62.0);
  std::cerr << "the engine refreshed the operator's leg " << after << " s after the bridge\n";

  const auto oks = responses(*visitor, "200", "UPDATE");
  ASSERT_EQ(oks.size(), 1u);
  EXPECT_EQ(header(oks[0], "Session-Expires"), "90;refresher=uas") << oks[0];
  EXPECT_TRUE(visitor->received("UPDATE").empty()) << "the visitor refreshes its own leg";
  EXPECT_EQ(visitor->received("INVITE").size(), 1u);
}

/// The NUA adapter alone, on a loop the test steps itself.
class SofiaLoop : public SipEventSink {
 public:
  SofiaLoop() {
    su_init();
    root_ = su_root_create(nullptr);
  }
  ~SofiaLoop() override {
    if (control_) {
      bool down = false;
      control_->shutdown([&] { down = true; });
      step_until([&] { return down; }, 5s);
      control_.reset();
    }
    su_root_destroy(root_);
    su_deinit();
  }
  SofiaSipControl* start(const SofiaOptions& o) {
    auto made = SofiaSipControl::create(root_, o, *this);
    EXPECT_TRUE(made) << made.error().message;
    if (made) control_ = std::move(*made);
    return control_.get();
  }
  template <class Pred>
  bool step_until(Pred done, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      su_root_step(root_, 50);
    }
    return true;
  }
  void on_sip_event(const SipEvent& e) override { events.push_back(e); }

  std::vector<SipEvent> events;

 private:
  su_root_t* root_ = nullptr;
  std::unique_ptr<SofiaSipControl> control_;
};

// Nobody answers at all: the INVITE transaction times out (timer B) and the leg fails with 408.
TEST(SofiaSipControl, TransactionTimeoutIsReportedAs408) {
  // A UDP socket that takes the INVITE and its retransmissions and never answers.
  const int hole = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(hole, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(hole, reinterpret_cast<sockaddr*>(&a), &len);
  const int hole_port = ntohs(a.sin_port);

  SofiaLoop loop;
  auto* control = loop.start({.bind_url = "sip:127.0.0.1:" + std::to_string(free_udp_port()) + ";transport=udp",
                              .transaction_timeout_ms = 1000});
  ASSERT_NE(control, nullptr);
  auto leg = control->invite({.request_uri = "sip:+79001234567@127.0.0.1:" + std::to_string(hole_port),
                              .from_uri = "sip:+74950000000@127.0.0.1"});
  ASSERT_TRUE(leg) << leg.error().message;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(loop.step_until([&] { return !loop.events.empty(); }, 5s));
  const auto* failed = std::get_if<LegFailed>(&loop.events.front());
  ASSERT_NE(failed, nullptr) << "event " << loop.events.front().index();
  EXPECT_EQ(failed->leg, *leg);
  EXPECT_EQ(failed->code, 408);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  char buf[2048];
  const auto n = ::recv(hole, buf, sizeof buf, MSG_DONTWAIT);
  EXPECT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0).rfind("INVITE sip:+79001234567@127.0.0.1:", 0), 0u);
  control->release(*leg);
  ::close(hole);
}

}  // namespace
}  // namespace otk
