#include <unordered_map>

#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "api/desk.hpp"
#include "api/endpoints.hpp"
#include "core/chat/rate_limit.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

class OperatorHandler final : public WsHandler {
 public:
  OperatorHandler(Services& s, AuthSession session, std::string session_key)
      : s_(s), session_(std::move(session)), session_key_(std::move(session_key)) {}

  net::awaitable<void> on_frame(WsConnection& conn, const std::string& text) override {
    auto frame = proto::parse_operator_frame(text);
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
    if (is_hello == ready_) {
      conn.send(error_frame_counted(
          s_.metrics, {Errc::not_ready, is_hello ? "hello was already sent" : "send hello first"}, is_hello ? "hello" : ""));
      co_return;
    }
    if (is_hello) co_await hello(conn);
    else if (auto* m = std::get_if<proto::Send>(&*frame)) co_await send(conn, *m);
    else if (auto* t = std::get_if<proto::Typing>(&*frame)) co_await typing(conn, *t);
    else if (auto* h = std::get_if<proto::History>(&*frame)) co_await history(conn, *h);
    else if (auto* r = std::get_if<proto::Read>(&*frame)) co_await read(conn, *r);
    else if (auto* c = std::get_if<proto::Close>(&*frame)) co_await close(conn, *c);
    else if (auto* p = std::get_if<proto::SetPresence>(&*frame)) co_await presence(conn, *p);
    else if (auto* n = std::get_if<proto::AddNote>(&*frame)) co_await note(conn, n->conversation, n->client_id, n->text, n->whisper);
    else if (auto* l = std::get_if<proto::ListNotes>(&*frame)) co_await notes(conn, *l);
    else if (auto* lb = std::get_if<proto::SetLabel>(&*frame)) co_await label(conn, *lb);
    else if (auto* x = std::get_if<proto::Transfer>(&*frame)) co_await transfer(conn, *x);
    else if (auto* j = std::get_if<proto::Join>(&*frame)) co_await join(conn, *j);
  }

  void on_binary(WsConnection& conn) override {
    conn.send(error_frame_counted(s_.metrics, {Errc::bad_json, "binary frames are not part of the protocol"}, ""));
  }

  void on_close(WsConnection& conn) override {
    if (ready_) s_.hub.remove_operator(session_.scope.op.id, session_.scope.sites, &conn);
    if (ready_ && s_.desk) s_.desk->console_closed(session_.scope.op.id);
    s_.metrics.operator_connections--;
  }

 private:
  const OperatorScope& scope() const { return session_.scope; }

  net::awaitable<void> hello(WsConnection& conn) {
    struct Snapshot {
      std::vector<Site> sites;
      std::vector<ConversationSummary> conversations;
      proto::TeamView team;
    };
    const OperatorScope sc = scope();
    auto load_snapshot = [sc](Storage& st) -> Result<Snapshot> {
      auto sites = st.sites_of(sc);
      if (!sites) return std::unexpected(sites.error());
      auto convs = st.open_conversations(sc);
      if (!convs) return std::unexpected(convs.error());
      auto team = st.team_of(sc);
      if (!team) return std::unexpected(team.error());
      return Snapshot{std::move(*sites), std::move(*convs), team_view(std::move(*team))};
    };
    auto snap = co_await db_read<Snapshot>(s_.db, load_snapshot);
    if (!snap) co_return conn.send(error_frame_counted(s_.metrics, snap.error(), "hello"));
    for (const auto& c : snap->conversations) remember(c.conversation);
    // Subscribe before sending the snapshot: anything committed after the snapshot was read arrives live,
    // and the client closes any gap by sequence.
    ready_ = true;
    conn.disarm_deadline();
    s_.hub.add_operator(scope().op.id, scope().sites, session_key_, conn.shared_from_this());
    if (s_.desk) snap->team.first_response = s_.desk->first_response();
    conn.send(proto::operator_welcome_frame(scope(), snap->sites, snap->conversations, snap->team));
    if (s_.desk) s_.desk->console_opened(scope().op.id);
  }

