#include "api/bot.hpp"

#include <spdlog/spdlog.h>

#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "api/desk.hpp"
#include "core/hours/hours.hpp"
#include "net/ws_connection.hpp"

namespace otk {

net::awaitable<Result<std::shared_ptr<const FaqBot::SiteSetup>>> FaqBot::setup(const Site& site) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(site.id.value); it != cache_.end()) co_return it->second;
  }
  struct Stored {
    std::optional<std::string> settings;
    std::vector<KbEntry> entries;
  };
  const SiteId id = site.id;
  auto load = [id](Storage& st) -> Result<Stored> {
    auto settings = st.engage_settings(id);
    if (!settings) return std::unexpected(settings.error());
    auto entries = st.kb_entries(id);
    if (!entries) return std::unexpected(entries.error());
    return Stored{std::move(*settings), std::move(*entries)};
  };
  auto stored = co_await db_read<Stored>(s_.db, load);
  if (!stored) co_return std::unexpected(stored.error());
  auto out = std::make_shared<SiteSetup>();
  out->settings = default_engage_settings(site.language);
  if (stored->settings) {
    auto parsed = engage_settings_from_json(*stored->settings, site.language);
    // Stored documents were validated on the way in; one that no longer passes (a stricter release) keeps the
    // site quiet rather than half-configured.
    if (parsed) out->settings = std::move(*parsed);
    else spdlog::error("site {}: stored engagement settings are invalid: {}", site.key, parsed.error().message);
  }
  out->index = KnowledgeIndex::build(stored->entries);
  for (const auto& e : stored->entries) out->answers.emplace(e.id, e.answer);
  std::shared_ptr<const SiteSetup> shared = std::move(out);
  std::lock_guard lock(mu_);
  cache_[site.id.value] = shared;
  co_return shared;
}

void FaqBot::invalidate(SiteId site) {
  std::lock_guard lock(mu_);
  cache_.erase(site.value);
}

std::string FaqBot::bot_name(const Site& site, const SiteSetup* setup) const {
  if (setup && !setup->settings.bot.name.empty()) return setup->settings.bot.name;
  return default_bot_name(site.language);
}

std::string FaqBot::handoff_text(const Site& site, HandoffReason reason) const {
  auto hours = hours_from_json(site.hours);
  auto zone = find_zone(site.timezone);
  const auto now = s_.clock.now();
  if (hours && zone && !is_open(*hours, **zone, now)) {
    const auto back = next_open(*hours, **zone, now);
    return bot_offline_text(site.language, back ? format_back_at(*back, now, **zone, site.language) : "");
  }
  return bot_handoff_text(site.language, reason);
}

net::awaitable<void> FaqBot::answer(const Site& site, const Conversation& conv, const Message& in,
                                    std::optional<PageRef> page) {
  auto ready = co_await setup(site);
  if (!ready) {
    spdlog::error("bot: cannot load site {}: {}", site.key, ready.error().message);
    co_return;
  }
  const SiteSetup& bot = **ready;
  const std::string tag = std::to_string(in.id.value);
  std::vector<Line> lines;
  // The first thing the bot says in a conversation is that it is a bot (and how to reach a person).
  if (in.seq == 1) lines.push_back(Line{"intro", bot_intro_text(site.language, bot_name(site, &bot)), 0});
  const BotTurn turn = bot_turn(bot.index, in.text, bot.settings.bot.threshold);
  std::optional<HandoffReason> handoff;
  if (turn.answer) {
    auto text = bot.answers.find(*turn.answer);
    if (text != bot.answers.end()) lines.push_back(Line{"answer-" + tag, text->second, *turn.answer});
    else handoff = HandoffReason::low_confidence;  // the entry was deleted under us
  } else {
    handoff = turn.handoff.value_or(HandoffReason::low_confidence);
  }
  auto said = co_await say(site, conv.id, std::move(lines), handoff, std::move(page));
  if (!said) spdlog::error("bot: could not answer in conversation {}: {}", conv.id.value, said.error().message);
}

