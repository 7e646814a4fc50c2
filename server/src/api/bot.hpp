// The FAQ bot at work (docs/engagement.md): answers a visitor's messages from the site's knowledge base while a
// conversation is its own, and hands the conversation to the desk when the visitor asks, when it is not sure,
// or after two answers that did not help. Decisions are core/bot's; this class keeps each site's index, writes
// the bot's messages and state in one transaction per turn, and tells the visitor, the operators and the desk.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "api/services.hpp"
#include "core/bot/bot.hpp"
#include "core/engage/engage.hpp"
#include "proto/frames.hpp"

namespace otk {

class WsConnection;

class FaqBot {
 public:
  explicit FaqBot(Services services) : s_(services) {}

  /// A site's engagement set-up with its bot's index, loaded once and kept until invalidate().
  struct SiteSetup {
    EngageSettings settings;
    KnowledgeIndex index;
    std::unordered_map<std::int64_t, std::string> answers;  // entry id -> answer text
    [[nodiscard]] bool bot_on() const { return settings.bot.enabled && index.size() > 0; }
  };
  net::awaitable<Result<std::shared_ptr<const SiteSetup>>> setup(const Site& site);
  /// After the settings or the knowledge base of a site changed.
  void invalidate(SiteId site);

  /// A visitor message was stored in a conversation the bot answers: answer it, or hand off.
  net::awaitable<void> answer(const Site& site, const Conversation& conv, const Message& in, std::optional<PageRef> page);
  /// Hands a conversation of the bot to people: says so (or when the team is back), records why, tells the
  /// widget and the console, and gives the chat to the desk. False when the bot had no part in it any more.
  net::awaitable<Result<bool>> handoff(const Site& site, ConversationId conv, HandoffReason reason,
                                       std::optional<PageRef> page);
  /// The visitor's "did this help?": stored and confirmed; a second "no" in a conversation hands it off.
  net::awaitable<void> feedback(WsConnection& conn, const Site& site, const Visitor& visitor,
                                const proto::BotFeedback& f, std::optional<PageRef> page);

 private:
  struct Line {
    std::string client_id;
    std::string text;
    std::int64_t entry = 0;
  };
  /// Appends the lines (and, with a reason, moves the conversation to handed_off) in one transaction and
  /// publishes them. Handing off when the bot no longer has the conversation writes nothing.
  net::awaitable<Result<bool>> say(const Site& site, ConversationId conv, std::vector<Line> lines,
                                   std::optional<HandoffReason> handoff, std::optional<PageRef> page);
  std::string handoff_text(const Site& site, HandoffReason reason) const;
  std::string bot_name(const Site& site, const SiteSetup* setup) const;

  Services s_;
  std::mutex mu_;
  std::unordered_map<std::int64_t, std::shared_ptr<const SiteSetup>> cache_;  // by site id
};

}  // namespace otk
