#include <optional>

#include <sodium.h>

#include "api/bot.hpp"
#include "api/callbacks.hpp"
#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "api/desk.hpp"
#include "api/endpoints.hpp"
#include "core/chat/text.hpp"
#include "core/chat/rate_limit.hpp"
#include "phone/phone.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

// How a site's visitors write their own numbers without the country code. Sites have a language, not yet a
// country: a Russian-speaking site reads "8 916 ..." as Russian; elsewhere a number needs its "+".
std::string_view dialing_region(const Site& site) { return site.language == "ru" ? "RU" : ""; }

// A lead's phone in E.164 when it parses as a real number ("8 (916) 123-45-67" -> "+79161234567"). Without a
// dialing region, a number with no "+" is kept as typed (digits only): the operator can still read it.
Result<std::string> lead_phone(std::string_view phone, const Site& site) {
  const auto region = dialing_region(site);
  if (region.empty() && !phone.starts_with('+')) return std::string(phone);
  auto parsed = parse_phone(phone, region);
  if (!parsed) return fail(Errc::bad_request, "'phone': " + parsed.error().message);
  return parsed->e164;
}

class VisitorHandler final : public WsHandler {
 public:
  VisitorHandler(Services& s, std::shared_ptr<const Site> site, std::string ip, std::string user_agent)
      : s_(s), shared_site_(std::move(site)), site_(*shared_site_), ip_(std::move(ip)), user_agent_(std::move(user_agent)) {}

  net::awaitable<void> on_frame(WsConnection& conn, const std::string& text) override {
    auto frame = proto::parse_visitor_frame(text);
    if (!frame) {
      conn.send(error_frame_counted(s_.metrics, frame.error().error, frame.error().ref));
      co_return;
    }
    if (!bucket_.try_take(s_.clock.now())) {
      const Error e{Errc::rate_limited, "too many frames; slow down"};
      conn.send(error_frame_counted(s_.metrics, e, proto::ref_of(*frame)));
      co_return;
    }
    const bool is_hello = std::holds_alternative<proto::Hello>(*frame);
    if (is_hello == visitor_.has_value()) {
      conn.send(error_frame_counted(
          s_.metrics, {Errc::not_ready, is_hello ? "hello was already sent" : "send hello first"}, is_hello ? "hello" : ""));
      co_return;
    }
    if (auto* h = std::get_if<proto::Hello>(&*frame)) co_await hello(conn, *h);
    else if (auto* m = std::get_if<proto::Send>(&*frame)) co_await send(conn, *m);
    else if (auto* t = std::get_if<proto::Typing>(&*frame)) typing(*t);
    else if (auto* hi = std::get_if<proto::History>(&*frame)) co_await history(conn, *hi);
    else if (auto* p = std::get_if<proto::PageView>(&*frame)) co_await page(conn, p->page);
    else if (auto* c = std::get_if<proto::LeaveContact>(&*frame)) co_await contact(conn, *c);
    else if (auto* cb = std::get_if<proto::RequestCallback>(&*frame)) co_await callback(conn, *cb);
    else if (auto* r = std::get_if<proto::Rate>(&*frame)) co_await rate(conn, *r);
    else if (std::holds_alternative<proto::Handoff>(*frame)) co_await handoff(conn);
    else if (auto* f = std::get_if<proto::BotFeedback>(&*frame)) co_await bot_feedback(conn, *f);
    else if (auto* ph = std::get_if<proto::CheckPhone>(&*frame)) co_await check_phone(conn, *ph);
    else if (std::holds_alternative<proto::CallbackSlotsRequest>(*frame)) co_await callback_slots(conn);
  }

  void on_binary(WsConnection& conn) override {
    conn.send(error_frame_counted(s_.metrics, {Errc::bad_json, "binary frames are not part of the protocol"}, ""));
  }

  void on_close(WsConnection& conn) override {
    if (visitor_) s_.hub.remove_visitor(visitor_->id, &conn);
    s_.metrics.visitor_connections--;
  }

