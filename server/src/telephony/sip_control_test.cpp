#include "telephony/sip_control.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

TEST(MakeReason, ParsesSipAndQ850) {
  EXPECT_EQ(make_reason("SIP", "486", "\"Busy Here\""), (Reason{ReasonProtocol::sip, 486, "Busy Here"}));
  EXPECT_EQ(make_reason("q.850", "16", ""), (Reason{ReasonProtocol::q850, 16, ""}));
  EXPECT_EQ(make_reason("SIP", "200", "\"say \\\"hi\\\"\""), (Reason{ReasonProtocol::sip, 200, "say \"hi\""}));
}

TEST(MakeReason, RefusesOtherProtocolsAndBadCauses) {
  EXPECT_FALSE(make_reason("ISUP", "16", ""));
  EXPECT_FALSE(make_reason("SIP", "", ""));
  EXPECT_FALSE(make_reason("SIP", "48x", ""));
  EXPECT_FALSE(make_reason("SIP", "-1", ""));
}

TEST(MakeReason, BoundsAndCleansTheText) {
  auto r = make_reason("SIP", "480", std::string(1000, 'a') + "\x01");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, std::string(kMaxReasonText, 'a'));
  EXPECT_EQ(make_reason("SIP", "480", "a\x01" "b")->text, "ab");
}

TEST(FromHeader, QuotesTheDisplayName) {
  EXPECT_EQ(from_header("", "sip:+7495@pbx"), "<sip:+7495@pbx>");
  EXPECT_EQ(from_header("Shop \"Kedr\"", "sip:+7495@pbx"), "\"Shop \\\"Kedr\\\"\" <sip:+7495@pbx>");
  EXPECT_FALSE(from_header("x", ""));
  EXPECT_FALSE(from_header("x", "sip:a@b>, <sip:c@d"));
  EXPECT_FALSE(from_header("a\r\nVia: x", "sip:a@b"));
}

}  // namespace
}  // namespace otk
