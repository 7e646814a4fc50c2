// The desk: who answers which chat, live. It keeps the routing state of this node (operators' presence and
// load, departments, queues, unanswered offers) on one strand, asks core/routing for every decision, records
// each decision in storage and tells the operators and the visitor after the commit.
//
// Events come from any thread (protocol handlers, the storage writer's after-commit callbacks) and are posted
// to the strand. The state is rebuilt from storage on start, so a restart loses no assignment or queue place.
// One node only: with several nodes this state moves to the shared bus (see docs/architecture.md).
#pragma once
#include <unordered_map>
#include <vector>

#include "api/services.hpp"
#include "app/ports/storage.hpp"
#include "core/hours/hours.hpp"
#include "core/routing/routing.hpp"

namespace otk {

struct DeskConfig {
  Millis first_response{25'000};     // an assigned operator's time to answer before the chat moves on
  Millis typical_chat{10 * 60'000};  // for the queue's wait estimate
  Millis tick{250};                  // how often deadlines are checked
};

class Desk {
 public:
  Desk(net::io_context& ioc, Services services, DeskConfig config);
  Desk(const Desk&) = delete;
  Desk& operator=(const Desk&) = delete;

  /// Takes the state from storage and starts the deadline timer. Once, before serving.
  void start(DeskSnapshot snapshot);
  /// The server's default first-response time ([desk]); immutable after construction: safe from any thread.
  [[nodiscard]] Millis first_response() const { return config_.first_response; }
  /// Settings changed (sites, hours, timers, operators, limits, departments, members, rules): takes them anew from
  /// `snapshot` (its open chats are ignored); presence, consoles, load, queues and open chats stay. Chats of an
  /// operator no longer there (disabled) or no longer on the chat's site, and waiting chats of a deleted
  /// department, go back to routing; queued chats are served if the change made room. Any thread.
  void refresh(DeskSnapshot snapshot);
  void stop();

  // ---- events; any thread ----
  /// A visitor's first message opened a conversation (after commit).
  /// `logged_in`: the visitor was identified with a valid hash (routing rules may ask for it).
  void chat_opened(const Conversation& c, const PageRef& page, bool logged_in = false);
  /// An operator answered the conversation for the first time (after commit); they now have it, unless they are
  /// a supervisor who joined it (`guest`): then it is answered and stays with its holder.
  void first_reply(ConversationId id, OperatorId by, bool guest = false);
  void chat_closed(ConversationId id);
  void console_opened(OperatorId op);
  void console_closed(OperatorId op);
  /// The operator chose a presence (already stored).
  void presence_chosen(OperatorId op, Presence p);
  /// A visitor (re)connected with an open conversation: tell them where it stands.
  void visitor_back(ConversationId id);
  /// A visitor opened the chat: tell them whether the team is working now, and if not, when it is back.
  void visitor_hello(SiteId site, VisitorId visitor);

  /// Hands the chat to one operator (who must serve the chat's site and be able to take it) or to one of the
  /// site's departments (its best operator, else its queue). Runs on the desk's strand; resumes the caller.
  /// `may_reassign` (supervisors, admins, owners): any chat; otherwise only one the giver holds or one waiting
  /// in the queue (`forbidden` for a colleague's chat).
  net::awaitable<Result<void>> transfer(ConversationId id, OperatorId by, OperatorId to_operator,
                                        DepartmentId to_department, bool may_reassign);
  /// Whether `by` may hand the chat over now (the role check of transfer, without moving anything).
  net::awaitable<Result<void>> may_transfer(ConversationId id, OperatorId by, bool may_reassign);

 private:
  struct Op {
    DeskOperator info;
    int consoles = 0;
    int active = 0;
    TimePoint last_assigned;
    [[nodiscard]] Presence effective() const { return consoles > 0 ? info.presence : Presence::away; }
  };
  struct Chat {
    DeskChat info;
    std::vector<OperatorId> tried;
    bool told_busy = false;
  };

  void load_setup(DeskSnapshot& snap);
  /// The site's own first-response time, else the default. On the strand.
  [[nodiscard]] Millis first_response_of(SiteId site) const;
  [[nodiscard]] std::vector<OperatorLoad> roster(DepartmentId department) const;
  [[nodiscard]] std::string operator_name(OperatorId op) const;
  [[nodiscard]] std::string department_name(DepartmentId d) const;
  net::awaitable<void> route_new(ConversationId id, PageRef page, bool logged_in);
  /// Schedule and rules of a site, from a snapshot (start and refresh).
  void put_site(DeskSite site);
  /// Offers each of these chats (now with nobody) to their department's best operator, else its queue.
  net::awaitable<void> reroute(std::vector<ConversationId> ids);
  net::awaitable<Result<void>> transfer_here(ConversationId id, OperatorId by, OperatorId to_operator,
                                             DepartmentId to_department, bool may_reassign);
  [[nodiscard]] Result<void> check_transfer(ConversationId id, OperatorId by, bool may_reassign) const;
  net::awaitable<Result<void>> check_here(ConversationId id, OperatorId by, bool may_reassign);
  /// Gives the chat to `op` (0: the queue), records it and tells everyone.
  net::awaitable<void> assign(ConversationId id, OperatorId op);
  /// Serves queued chats while anyone can take them; then refreshes the positions of those still waiting.
  net::awaitable<void> drain();
  net::awaitable<void> tick_loop();
  net::awaitable<void> check_deadlines();
  void tell_visitor(const Chat& chat);
  void release(OperatorId op);

  net::io_context& ioc_;
  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer timer_;
  Services s_;
  DeskConfig config_;
  bool stopped_ = false;
  std::unordered_map<OperatorId, Op> ops_;
  std::unordered_map<SiteId, DeskSite> sites_;
  struct Schedule {
    WorkingHours hours;
    const date::time_zone* zone = nullptr;
  };
  std::unordered_map<SiteId, Schedule> schedules_;
  std::unordered_map<DepartmentId, DeskDepartment> departments_;
  std::unordered_map<ConversationId, Chat> chats_;
  std::unordered_map<DepartmentId, WaitingLine> lines_;
};

}  // namespace otk