  net::awaitable<void> send(WsConnection& conn, const proto::Send& m) {
    const OperatorScope sc = scope();
    const NewMessage msg{m.client_id, m.text, s_.clock.now()};
    const auto id = m.conversation;
    Hub& hub = s_.hub;
    Desk* desk = s_.desk;
    const OperatorId me = sc.op.id;
    auto append = [sc, id, msg](Storage& st) -> Result<Appended> {
      auto a = st.append_operator_message(sc, id, msg);
      if (!a) return a;
      if (auto events = emit_message_events(st, *a); !events) return std::unexpected(events.error());
      return a;
    };
    auto publish = [&hub, desk, me](const Appended& a) {
          if (a.duplicate) return;
          hub.to_conversation(a.conversation.site, a.conversation.visitor, share(proto::message_frame(a.message)));
          if (a.bot_stopped) {
            // A person stepped in where the bot was answering: the bot falls silent and the desk takes the chat.
            hub.to_conversation(a.conversation.site, a.conversation.visitor, share(proto::bot_frame(a.conversation.id, false)));
            if (desk) desk->chat_opened(a.conversation, PageRef{});
          }
          if (a.first_reply && desk) desk->first_reply(a.conversation.id, me, a.joined);
        };
    auto appended = co_await db_write<Appended>(s_.db, append, publish);
    if (!appended) co_return conn.send(error_frame_counted(s_.metrics, appended.error(), m.client_id));
    if (!appended->duplicate) s_.metrics.message_stored(AuthorKind::operator_);
    remember(appended->conversation);
    conn.send(proto::ack_frame(appended->message));
  }

  net::awaitable<void> typing(WsConnection& conn, const proto::Typing& t) {
    auto conv = co_await find(t.conversation);
    if (!conv) co_return conn.send(error_frame_counted(s_.metrics, conv.error(), "typing"));
    s_.hub.to_conversation(conv->site, conv->visitor,
                           share(proto::typing_frame(t.conversation, t.active,
                                                     Author{AuthorKind::operator_, scope().op.name, scope().op.id})),
                           &conn);
  }

