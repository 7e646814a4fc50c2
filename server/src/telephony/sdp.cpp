#include "telephony/sdp.hpp"

#include <charconv>

namespace otk::sdp {
namespace {

constexpr std::size_t kMaxLines = 512;

std::unexpected<Error> malformed(std::string what) { return fail(Errc::bad_request, "SDP: " + std::move(what)); }

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    const auto end = s.find(' ');
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return out;
}

/// "audio 49170 RTP/AVP 0 8" -> Media. A port range ("49170/2") is not something phones offer; refuse it.
Result<Media> parse_media_line(std::string_view value) {
  const auto words = split_words(value);
  if (words.size() < 4) return malformed("m= line needs media, port, proto and formats: " + std::string(value));
  Media m;
  m.media = words[0];
  const auto port = words[1];
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), m.port);
  if (ec != std::errc{} || end != port.data() + port.size() || m.port < 0 || m.port > 65535) {
    return malformed("bad m= port: " + std::string(port));
  }
  m.proto = words[2];
  for (std::size_t i = 3; i < words.size(); ++i) m.formats.emplace_back(words[i]);
  return m;
}

bool printable(std::string_view line) {
  for (char ch : line) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 && ch != '\t') return false;  // a stray CR or NUL would let a body smuggle lines
  }
  return true;
}

std::string crlf_join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += "\r\n";
  }
  return out;
}

}  // namespace

Result<Body> parse(std::string_view body) {
  if (body.size() > kMaxBodyBytes) return fail(Errc::too_large, "SDP body over 16 KiB");
  Body b;
  int origins = 0;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // a trailing blank line is common and harmless
    if (b.lines.size() >= kMaxLines) return malformed("too many lines");
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' || !printable(line)) {
      return malformed("bad line: " + std::string(line.substr(0, 40)));
    }
    if (b.lines.empty() && line != "v=0") return malformed("must begin with v=0");
    const auto value = line.substr(2);
    if (line[0] == 'o') {
      if (!b.media.empty() || ++origins > 1) return malformed("o= must appear once, before the media");
      if (split_words(value).size() != 6) return malformed("o= needs six fields");
    } else if (line[0] == 'm') {
      auto m = parse_media_line(value);
      if (!m) return std::unexpected(m.error());
      b.media.push_back(std::move(*m));
    } else if (line[0] == 'a' && !b.media.empty() && (value.starts_with("rtpmap:") || value.starts_with("fmtp:"))) {
      b.media.back().rtpmaps.emplace_back(value);
    }
    b.lines.emplace_back(line);
  }
  if (b.lines.empty()) return malformed("empty body");
  if (origins == 0) return malformed("no o= line");
  if (b.media.empty()) return malformed("no m= line");
  return b;
}

std::string Origin::next() {
  ++version_;
  return "otklik " + std::to_string(session_id_) + " " + std::to_string(version_) + " IN IP4 " + address_;
}

Result<std::string> hold_answer(std::string_view offer, Origin& origin) {
  auto parsed = parse(offer);
  if (!parsed) return std::unexpected(parsed.error());
  std::vector<std::string> out = {"v=0", "o=" + origin.next(), "s=-", "c=IN IP4 0.0.0.0", "t=0 0"};
  for (const auto& m : parsed->media) {
    std::string line = "m=" + m.media + " " + std::to_string(m.port) + " " + m.proto;
    for (const auto& f : m.formats) line += " " + f;
    out.push_back(std::move(line));
    for (const auto& a : m.rtpmaps) out.push_back("a=" + a);
    out.emplace_back("a=inactive");
  }
  return crlf_join(out);
}

bool same_session(std::string_view a, std::string_view b) {
  auto pa = parse(a);
  auto pb = parse(b);
  if (!pa || !pb || pa->lines.size() != pb->lines.size()) return false;
  for (std::size_t i = 0; i < pa->lines.size(); ++i) {
    if (pa->lines[i].starts_with("o=") && pb->lines[i].starts_with("o=")) continue;
    if (pa->lines[i] != pb->lines[i]) return false;
  }
  return true;
}

Result<std::string> restamp(std::string_view body, Origin& origin) {
  auto parsed = parse(body);
  if (!parsed) return std::unexpected(parsed.error());
  for (auto& line : parsed->lines) {
    if (line.starts_with("o=")) line = "o=" + origin.next();
  }
  return crlf_join(parsed->lines);
}

}  // namespace otk::sdp
