#include "telephony/sdp.hpp"

#include <gtest/gtest.h>

namespace otk::sdp {
namespace {

// A typical phone offer, with bare LF line ends (some stacks send them) and a trailing blank line.
const std::string kOffer =
    "v=0\n"
    "o=- 3344 3344 IN IP4 192.0.2.10\n"
    "s=call\n"
    "c=IN IP4 192.0.2.10\n"
    "t=0 0\n"
    "m=audio 40000 RTP/AVP 0 8 101\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-16\n"
    "a=sendrecv\n"
    "m=video 0 RTP/AVP 96\n"
    "a=rtpmap:96 H264/90000\n"
    "\n";

TEST(Sdp, ParsesMediaSectionsAndTheirFormats) {
  auto b = parse(kOffer);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->media.size(), 2u);
  EXPECT_EQ(b->media[0].media, "audio");
  EXPECT_EQ(b->media[0].port, 40000);
  EXPECT_EQ(b->media[0].proto, "RTP/AVP");
  EXPECT_EQ(b->media[0].formats, (std::vector<std::string>{"0", "8", "101"}));
  EXPECT_EQ(b->media[0].rtpmaps.size(), 4u);
  EXPECT_EQ(b->media[1].port, 0);
  EXPECT_EQ(b->lines.size(), 13u);
}

TEST(Sdp, HoldAnswerIsABlackHoleWithTheSameMediaLines) {
  Origin origin(77, "198.51.100.1");
  auto a = hold_answer(kOffer, origin);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a,
            "v=0\r\n"
            "o=otklik 77 1 IN IP4 198.51.100.1\r\n"
            "s=-\r\n"
            "c=IN IP4 0.0.0.0\r\n"
            "t=0 0\r\n"
            "m=audio 40000 RTP/AVP 0 8 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-16\r\n"
            "a=inactive\r\n"
            "m=video 0 RTP/AVP 96\r\n"
            "a=rtpmap:96 H264/90000\r\n"
            "a=inactive\r\n");
}

TEST(Sdp, EveryBodyWeSendOnALegBumpsItsVersion) {
  Origin origin(5, "127.0.0.1");
  ASSERT_TRUE(hold_answer(kOffer, origin));
  auto second = restamp(kOffer, origin);
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("\r\no=otklik 5 2 IN IP4 127.0.0.1\r\n"), std::string::npos) << *second;
  EXPECT_EQ(origin.version(), 2u);
  auto third = restamp(kOffer, origin);
  ASSERT_TRUE(third);
  EXPECT_NE(third->find("o=otklik 5 3 "), std::string::npos);
}

TEST(Sdp, RestampKeepsEverythingButTheOrigin) {
  Origin origin(9, "127.0.0.1");
  auto out = restamp(kOffer, origin);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->find("3344"), std::string::npos);
  EXPECT_NE(out->find("c=IN IP4 192.0.2.10\r\n"), std::string::npos);
  EXPECT_NE(out->find("m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"), std::string::npos);
  EXPECT_NE(out->find("a=sendrecv\r\n"), std::string::npos);
  EXPECT_EQ(out->find("\n\n"), std::string::npos);
  EXPECT_TRUE(out->ends_with("a=rtpmap:96 H264/90000\r\n"));
  // Only CRLF line ends: every LF follows a CR.
  for (std::size_t i = 0; i < out->size(); ++i) {
    if ((*out)[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ((*out)[i - 1], '\r');
    }
  }
}

TEST(Sdp, RefusesWhatWeCannotAnswer) {
  Origin origin(1, "127.0.0.1");
  const auto refused = [&](const std::string& body, Errc code) {
    auto r = hold_answer(body, origin);
    return !r && r.error().code == code;
  };
  EXPECT_TRUE(refused("", Errc::bad_request));
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n", Errc::bad_request));  // no media
  EXPECT_TRUE(refused("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\nm=audio 1 RTP/AVP 0\r\n", Errc::bad_request));
  EXPECT_TRUE(refused("v=0\r\nm=audio 1 RTP/AVP 0\r\n", Errc::bad_request));                    // no o=
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n", Errc::bad_request));
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 70000 RTP/AVP 0\r\n", Errc::bad_request));
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP\r\n", Errc::bad_request));   // no formats
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 h\r\nbogus\r\nm=audio 1 RTP/AVP 0\r\n", Errc::bad_request));
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 h\r\ns=a\rb\r\nm=audio 1 RTP/AVP 0\r\n", Errc::bad_request));
  EXPECT_TRUE(refused("v=0\r\no=- 1 1\r\nm=audio 1 RTP/AVP 0\r\n", Errc::bad_request));          // short o=
  EXPECT_TRUE(refused("v=0\r\no=- 1 1 IN IP4 h\r\no=- 2 2 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n",
                      Errc::bad_request));
  std::string big = "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n";
  while (big.size() <= kMaxBodyBytes) big += "a=x-padding:0123456789012345678901234567890123456789\r\n";
  EXPECT_TRUE(refused(big, Errc::too_large));
  EXPECT_EQ(origin.version(), 0u);  // nothing was sent, so nothing was counted
}

TEST(Sdp, AcceptsABodyAtTheSizeLimit) {
  std::string body = "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n";
  const std::string head = "a=x-pad:";
  body += head + std::string(kMaxBodyBytes - body.size() - head.size() - 2, 'y') + "\r\n";
  ASSERT_EQ(body.size(), kMaxBodyBytes);
  EXPECT_TRUE(parse(body));
  EXPECT_FALSE(parse(body + "\n"));
}

TEST(Sdp, SameSessionIgnoresOnlyTheOriginAndLineEnds) {
  const std::string a = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 5 RTP/AVP 0\r\na=sendrecv\r\n";
  EXPECT_TRUE(same_session(a, a));
  EXPECT_TRUE(same_session(a, "v=0\no=otklik 9 7 IN IP4 x\ns=-\nc=IN IP4 h\nt=0 0\nm=audio 5 RTP/AVP 0\na=sendrecv\n"));
  EXPECT_FALSE(same_session(a, "v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 5 RTP/AVP 0\r\n"
                               "a=sendonly\r\n"));                                   // hold
  EXPECT_FALSE(same_session(a, "v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 6 RTP/AVP 0\r\n"
                               "a=sendrecv\r\n"));                                   // a new port
  EXPECT_FALSE(same_session(a, "v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 5 RTP/AVP 0\r\n"));
  EXPECT_FALSE(same_session(a, ""));
  EXPECT_FALSE(same_session("", ""));  // nothing to compare: a caller must not take it for "unchanged"
}

}  // namespace
}  // namespace otk::sdp
