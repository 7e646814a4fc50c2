// Just enough SDP (RFC 4566) for RFC 3725 third-party call control: we never negotiate media ourselves, we only
// (1) answer an offer with a "black hole" hold answer, and (2) pass one party's body to the other under our own
// o= line. Pure: no I/O.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace otk::sdp {

/// Bodies larger than this are refused: no real offer comes near it, and it bounds what a peer can make us copy.
inline constexpr std::size_t kMaxBodyBytes = 16 * 1024;

/// One m= section: its m= line and the attribute lines an answer must echo for its formats.
struct Media {
  std::string media;  // "audio"
  int port = 0;       // 0: a rejected stream, kept as 0 in the answer
  std::string proto;  // "RTP/AVP"
  std::vector<std::string> formats;
  std::vector<std::string> rtpmaps;  // "a=rtpmap:..." / "a=fmtp:..." lines, verbatim without "a="
};

/// A parsed body: the lines in order (without line ends) and its media sections.
struct Body {
  std::vector<std::string> lines;
  std::vector<Media> media;
};

/// Parses a body: v=0 first, "x=value" lines (CRLF or bare LF), exactly one o= line, at least one well-formed m=
/// line. Error: too_large over kMaxBodyBytes, bad_request when malformed (the message names the line).
[[nodiscard]] Result<Body> parse(std::string_view body);

/// Our side of one leg in the SDP sense (RFC 3264 §8): one origin per leg, its version bumped for every body we
/// send on that leg, so the far end always sees one session whose version grows.
class Origin {
 public:
  /// `session_id` must be unique per leg (the adapter uses its leg key); `address` is our IPv4 address.
  Origin(std::uint64_t session_id, std::string address) : session_id_(session_id), address_(std::move(address)) {}

  /// The next o= line value: "otklik <session id> <version> IN IP4 <address>", with the version incremented.
  [[nodiscard]] std::string next();
  [[nodiscard]] std::uint64_t version() const { return version_; }

 private:
  std::uint64_t session_id_;
  std::uint64_t version_ = 0;
  std::string address_;
};

/// The RFC 3725 §4.1 hold ("black hole") answer to `offer`: our o= line, c=IN IP4 0.0.0.0, the same media lines
/// in the same order with their ports and formats, their rtpmap/fmtp lines, and a=inactive on each. Never a body
/// without m= lines (some phones answer 488 to one). CRLF line ends.
[[nodiscard]] Result<std::string> hold_answer(std::string_view offer, Origin& origin);

/// Whether two bodies describe the same session but for their o= lines (line by line, line ends aside): a
/// phone's re-INVITE or ACK that changes nothing needs no round through the other leg. False when either does
/// not parse.
[[nodiscard]] bool same_session(std::string_view a, std::string_view b);

/// `body` with its o= line replaced by ours (the next version), otherwise unchanged, CRLF line ends. Used to pass
/// the visitor's offer to the operator and the operator's answer to the visitor, each leg seeing one origin.
[[nodiscard]] Result<std::string> restamp(std::string_view body, Origin& origin);

}  // namespace otk::sdp