net::awaitable<Result<bool>> FaqBot::handoff(const Site& site, ConversationId conv, HandoffReason reason,
                                             std::optional<PageRef> page) {
  std::vector<Line> none;
  co_return co_await say(site, conv, std::move(none), reason, std::move(page));
}

net::awaitable<void> FaqBot::feedback(WsConnection& conn, const Site& site, const Visitor& visitor,
                                      const proto::BotFeedback& f, std::optional<PageRef> page) {
  const Visitor v = visitor;
  const MessageId message = f.message;
  const bool helpful = f.helpful;
  Hub& hub = s_.hub;
  auto store = [v, message, helpful](Storage& st) { return st.set_bot_feedback(v, message, helpful); };
  // Operators see the mark under the answer: the message again, with its mark.
  auto publish = [&hub](const BotFeedbackSaved& saved) {
    if (saved.changed) hub.to_site_operators(saved.conversation.site, share(proto::message_frame(saved.message)));
  };
  auto saved = co_await db_write<BotFeedbackSaved>(s_.db, store, publish);
  if (!saved) co_return conn.send(error_frame_counted(s_.metrics, saved.error(), "bot_feedback"));
  conn.send(proto::bot_feedback_saved_frame(message, helpful));
  if (!saved->changed || helpful || saved->conversation.bot_state != "active") co_return;
  if (handoff_after_feedback(saved->not_helpful)) {
    auto done = co_await handoff(site, saved->conversation.id, HandoffReason::not_helpful, std::move(page));
    if (!done) spdlog::error("bot: hand-off failed: {}", done.error().message);
    co_return;
  }
  std::vector<Line> lines{Line{"not-helpful-" + std::to_string(message.value), bot_not_helpful_text(site.language), 0}};
  auto said = co_await say(site, saved->conversation.id, std::move(lines), std::nullopt, std::move(page));
  if (!said) spdlog::error("bot: could not reply to feedback: {}", said.error().message);
}

net::awaitable<Result<bool>> FaqBot::say(const Site& site, ConversationId conv, std::vector<Line> lines,
                                         std::optional<HandoffReason> handoff, std::optional<PageRef> page) {
  auto ready = co_await setup(site);
  const std::string name = bot_name(site, ready ? ready->get() : nullptr);
  if (handoff) lines.push_back(Line{"handoff", handoff_text(site, *handoff), 0});
  const auto now = s_.clock.now();
  struct Said {
    std::vector<Appended> appended;
    bool handed_off = false;
  };
  const std::string reason = handoff ? std::string(handoff_reason_name(*handoff)) : std::string();
  auto write = [conv, lines, name, now, reason](Storage& st) -> Result<Said> {
    Said out;
    if (!reason.empty()) {
      auto moved = st.set_bot_state(conv, "handed_off", reason);
      if (!moved) return std::unexpected(moved.error());
      if (!*moved) return out;  // someone (the visitor, an operator) was quicker: nothing more to say
      out.handed_off = true;
    }
    for (const auto& line : lines) {
      // Client ids are per conversation and derived from what the bot answers, so a retry stores nothing twice.
      auto a = st.append_bot_message(conv, name, NewMessage{line.client_id, line.text, now}, line.entry);
      if (!a) return std::unexpected(a.error());
      if (auto events = emit_message_events(st, *a); !events) return std::unexpected(events.error());
      out.appended.push_back(std::move(*a));
    }
    return out;
  };
  Hub& hub = s_.hub;
  Desk* desk = s_.desk;
  auto publish = [&hub, desk, page](const Said& said) {
    for (const auto& a : said.appended) {
      if (!a.duplicate) hub.to_conversation(a.conversation.site, a.conversation.visitor, share(proto::message_frame(a.message)));
    }
    if (said.handed_off && !said.appended.empty()) {
      const Conversation& c = said.appended.back().conversation;
      hub.to_conversation(c.site, c.visitor, share(proto::bot_frame(c.id, false)));
      if (desk) desk->chat_opened(c, page.value_or(PageRef{}));
    }
  };
  auto said = co_await db_write<Said>(s_.db, write, publish);
  if (!said) co_return std::unexpected(said.error());
  co_return said->handed_off || !said->appended.empty();
}

}  // namespace otk
