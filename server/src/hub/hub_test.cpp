#include "hub/hub.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

struct Recorder : Subscriber {
  std::vector<std::string> got;
  std::uint16_t closed = 0;
  void deliver(SharedText f) override { got.push_back(*f); }
  void close(std::uint16_t code, std::string) override { closed = code; }
};

TEST(Hub, ConversationReachesVisitorTabsAndSiteOperatorsOnly) {
  Hub hub;
  auto tab1 = std::make_shared<Recorder>(), tab2 = std::make_shared<Recorder>(), other = std::make_shared<Recorder>();
  auto op_a = std::make_shared<Recorder>(), op_b = std::make_shared<Recorder>();
  hub.add_visitor(VisitorId{1}, tab1);
  hub.add_visitor(VisitorId{1}, tab2);
  hub.add_visitor(VisitorId{2}, other);
  hub.add_operator(OperatorId{10}, {SiteId{100}}, "s1", op_a);
  hub.add_operator(OperatorId{20}, {SiteId{200}}, "s2", op_b);
  hub.to_conversation(SiteId{100}, VisitorId{1}, share("m"), tab1.get());
  EXPECT_TRUE(tab1->got.empty());  // the sender is skipped when asked
  EXPECT_EQ(tab2->got.size(), 1u);
  EXPECT_EQ(op_a->got.size(), 1u);
  EXPECT_TRUE(other->got.empty());
  EXPECT_TRUE(op_b->got.empty());
}

TEST(Hub, RemovedAndDestroyedSubscribersGetNothing) {
  Hub hub;
  auto op = std::make_shared<Recorder>();
  hub.add_operator(OperatorId{10}, {SiteId{100}, SiteId{101}}, "s1", op);
  hub.remove_operator(OperatorId{10}, {SiteId{100}, SiteId{101}}, op.get());
  hub.to_site_operators(SiteId{100}, share("m"));
  EXPECT_TRUE(op->got.empty());
  {
    auto gone = std::make_shared<Recorder>();
    hub.add_visitor(VisitorId{1}, gone);
  }
  hub.to_visitor(VisitorId{1}, share("m"));  // a dead weak_ptr is skipped, not dereferenced
}

TEST(Hub, CloseSessionClosesOnlyThatSessionsConnections) {
  Hub hub;
  auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>();
  hub.add_operator(OperatorId{10}, {SiteId{1}}, "session-a", a);
  hub.add_operator(OperatorId{10}, {SiteId{1}}, "session-b", b);
  hub.close_session("session-a", 4001, "logged out");
  EXPECT_EQ(a->closed, 4001);
  EXPECT_EQ(b->closed, 0);
  hub.close_all(1001, "bye");
  EXPECT_EQ(b->closed, 1001);
}

}  // namespace
}  // namespace otk