 private:
  net::awaitable<void> hello(WsConnection& conn, const proto::Hello& h) {
    const auto site_id = site_.id;
    std::optional<Visitor> visitor;
    std::string token;
    if (h.visitor_token) {
      auto hash = token_hash(*h.visitor_token);
      auto find_visitor = [site_id, hash](Storage& st) { return st.visitor_by_token(site_id, hash); };
      auto found = co_await db_read<std::optional<Visitor>>(s_.db, find_visitor);
      if (!found) co_return conn.send(error_frame_counted(s_.metrics, found.error(), "hello"));
      if (*found) {
        visitor = **found;
        token = *h.visitor_token;
      }
    }
    if (!visitor) {
      // An unknown or foreign token is treated as absent: a new visitor with a new token.
      token = random_token();
      auto hash = token_hash(token);
      auto now = s_.clock.now();
      auto create_visitor = [site_id, hash, now](Storage& st) { return st.create_visitor(site_id, hash, now); };
      auto created = co_await db_write<Visitor>(s_.db, create_visitor);
      if (!created) co_return conn.send(error_frame_counted(s_.metrics, created.error(), "hello"));
      visitor = *created;
    }
    if (h.page) {
      page_ = *h.page;
      auto v = *visitor;
      auto pg = *h.page;
      auto now = s_.clock.now();
      auto record_landing = [v, pg, now, ua = user_agent_](Storage& st) -> Result<void> {
        if (auto r = st.record_page_view(v, pg, now); !r) return r;
        return st.set_visit_device(v, ua);
      };
      (void)co_await db_write<void>(s_.db, record_landing);
    }
    if (h.identity) {
      auto identified = co_await identify(*visitor, *h.identity);
      if (identified) visitor = *identified;
      else conn.send(error_frame_counted(s_.metrics, identified.error(), "identity"));  // the chat goes on anonymously
    }
    auto v = *visitor;
    auto find_open = [v](Storage& st) { return st.open_conversation_of(v); };
    auto conv = co_await db_read<std::optional<Conversation>>(s_.db, find_open);
    if (!conv) co_return conn.send(error_frame_counted(s_.metrics, conv.error(), "hello"));
    visitor_ = visitor;
    conversation_ = *conv;
    hello_at_ = s_.clock.now();
    conn.disarm_deadline();
    s_.hub.add_visitor(visitor_->id, conn.shared_from_this());
    conn.send(proto::visitor_welcome_frame(token, conversation_, logged_in_));
    if (s_.desk) s_.desk->visitor_hello(site_.id, visitor_->id);
    if (conversation_ && page_) {
      s_.hub.to_site_operators(site_.id, share(proto::page_frame(conversation_->id, *page_, s_.clock.now())));
    }
    if (conversation_ && s_.desk) s_.desk->visitor_back(conversation_->id);
  }