  net::awaitable<void> history(WsConnection& conn, const proto::History& h) {
    struct Page {
      std::vector<Message> messages;
      bool more = false;
    };
    const OperatorScope sc = scope();
    auto read_page = [sc, h](Storage& st) -> Result<Page> {
      auto conv = st.conversation_for(sc, h.conversation);
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

  net::awaitable<void> read(WsConnection& conn, const proto::Read& r) {
    const OperatorScope sc = scope();
    Hub& hub = s_.hub;
    const auto op = sc.op.id;
    const auto id = r.conversation;
    auto move_marker = [sc, r](Storage& st) { return st.mark_read(sc, r.conversation, r.seq); };
    auto publish_marker = [&hub, op, id](const Seq& seq) { hub.to_operator(op, share(proto::read_frame(id, seq))); };
    auto stored = co_await db_write<Seq>(s_.db, move_marker, publish_marker);
    if (!stored) conn.send(error_frame_counted(s_.metrics, stored.error(), "read"));
  }

  net::awaitable<void> close(WsConnection& conn, const proto::Close& c) {
    const OperatorScope sc = scope();
    const auto now = s_.clock.now();
    const auto id = c.conversation;
    Hub& hub = s_.hub;
    Desk* desk = s_.desk;
    auto close_it = [sc, id, now](Storage& st) -> Result<Conversation> {
      auto before = st.conversation_for(sc, id);
      if (!before) return std::unexpected(before.error());
      auto closed = st.close_conversation(sc, id, now);
      if (!closed) return closed;
      if (*before && (*before)->status == ConversationStatus::open) {  // closing twice reports it once
        const Conversation c = *closed;
        auto event = emit_webhook(st, c.site, "conversation.closed", now, [&c] { return webhook_conversation_data(c); });
        if (!event) return std::unexpected(event.error());
      }
      return closed;
    };
    auto announce = [&hub, desk, id](const Conversation& conv) {
      hub.to_conversation(conv.site, conv.visitor, share(proto::closed_frame(id)));
      if (desk) desk->chat_closed(id);
    };
    auto closed = co_await db_write<Conversation>(s_.db, close_it, announce);
    if (!closed) conn.send(error_frame_counted(s_.metrics, closed.error(), "close"));
  }

  net::awaitable<void> presence(WsConnection& conn, const proto::SetPresence& p) {
    const auto op = scope().op.id;
    const auto chosen = p.presence;
    Desk* desk = s_.desk;
    auto store = [op, chosen](Storage& st) { return st.set_presence(op, chosen); };
    auto announce = [desk, op, chosen]() {
      if (desk) desk->presence_chosen(op, chosen);
    };
    auto stored = co_await db_write<void>(s_.db, store, announce);
    if (!stored) conn.send(error_frame_counted(s_.metrics, stored.error(), "presence"));
  }

  net::awaitable<bool> note(WsConnection& conn, ConversationId id, const std::string& client_id, const std::string& text,
                            bool whisper = false) {
    auto conv = co_await find(id);
    if (!conv) {
      conn.send(error_frame_counted(s_.metrics, conv.error(), client_id));
      co_return false;
    }
    if (whisper && !may_supervise(scope().op.role)) {
      const Error e{Errc::forbidden, "only a supervisor, an admin or the owner may whisper; write a plain note"};
      conn.send(error_frame_counted(s_.metrics, e, client_id));
      co_return false;
    }
    const OperatorScope sc = scope();
    const NewMessage msg{client_id, text, s_.clock.now()};
    Hub& hub = s_.hub;
    const SiteId site = conv->site;
    const Subscriber* author = &conn;
    auto store = [sc, id, msg, whisper](Storage& st) { return st.add_note(sc, id, msg, whisper); };
    // To the site's operators only, in commit order: a visitor's connection never gets a note.
    auto announce = [&hub, site, author](const std::pair<Note, bool>& added) {
      if (!added.second) hub.to_site_operators(site, share(proto::note_frame(added.first)), author);
    };
    auto added = co_await db_write<std::pair<Note, bool>>(s_.db, store, announce);
    if (!added) {
      conn.send(error_frame_counted(s_.metrics, added.error(), client_id));
      co_return false;
    }
    conn.send(proto::note_frame(added->first));  // the author's confirmation, also for a resend
    co_return true;
  }

  net::awaitable<void> notes(WsConnection& conn, const proto::ListNotes& l) {
    const OperatorScope sc = scope();
    const auto id = l.conversation;
    auto load = [sc, id](Storage& st) { return st.notes_of(sc, id); };
    auto list = co_await db_read<std::vector<Note>>(s_.db, load);
    if (!list) co_return conn.send(error_frame_counted(s_.metrics, list.error(), "notes"));
    conn.send(proto::notes_frame(id, *list));
  }

  net::awaitable<void> label(WsConnection& conn, const proto::SetLabel& l) {
    const OperatorScope sc = scope();
    Hub& hub = s_.hub;
    auto change = [sc, l](Storage& st) { return st.set_label(sc, l.conversation, l.label, l.on); };
    auto announce = [&hub](const std::pair<Conversation, std::vector<std::string>>& r) {
      hub.to_site_operators(r.first.site, share(proto::labels_frame(r.first.id, r.second)));
    };
    auto done = co_await db_write<std::pair<Conversation, std::vector<std::string>>>(s_.db, change, announce);
    if (!done) conn.send(error_frame_counted(s_.metrics, done.error(), "label"));
  }

  net::awaitable<void> transfer(WsConnection& conn, const proto::Transfer& t) {
    auto conv = co_await find(t.conversation);
    if (!conv) co_return conn.send(error_frame_counted(s_.metrics, conv.error(), "transfer"));
    if (!s_.desk) co_return conn.send(error_frame_counted(s_.metrics, {Errc::unavailable, "no desk"}, "transfer"));
    // A plain operator hands over only their own chats and queued ones; supervisors reassign any. Checked before
    // the note, so a refused hand-over leaves no note behind.
    const bool may_reassign = may_supervise(scope().op.role);
    auto allowed = co_await s_.desk->may_transfer(t.conversation, scope().op.id, may_reassign);
    if (!allowed) co_return conn.send(error_frame_counted(s_.metrics, allowed.error(), "transfer"));
    // The note first: whoever receives the chat finds the reason already there.
    if (t.note) {
      const bool noted = co_await note(conn, t.conversation, t.client_id, *t.note);
      if (!noted) co_return;
    }
    auto moved = co_await s_.desk->transfer(t.conversation, scope().op.id, t.to_operator, t.to_department, may_reassign);
    if (!moved) conn.send(error_frame_counted(s_.metrics, moved.error(), "transfer"));
  }

  // A supervisor joins a colleague's chat: the visitor reads who came (a system message in the site's language);
  // from then on the supervisor's messages never take the chat from its holder. Any operator of the site may
  // write into any of its chats; joining is the announced, recorded act.
  net::awaitable<void> join(WsConnection& conn, const proto::Join& j) {
    auto conv = co_await find(j.conversation);
    if (!conv) co_return conn.send(error_frame_counted(s_.metrics, conv.error(), "join"));
    if (!may_supervise(scope().op.role)) {
      const Error e{Errc::forbidden, "only a supervisor, an admin or the owner may join a colleague's chat"};
      co_return conn.send(error_frame_counted(s_.metrics, e, "join"));
    }
    const OperatorScope sc = scope();
    const auto id = j.conversation;
    const auto now = s_.clock.now();
    Hub& hub = s_.hub;
    auto store = [sc, id, now](Storage& st) { return st.join_conversation(sc, id, now); };
    auto publish = [&hub](const Appended& a) {
      if (!a.duplicate) hub.to_conversation(a.conversation.site, a.conversation.visitor, share(proto::message_frame(a.message)));
    };
    auto joined = co_await db_write<Appended>(s_.db, store, publish);
    if (!joined) co_return conn.send(error_frame_counted(s_.metrics, joined.error(), "join"));
    if (joined->duplicate) conn.send(proto::message_frame(joined->message));  // joining again: the first join's line
  }

  // Conversation -> (site, visitor), cached per connection so typing does not touch the database.
  void remember(const Conversation& c) {
    if (known_.size() > 10'000) known_.clear();
    known_[c.id] = c;
  }

  net::awaitable<Result<Conversation>> find(ConversationId id) {
    if (auto it = known_.find(id); it != known_.end()) co_return it->second;
    const OperatorScope sc = scope();
    auto find_conversation = [sc, id](Storage& st) { return st.conversation_for(sc, id); };
    auto conv = co_await db_read<std::optional<Conversation>>(s_.db, find_conversation);
    if (!conv) co_return std::unexpected(conv.error());
    if (!*conv) co_return fail(Errc::not_found, "no such conversation");
    remember(**conv);
    co_return **conv;
  }

  Services& s_;
  AuthSession session_;
  std::string session_key_;
  bool ready_ = false;
  std::unordered_map<ConversationId, Conversation> known_;
  TokenBucket bucket_{kFramesPerSecond, kFrameBurst};
};

}  // namespace

proto::TeamView team_view(Team team) {
  proto::TeamView view;
  for (auto& m : team.operators) view.operators.push_back({m.id, std::move(m.name), std::move(m.departments)});
  for (auto& d : team.departments) view.departments.push_back({d.id, d.site, std::move(d.name)});
  return view;
}

std::unique_ptr<WsHandler> make_operator_handler(Services& s, AuthSession session, std::string session_key) {
  return std::make_unique<OperatorHandler>(s, std::move(session), std::move(session_key));
}

}  // namespace otk