  net::awaitable<void> send(WsConnection& conn, const proto::Send& m) {
    const Visitor v = *visitor_;
    const NewMessage msg{m.client_id, m.text, s_.clock.now()};
    Hub& hub = s_.hub;
    Desk* desk = s_.desk;
    const std::shared_ptr<const Site> site = shared_site_;
    const std::optional<PageRef> page = page_;
    // A message with an e-mail address or a phone number in it also makes (or updates) the visitor's lead,
    // in the same transaction: the contact is never stored without the message or the other way round.
    struct Sent {
      Appended appended;
      std::optional<SavedLead> lead;
    };
    // A phone-like run that is no real number (an order number, say) is not a contact.
    auto found = find_contacts(msg.text);
    if (!found.phone.empty()) found.phone = lead_phone(found.phone, *site).value_or("");
    // A new conversation starts with the FAQ bot where the site has one, unless the visitor already asked for
    // a person.
    bool bot_first = false;
    if (s_.bot && !wants_person_ && (!conversation_ || conversation_->status != ConversationStatus::open)) {
      auto setup = co_await s_.bot->setup(site_);
      bot_first = setup && (*setup)->bot_on();
    }
    auto append = [v, msg, found, bot_first](Storage& st) -> Result<Sent> {
      auto a = st.append_visitor_message(v, msg);
      if (!a) return std::unexpected(a.error());
      if (a->created_conversation && bot_first) {
        auto on = st.set_bot_state(a->conversation.id, "active", "");
        if (!on) return std::unexpected(on.error());
        a->conversation.bot_state = "active";
      }
      if (auto events = emit_message_events(st, *a); !events) return std::unexpected(events.error());
      Sent out{std::move(*a), std::nullopt};
      if (out.appended.duplicate || found.empty()) return out;
      auto lead = st.save_contact(v, ContactForm{"", found.email, found.phone, msg.text}, LeadSource::chat,
                                  "chat-" + msg.client_id, msg.at);
      if (!lead) return std::unexpected(lead.error());
      if (auto event = emit_lead_event(st, *lead, msg.at); !event) return std::unexpected(event.error());
      out.lead = std::move(*lead);
      return out;
    };
    const bool logged_in = logged_in_;
    auto publish = [&hub, desk, site, page, v, logged_in](const Sent& sent) {
          const Appended& a = sent.appended;
          if (a.duplicate) return;
          if (a.created_conversation) {
            ConversationSummary s;
            s.conversation = a.conversation;
            s.site_name = site->name;
            s.visitor_name = v.name.empty() ? default_visitor_name(v.id, site->language) : v.name;
            s.unread = 1;
            s.last_message = a.message;
            s.page = page;
            hub.to_site_operators(site->id, share(proto::conversation_frame(s)));
          }
          hub.to_conversation(site->id, v.id, share(proto::message_frame(a.message)));
          if (sent.lead && !sent.lead->duplicate) hub.to_site_operators(site->id, share(proto::lead_frame(sent.lead->lead)));
          if (a.created_conversation && a.conversation.bot_state == "active") {
            hub.to_visitor(v.id, share(proto::bot_frame(a.conversation.id, true)));
          } else if (a.created_conversation && desk) {
            desk->chat_opened(a.conversation, page.value_or(PageRef{}), logged_in);
          }
        };
    auto sent = co_await db_write<Sent>(s_.db, append, publish);
    if (!sent) co_return conn.send(error_frame_counted(s_.metrics, sent.error(), m.client_id));
    if (!sent->appended.duplicate) s_.metrics.message_stored(AuthorKind::visitor);
    conversation_ = sent->appended.conversation;
    conn.send(proto::ack_frame(sent->appended.message));
    if (!sent->appended.duplicate && conversation_->bot_state == "active" && s_.bot) {
      co_await s_.bot->answer(site_, *conversation_, sent->appended.message, page_);
    }
  }

  // Otklik.identify: trusted only with the HMAC-SHA256 of the id under the site's identity secret.
  net::awaitable<Result<Visitor>> identify(const Visitor& visitor, const proto::Identity& id) {
    const SiteId site = site_.id;
    auto read_secret = [site](Storage& st) { return st.identity_secret(site, false, false); };
    auto secret = co_await db_read<std::string>(s_.db, read_secret);
    if (!secret) co_return std::unexpected(secret.error());
    if (secret->empty()) co_return fail(Errc::forbidden, "this site has no identity secret; identify is ignored");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret->data()), secret->size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(id.id.data()), id.id.size());
    crypto_auth_hmacsha256_final(&state, mac);
    char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    std::string given = id.hash;
    for (auto& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (given.size() != sizeof hex - 1 || sodium_memcmp(given.data(), hex, sizeof hex - 1) != 0) {
      co_return fail(Errc::unauthorized, "identity hash does not match the site's identity secret");
    }
    auto name = normalize_message_text(id.name);
    const std::string clean_name = name ? truncate_utf8(*name, 100) : std::string();
    const Visitor v = visitor;
    const std::string external = id.id;
    const std::string email = id.email;
    auto store = [v, external, clean_name, email](Storage& st) {
      return st.set_visitor_identity(v, external, clean_name, email);
    };
    auto stored = co_await db_write<Visitor>(s_.db, store);
    if (stored) logged_in_ = true;
    co_return stored;
  }

  // "Talk to a person": the bot's conversation goes to the desk; before any conversation, the next one skips
  // the bot.
  net::awaitable<void> handoff(WsConnection& conn) {
    wants_person_ = true;
    if (!conversation_ || conversation_->status != ConversationStatus::open || !s_.bot) co_return;
    auto done = co_await s_.bot->handoff(site_, conversation_->id, HandoffReason::asked, page_);
    if (!done) co_return conn.send(error_frame_counted(s_.metrics, done.error(), "handoff"));
    // Already with people: the widget only needs to hear it.
    if (!*done) conn.send(proto::bot_frame(conversation_->id, false));
    conversation_->bot_state = "handed_off";
  }

  net::awaitable<void> callback_slots(WsConnection& conn) {
    if (!s_.callbacks) {
      co_return conn.send(error_frame_counted(s_.metrics, {Errc::forbidden, "callback is not enabled here"}, "callback_slots"));
    }
    co_await s_.callbacks->slots(conn, site_);
  }

  net::awaitable<void> check_phone(WsConnection& conn, const proto::CheckPhone& f) {
    if (!s_.callbacks) {
      co_return conn.send(error_frame_counted(s_.metrics, {Errc::forbidden, "callback is not enabled here"}, "check_phone"));
    }
    co_await s_.callbacks->check(conn, site_, f);
  }

  net::awaitable<void> bot_feedback(WsConnection& conn, const proto::BotFeedback& f) {
    if (!s_.bot) co_return conn.send(error_frame_counted(s_.metrics, {Errc::not_found, "no such bot answer"}, "bot_feedback"));
    co_await s_.bot->feedback(conn, site_, *visitor_, f, page_);
  }

  net::awaitable<void> contact(WsConnection& conn, const proto::LeaveContact& frame) {
    proto::LeaveContact c = frame;
    if (!c.form.phone.empty()) {
      auto e164 = lead_phone(c.form.phone, site_);
      if (!e164) co_return conn.send(error_frame_counted(s_.metrics, e164.error(), c.client_id));
      c.form.phone = std::move(*e164);
    }
    const Visitor v = *visitor_;
    const auto now = s_.clock.now();
    Hub& hub = s_.hub;
    const SiteId site = site_.id;
    auto save = [v, c, now](Storage& st) -> Result<SavedLead> {
      auto saved = st.save_contact(v, c.form, LeadSource::offline_form, c.client_id, now);
      if (!saved) return saved;
      if (auto event = emit_lead_event(st, *saved, now); !event) return std::unexpected(event.error());
      return saved;
    };
    auto publish = [&hub, site](const SavedLead& saved) {
      if (!saved.duplicate) hub.to_site_operators(site, share(proto::lead_frame(saved.lead)));
    };
    auto saved = co_await db_write<SavedLead>(s_.db, save, publish);
    if (!saved) co_return conn.send(error_frame_counted(s_.metrics, saved.error(), c.client_id));
    if (!c.form.name.empty() && visitor_->name.empty()) visitor_->name = c.form.name;
    conn.send(proto::contact_saved_frame(c.client_id));
  }

  void typing(const proto::Typing& t) {
    if (!conversation_) return;  // nobody to tell before the first message
    // The draft reaches operators only where the site owner turned the preview on (and the widget says so).
    const std::string_view draft = site_.appearance.typing_preview ? std::string_view(t.draft) : std::string_view{};
    s_.hub.to_site_operators(site_.id, share(proto::typing_frame(conversation_->id, t.active,
                                                                 Author{AuthorKind::visitor, "", OperatorId{}}, draft)));
  }

  net::awaitable<void> history(WsConnection& conn, const proto::History& h) {
    struct Page {
      std::vector<Message> messages;
      bool more = false;
    };
    const Visitor v = *visitor_;
    auto read_page = [v, h](Storage& st) -> Result<Page> {
      auto conv = st.visitor_conversation(v, h.conversation);
      if (!conv) return std::unexpected(conv.error());
      if (!*conv) return fail(Errc::not_found, "no such conversation");
      Page p;
      auto msgs = st.messages_after(h.conversation, h.after, h.limit, p.more);
      if (!msgs) return std::unexpected(msgs.error());
      p.messages = std::move(*msgs);
      return p;
    };
    auto page = co_await db_read<Page>(s_.db, read_page);
    if (!page) co_return conn.send(error_frame_counted(s_.metrics, page.error(), "history"));
    conn.send(proto::history_frame(h.conversation, page->messages, page->more));
  }

  net::awaitable<void> page(WsConnection& conn, const PageRef& p) {
    page_ = p;
    const Visitor v = *visitor_;
    const auto now = s_.clock.now();
    auto record_view = [v, p, now](Storage& st) { return st.record_page_view(v, p, now); };
    auto r = co_await db_write<void>(s_.db, record_view);
    if (!r) co_return conn.send(error_frame_counted(s_.metrics, r.error(), "page"));
    // The operators follow the visitor around the site, live.
    if (conversation_) s_.hub.to_site_operators(site_.id, share(proto::page_frame(conversation_->id, p, now)));
  }

  net::awaitable<void> rate(WsConnection& conn, const proto::Rate& r) {
    const Visitor v = *visitor_;
    const auto now = s_.clock.now();
    Hub& hub = s_.hub;
    auto store = [v, r, now](Storage& st) -> Result<Conversation> {
      auto rated = st.rate_conversation(v, r.conversation, r.good, r.comment, now);
      if (!rated) return rated;
      const Conversation c = *rated;
      auto event = emit_webhook(st, c.site, "rating.given", now, [&] { return webhook_rating_data(c, r.good, r.comment); });
      if (!event) return std::unexpected(event.error());
      return rated;
    };
    auto publish = [&hub, r](const Conversation& c) {
      hub.to_site_operators(c.site, share(proto::rating_frame(c.id, r.good, r.comment)));
    };
    auto rated = co_await db_write<Conversation>(s_.db, store, publish);
    if (!rated) co_return conn.send(error_frame_counted(s_.metrics, rated.error(), "rate"));
    conn.send(proto::rated_frame(rated->id));
  }

  net::awaitable<void> callback(WsConnection& conn, const proto::RequestCallback& f) {
    if (!s_.callbacks) {
      co_return conn.send(error_frame_counted(s_.metrics, {Errc::forbidden, "callback is not enabled here"}, f.client_id));
    }
    const auto on_page = std::chrono::duration_cast<Millis>(s_.clock.now() - hello_at_);
    co_await s_.callbacks->request(conn, site_, *visitor_, f, ip_, on_page);
  }

  Services& s_;
  std::shared_ptr<const Site> shared_site_;  // one copy per site, shared by its sockets (App::SiteCache)
  const Site& site_;
  std::string ip_;
  std::string user_agent_;
  TimePoint hello_at_;
  std::optional<Visitor> visitor_;
  std::optional<Conversation> conversation_;
  std::optional<PageRef> page_;
  bool logged_in_ = false;     // identified with a valid hash on this connection
  bool wants_person_ = false;  // asked for a person: no bot for this connection's next conversation
  TokenBucket bucket_{kFramesPerSecond, kFrameBurst};
};

}  // namespace

std::unique_ptr<WsHandler> make_visitor_handler(Services& s, std::shared_ptr<const Site> site, std::string ip,
                                               std::string user_agent) {
  return std::make_unique<VisitorHandler>(s, std::move(site), std::move(ip), std::move(user_agent));
}

}  // namespace otk
