#include "proto/frames.hpp"

#include <nlohmann/json.hpp>

#include "core/chat/text.hpp"

namespace otk::proto {
namespace {

using json = nlohmann::json;

struct Parse {
  const json& j;
  std::string ref;

  FrameError bad(std::string msg) const { return FrameError{Error{Errc::bad_frame, std::move(msg)}, ref}; }

  std::expected<std::int64_t, FrameError> id(const char* field, bool positive = true) const {
    auto it = j.find(field);
    if (it == j.end()) return std::unexpected(bad(std::string("missing field '") + field + "'"));
    if (!it->is_number_integer()) return std::unexpected(bad(std::string("'") + field + "' must be an integer"));
    const auto v = it->get<std::int64_t>();
    if (positive ? v <= 0 : v < 0) {
      return std::unexpected(bad(std::string("'") + field + (positive ? "' must be positive" : "' must not be negative")));
    }
    return v;
  }

  std::expected<bool, FrameError> boolean(const char* field) const {
    auto it = j.find(field);
    if (it == j.end() || !it->is_boolean()) return std::unexpected(bad(std::string("'") + field + "' must be true or false"));
    return it->get<bool>();
  }

  // An optional string field, cut to max_chars; refuses a non-string.
  std::expected<std::optional<std::string>, FrameError> opt_string(const json& obj, const char* field,
                                                                   std::size_t max_chars) const {
    auto it = obj.find(field);
    if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return std::unexpected(bad(std::string("'") + field + "' must be a string"));
    return std::optional<std::string>(truncate_utf8(it->get_ref<const std::string&>(), max_chars));
  }

  std::expected<std::string, FrameError> text() const {
    auto it = j.find("text");
    if (it == j.end() || !it->is_string()) return std::unexpected(bad("'text' must be a string"));
    auto t = normalize_message_text(it->get_ref<const std::string&>());
    if (!t) return std::unexpected(FrameError{t.error(), ref});
    return *t;
  }

  std::expected<PageRef, FrameError> page(const json& obj) const {
    if (!obj.is_object()) return std::unexpected(bad("'page' must be an object"));
    auto url = opt_string(obj, "url", kMaxUrlChars);
    if (!url) return std::unexpected(url.error());
    if (!*url || (*url)->empty()) return std::unexpected(bad("'page.url' must be a non-empty string"));
    auto title = opt_string(obj, "title", kMaxTitleChars);
    if (!title) return std::unexpected(title.error());
    auto referrer = opt_string(obj, "referrer", kMaxUrlChars);
    if (!referrer) return std::unexpected(referrer.error());
    return PageRef{**url, title->value_or(""), referrer->value_or("")};
  }

  std::expected<History, FrameError> history() const {
    auto conv = id("conversation");
    if (!conv) return std::unexpected(conv.error());
    auto after = id("after", false);
    if (!after) return std::unexpected(after.error());
    History h{ConversationId{*conv}, *after, kDefaultHistoryPage};
    if (auto it = j.find("limit"); it != j.end()) {
      if (!it->is_number_integer()) return std::unexpected(bad("'limit' must be an integer"));
      h.limit = static_cast<int>(std::clamp<std::int64_t>(it->get<std::int64_t>(), 1, kMaxHistoryPage));
    }
    return h;
  }
};

// Common first step: JSON object with a string type; computes ref.
std::expected<std::pair<json, std::string>, FrameError> open_frame(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return std::unexpected(FrameError{Error{Errc::bad_json, "frame is not a JSON object"}, ""});
  }
  auto t = j.find("type");
  if (t == j.end() || !t->is_string()) {
    return std::unexpected(FrameError{Error{Errc::bad_frame, "missing string field 'type'"}, ""});
  }
  std::string type = t->get<std::string>();
  std::string ref = type;
  if (auto c = j.find("client_id"); c != j.end() && c->is_string()) {
    auto id = parse_client_id(c->get_ref<const std::string&>());
    if (id) ref = *id;
  }
  return std::pair{std::move(j), std::move(ref)};
}

std::expected<std::string, FrameError> client_id_of(const Parse& p) {
  auto it = p.j.find("client_id");
  if (it == p.j.end() || !it->is_string()) return std::unexpected(p.bad("'client_id' must be a string"));
  auto id = parse_client_id(it->get_ref<const std::string&>());
  if (!id) return std::unexpected(FrameError{id.error(), p.ref});
  return *id;
}

/// An operator's text for a conversation: `send` and `note` carry the same fields.
std::expected<Send, FrameError> conversation_text(const Parse& p) {
  auto conv = p.id("conversation");
  if (!conv) return std::unexpected(conv.error());
  auto cid = client_id_of(p);
  if (!cid) return std::unexpected(cid.error());
  auto t = p.text();
  if (!t) return std::unexpected(t.error());
  return Send{ConversationId{*conv}, *cid, *t};
}

FrameError unknown(const std::string& type) {
  return FrameError{Error{Errc::unknown_type, "unknown frame type '" + truncate_utf8(type, 40) + "'"}, ""};
}

}  // namespace

std::expected<VisitorFrame, FrameError> parse_visitor_frame(std::string_view text) {
  auto opened = open_frame(text);
  if (!opened) return std::unexpected(opened.error());
  const auto& [j, ref] = *opened;
  const Parse p{j, ref};
  const auto& type = j["type"].get_ref<const std::string&>();
  if (type == "hello") {
    Hello h;
    auto tok = p.opt_string(j, "visitor", kMaxTokenChars);
    if (!tok) return std::unexpected(tok.error());
    h.visitor_token = *tok;
    if (auto it = j.find("page"); it != j.end() && !it->is_null()) {
      auto pg = p.page(*it);
      if (!pg) return std::unexpected(pg.error());
      h.page = *pg;
    }
    if (auto it = j.find("identity"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) return std::unexpected(p.bad("'identity' must be an object"));
      Identity id;
      auto uid = p.opt_string(*it, "id", 200);
      auto name = p.opt_string(*it, "name", 200);
      auto email = p.opt_string(*it, "email", 254);
      auto hash = p.opt_string(*it, "hash", 128);
      for (const auto* f : {&uid, &name, &email, &hash}) {
        if (!*f) return std::unexpected(f->error());
      }
      if (!*uid || (*uid)->empty()) return std::unexpected(p.bad("'identity.id' must be a non-empty string"));
      if (!*hash || (*hash)->empty()) return std::unexpected(p.bad("'identity.hash' must be a non-empty string"));
      id.id = **uid;
      id.name = name->value_or("");
      id.email = email->value_or("");
      id.hash = **hash;
      h.identity = std::move(id);
    }
    return h;
  }
  if (type == "send") {
    auto cid = client_id_of(p);
    if (!cid) return std::unexpected(cid.error());
    auto t = p.text();
    if (!t) return std::unexpected(t.error());
    return Send{ConversationId{}, *cid, *t};
  }
  if (type == "handoff") return Handoff{};
  if (type == "callback_slots") return CallbackSlotsRequest{};
  if (type == "check_phone") {
    auto phone = p.opt_string(j, "phone", 100);
    if (!phone) return std::unexpected(phone.error());
    if (!*phone || (*phone)->empty()) return std::unexpected(p.bad("'phone' must be a non-empty string"));
    return CheckPhone{**phone};
  }
  if (type == "bot_feedback") {
    auto id = p.id("message");
    if (!id) return std::unexpected(id.error());
    auto helpful = p.boolean("helpful");
    if (!helpful) return std::unexpected(helpful.error());
    return BotFeedback{MessageId{*id}, *helpful};
  }
  if (type == "typing") {
    auto a = p.boolean("active");
    if (!a) return std::unexpected(a.error());
    auto draft = p.opt_string(j, "text", kMaxMessageChars);  // cut, not refused: it is only a preview
    if (!draft) return std::unexpected(draft.error());
    return Typing{ConversationId{}, *a, *a ? draft->value_or("") : ""};
  }
  if (type == "history") {
    auto h = p.history();
    if (!h) return std::unexpected(h.error());
    return *h;
  }
  if (type == "page") {
    auto pg = p.page(j);
    if (!pg) return std::unexpected(pg.error());
    return PageView{*pg};
  }
  if (type == "contact") {
    auto cid = client_id_of(p);
    if (!cid) return std::unexpected(cid.error());
    // Raw fields are cut generously (the frame is bounded anyway); core/leads checks the real limits.
    std::string fields[4];
    const char* names[4] = {"name", "email", "phone", "message"};
    for (int i = 0; i < 4; ++i) {
      auto f = p.opt_string(j, names[i], 20'000);
      if (!f) return std::unexpected(f.error());
      fields[i] = f->value_or("");
    }
    auto form = validate_contact_form(fields[0], fields[1], fields[2], fields[3]);
    if (!form) return std::unexpected(FrameError{form.error(), *cid});
    return LeaveContact{*cid, std::move(*form)};
  }
  if (type == "rate") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    auto it = j.find("rating");
    if (it == j.end() || !it->is_string() || (*it != "good" && *it != "bad")) {
      return std::unexpected(p.bad("'rating' must be \"good\" or \"bad\""));
    }
    Rate r{ConversationId{*conv}, *it == "good", ""};
    if (auto c = j.find("comment"); c != j.end() && !c->is_null()) {
      if (!c->is_string()) return std::unexpected(p.bad("'comment' must be a string"));
      if (!c->get_ref<const std::string&>().empty()) {
        auto text = normalize_message_text(c->get_ref<const std::string&>());
        if (!text && text.error().code != Errc::text_empty) return std::unexpected(FrameError{text.error(), p.ref});
        if (text) r.comment = *text;
      }
    }
    return r;
  }
  if (type == "callback") {
    auto cid = client_id_of(p);
    if (!cid) return std::unexpected(cid.error());
    auto phone = p.opt_string(j, "phone", 100);
    if (!phone) return std::unexpected(phone.error());
    if (!*phone || (*phone)->empty()) return std::unexpected(p.bad("'phone' must be a non-empty string"));
    auto trap = p.opt_string(j, "website", 1000);
    if (!trap) return std::unexpected(trap.error());
    std::optional<TimePoint> at;
    if (p.j.contains("at") && !p.j["at"].is_null()) {
      auto ms = p.id("at");
      if (!ms) return std::unexpected(ms.error());
      at = from_unix_ms(*ms);
    }
    return RequestCallback{*cid, **phone, trap->has_value() && !(*trap)->empty(), at};
  }
  return std::unexpected(unknown(type));
}

std::expected<OperatorFrame, FrameError> parse_operator_frame(std::string_view text) {
  auto opened = open_frame(text);
  if (!opened) return std::unexpected(opened.error());
  const auto& [j, ref] = *opened;
  const Parse p{j, ref};
  const auto& type = j["type"].get_ref<const std::string&>();
  if (type == "hello") return Hello{};
  if (type == "send") {
    auto s = conversation_text(p);
    if (!s) return std::unexpected(s.error());
    return *s;
  }
  if (type == "typing") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    auto a = p.boolean("active");
    if (!a) return std::unexpected(a.error());
    return Typing{ConversationId{*conv}, *a};
  }
  if (type == "history") {
    auto h = p.history();
    if (!h) return std::unexpected(h.error());
    return *h;
  }
  if (type == "read") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    auto seq = p.id("seq", false);
    if (!seq) return std::unexpected(seq.error());
    return Read{ConversationId{*conv}, *seq};
  }
  if (type == "note") {
    auto s = conversation_text(p);
    if (!s) return std::unexpected(s.error());
    bool whisper = false;
    if (auto it = j.find("whisper"); it != j.end() && !it->is_null()) {
      if (!it->is_boolean()) return std::unexpected(p.bad("'whisper' must be true or false"));
      whisper = it->get<bool>();
    }
    return AddNote{s->conversation, std::move(s->client_id), std::move(s->text), whisper};
  }
  if (type == "join") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    return Join{ConversationId{*conv}};
  }
  if (type == "notes") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    return ListNotes{ConversationId{*conv}};
  }
  if (type == "label") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    auto on = p.boolean("on");
    if (!on) return std::unexpected(on.error());
    auto it = j.find("label");
    if (it == j.end() || !it->is_string()) return std::unexpected(p.bad("'label' must be a string"));
    auto label = normalize_label(it->get_ref<const std::string&>());
    if (!label) return std::unexpected(FrameError{label.error(), p.ref});
    return SetLabel{ConversationId{*conv}, *label, *on};
  }
  if (type == "transfer") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    Transfer t{ConversationId{*conv}, OperatorId{}, DepartmentId{}, std::nullopt, ""};
    const bool to_op = j.contains("operator") && !j["operator"].is_null();
    const bool to_dep = j.contains("department") && !j["department"].is_null();
    if (to_op == to_dep) return std::unexpected(p.bad("give exactly one of 'operator' and 'department'"));
    auto target = p.id(to_op ? "operator" : "department");
    if (!target) return std::unexpected(target.error());
    if (to_op) t.to_operator = OperatorId{*target};
    else t.to_department = DepartmentId{*target};
    if (auto it = j.find("note"); it != j.end() && !it->is_null()) {
      auto cid = client_id_of(p);
      if (!cid) return std::unexpected(cid.error());
      t.client_id = *cid;
      if (!it->is_string()) return std::unexpected(p.bad("'note' must be a string"));
      auto text = normalize_message_text(it->get_ref<const std::string&>());
      if (!text) return std::unexpected(FrameError{text.error(), ref});
      t.note = *text;
    }
    return t;
  }
  if (type == "close") {
    auto conv = p.id("conversation");
    if (!conv) return std::unexpected(conv.error());
    return Close{ConversationId{*conv}};
  }
  if (type == "presence") {
    auto it = j.find("status");
    auto presence = it != j.end() && it->is_string() ? parse_presence(it->get_ref<const std::string&>()) : std::nullopt;
    if (presence) return SetPresence{*presence};
    return std::unexpected(p.bad("'status' must be \"online\", \"away\" or \"offline\""));
  }
  return std::unexpected(unknown(type));
}

namespace {
struct RefOf {
  std::string operator()(const Hello&) const { return "hello"; }
  std::string operator()(const Send& s) const { return s.client_id; }
  std::string operator()(const Typing&) const { return "typing"; }
  std::string operator()(const History&) const { return "history"; }
  std::string operator()(const Read&) const { return "read"; }
  std::string operator()(const PageView&) const { return "page"; }
  std::string operator()(const Close&) const { return "close"; }
  std::string operator()(const SetPresence&) const { return "presence"; }
  std::string operator()(const AddNote& n) const { return n.client_id; }
  std::string operator()(const ListNotes&) const { return "notes"; }
  std::string operator()(const Transfer&) const { return "transfer"; }
  std::string operator()(const SetLabel&) const { return "label"; }
  std::string operator()(const Join&) const { return "join"; }
  std::string operator()(const LeaveContact& c) const { return c.client_id; }
  std::string operator()(const RequestCallback& c) const { return c.client_id; }
  std::string operator()(const Rate&) const { return "rate"; }
  std::string operator()(const Handoff&) const { return "handoff"; }
  std::string operator()(const CheckPhone&) const { return "check_phone"; }
  std::string operator()(const BotFeedback&) const { return "bot_feedback"; }
  std::string operator()(const CallbackSlotsRequest&) const { return "callback_slots"; }
};
}  // namespace

std::string ref_of(const VisitorFrame& f) { return std::visit(RefOf{}, f); }
std::string ref_of(const OperatorFrame& f) { return std::visit(RefOf{}, f); }

std::string operator_photo_path(OperatorId op, std::string_view version) {
  return "/media/operators/" + std::to_string(op.value) + "/" + std::string(version);
}

// ---- serialisation -------------------------------------------------------------------------------

namespace {

json author_to_json(const Author& a) {
  json j{{"kind", author_kind_name(a.kind)}};
  if (!a.name.empty()) j["name"] = a.name;
  if (a.kind == AuthorKind::operator_ && !a.photo.empty()) j["photo"] = operator_photo_path(a.operator_id, a.photo);
  return j;
}

json message_to_json(const Message& m) {
  json j{{"conversation", m.conversation.value}, {"id", m.id.value}, {"seq", m.seq},
         {"client_id", m.client_id}, {"author", author_to_json(m.author)}, {"text", m.text},
         {"at", to_unix_ms(m.at)}};
  if (m.bot) j["bot"] = json{{"answer", m.bot->entry != 0}, {"helpful", m.bot->helpful ? json(*m.bot->helpful) : json(nullptr)}};
  if (m.attachment) {
    const auto& a = *m.attachment;
    j["attachment"] = json{{"id", a.id}, {"name", a.name}, {"type", a.type}, {"size", a.size}};
  }
  return j;
}

json summary_to_json(const ConversationSummary& s) {
  const auto& c = s.conversation;
  json j{{"id", c.id.value},
         {"site", c.site.value},
         {"site_name", s.site_name},
         {"visitor", {{"id", c.visitor.value}, {"name", s.visitor_name}}},
         {"status", c.status == ConversationStatus::open ? "open" : "closed"},
         {"created_at", to_unix_ms(c.created_at)},
         {"last_seq", c.last_seq},
         {"read_seq", s.read_seq},
         {"unread", s.unread},
         {"last_message", s.last_message ? message_to_json(*s.last_message) : json(nullptr)},
         {"page", s.page ? json{{"url", s.page->url}, {"title", s.page->title}} : json(nullptr)},
         {"department", s.department ? json{{"id", s.department.value}, {"name", s.department_name}} : json(nullptr)},
         {"operator", s.assigned ? json{{"id", s.assigned.value}, {"name", s.assigned_name}} : json(nullptr)},
         {"answered", s.answered},
         {"labels", s.labels},
         {"bot", c.bot_state == "active"}};
  return j;
}

json operator_to_json(const OperatorAccount& op) {
  return json{{"id", op.id.value}, {"name", op.name}, {"email", op.email}, {"role", role_name(op.role)},
              {"photo", op.photo.empty() ? json(nullptr) : json(operator_photo_path(op.id, op.photo))}};
}

json site_to_json(const Site& s) { return json{{"id", s.id.value}, {"name", s.name}, {"key", s.key}}; }

// Invalid UTF-8 cannot reach here (parsers refuse it), but a dump must never throw on a bad byte.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string error_frame(const Error& e, std::string_view ref) {
  json j{{"type", "error"}, {"code", errc_name(e.code)}, {"message", e.message}};
  if (!ref.empty()) j["ref"] = ref;
  return dump(j);
}

std::string ack_frame(const Message& m) {
  return dump(json{{"type", "ack"}, {"client_id", m.client_id}, {"conversation", m.conversation.value},
                   {"id", m.id.value}, {"seq", m.seq}, {"at", to_unix_ms(m.at)}});
}

std::string message_frame(const Message& m) {
  json j = message_to_json(m);
  j["type"] = "message";
  return dump(j);
}

std::string history_frame(ConversationId conv, std::span<const Message> messages, bool more) {
  json arr = json::array();
  for (const auto& m : messages) arr.push_back(message_to_json(m));
  return dump(json{{"type", "history"}, {"conversation", conv.value}, {"messages", std::move(arr)}, {"more", more}});
}

std::string typing_frame(ConversationId conv, bool active, const Author& author, std::string_view draft) {
  json j{{"type", "typing"}, {"conversation", conv.value}, {"active", active}, {"author", author_to_json(author)}};
  if (!draft.empty()) j["text"] = draft;
  return dump(j);
}

std::string read_frame(ConversationId conv, Seq seq) {
  return dump(json{{"type", "read"}, {"conversation", conv.value}, {"seq", seq}});
}

std::string visitor_welcome_frame(std::string_view token, const std::optional<Conversation>& conv, bool logged_in) {
  json c = conv ? json{{"id", conv->id.value}, {"last_seq", conv->last_seq}, {"bot", conv->bot_state == "active"}}
                : json(nullptr);
  return dump(json{{"type", "welcome"}, {"visitor", token}, {"conversation", std::move(c)}, {"logged_in", logged_in}});
}

std::string callback_slots_frame(bool open, std::string_view zone, std::span<const TimePoint> slots) {
  json list = json::array();
  for (const auto t : slots) list.push_back(to_unix_ms(t));
  return dump(json{{"type", "callback_slots"}, {"open", open}, {"zone", zone}, {"slots", list}});
}

std::string phone_check_frame(std::string_view phone, bool ok, std::string_view e164, std::string_view display,
                              std::string_view message) {
  json j{{"type", "phone_check"}, {"phone", phone}, {"ok", ok}};
  if (ok) {
    j["e164"] = e164;
    j["display"] = display;
  } else {
    j["message"] = message;
  }
  return dump(j);
}

std::string bot_frame(ConversationId conv, bool active) {
  return dump(json{{"type", "bot"}, {"conversation", conv.value}, {"active", active}});
}

std::string bot_feedback_saved_frame(MessageId message, bool helpful) {
  return dump(json{{"type", "bot_feedback_saved"}, {"message", message.value}, {"helpful", helpful}});
}

namespace {
/// A site as a console knows it: id, name, key and its own first-response time (the console marks chats late by
/// it), else the desk's default.
json console_site_json(const Site& site, Millis default_first_response) {
  json j = site_to_json(site);
  j["first_response_ms"] = site.first_response_seconds ? std::int64_t{*site.first_response_seconds} * 1000
                                                       : static_cast<std::int64_t>(default_first_response.count());
  return j;
}

json team_to_json(const TeamView& team) {
  json ops = json::array(), deps = json::array();
  for (const auto& m : team.operators) {
    json d = json::array();
    for (const auto id : m.departments) d.push_back(id.value);
    ops.push_back(json{{"id", m.id.value}, {"name", m.name}, {"departments", std::move(d)}});
  }
  for (const auto& d : team.departments) deps.push_back(json{{"id", d.id.value}, {"site", d.site.value}, {"name", d.name}});
  return json{{"operators", std::move(ops)}, {"departments", std::move(deps)}};
}
}  // namespace

std::string operator_welcome_frame(const OperatorScope& scope, std::span<const Site> sites,
                                   std::span<const ConversationSummary> conversations, const TeamView& team) {
  json s = json::array(), c = json::array();
  for (const auto& site : sites) s.push_back(console_site_json(site, team.first_response));
  for (const auto& conv : conversations) c.push_back(summary_to_json(conv));
  return dump(json{{"type", "welcome"}, {"operator", operator_to_json(scope.op)}, {"sites", std::move(s)},
                   {"conversations", std::move(c)}, {"team", team_to_json(team)},
                   {"first_response_ms", team.first_response.count()}});
}

std::string team_frame(const TeamView& team) { return dump(json{{"type", "team"}, {"team", team_to_json(team)}}); }

std::string site_frame(const Site& site, Millis default_first_response) {
  return dump(json{{"type", "site"}, {"site", console_site_json(site, default_first_response)}});
}

namespace {
json note_to_json(const Note& n) {
  json j{{"conversation", n.conversation.value}, {"id", n.id}, {"client_id", n.client_id},
         {"author", {{"id", n.author.value}, {"name", n.author_name}}}, {"text", n.text}, {"at", to_unix_ms(n.at)}};
  if (n.whisper_to) {
    j["whisper"] = true;
    j["to"] = {{"id", n.whisper_to.value}, {"name", n.whisper_to_name}};
  }
  return j;
}
}  // namespace

std::string note_frame(const Note& n) {
  json j = note_to_json(n);
  j["type"] = "note";
  return dump(j);
}

std::string notes_frame(ConversationId conv, std::span<const Note> notes) {
  json arr = json::array();
  for (const auto& n : notes) arr.push_back(note_to_json(n));
  return dump(json{{"type", "notes"}, {"conversation", conv.value}, {"notes", std::move(arr)}});
}

std::string conversation_frame(const ConversationSummary& s) {
  return dump(json{{"type", "conversation"}, {"conversation", summary_to_json(s)}});
}

std::string status_frame(ConversationId conv, std::string_view state, std::size_t position, std::optional<Millis> wait) {
  json j{{"type", "status"}, {"conversation", conv.value}, {"state", state}};
  if (state == "queued") j["position"] = position;
  if (state != "assigned") j["wait_ms"] = wait ? json(wait->count()) : json(nullptr);
  return dump(j);
}

std::string assignment_frame(ConversationId conv, DepartmentId department, std::string_view department_name,
                             OperatorId op, std::string_view operator_name) {
  return dump(json{{"type", "assignment"},
                   {"conversation", conv.value},
                   {"department", department ? json{{"id", department.value}, {"name", department_name}} : json(nullptr)},
                   {"operator", op ? json{{"id", op.value}, {"name", operator_name}} : json(nullptr)}});
}

std::string hours_frame(bool open, std::optional<TimePoint> next_open) {
  return dump(json{{"type", "hours"}, {"open", open},
                   {"next_open", next_open ? json(to_unix_ms(*next_open)) : json(nullptr)}});
}

std::string page_frame(ConversationId conv, const PageRef& page, TimePoint at) {
  return dump(json{{"type", "page"}, {"conversation", conv.value},
                   {"page", {{"url", page.url}, {"title", page.title}}}, {"at", to_unix_ms(at)}});
}

std::string closed_frame(ConversationId conv) { return dump(json{{"type", "closed"}, {"conversation", conv.value}}); }

std::string presence_frame(Presence chosen, bool connected) {
  return dump(json{{"type", "presence"}, {"status", presence_name(chosen)}, {"connected", connected}});
}

namespace {

json lead_to_json(const Lead& l) {
  const auto visit = visit_context(l.landing_url, l.referrer, false);
  json utm = json::object();
  if (!visit.utm_source.empty()) utm["source"] = visit.utm_source;
  if (!visit.utm_medium.empty()) utm["medium"] = visit.utm_medium;
  if (!visit.utm_campaign.empty()) utm["campaign"] = visit.utm_campaign;
  return json{{"id", l.id.value},
              {"site", l.site.value},
              {"site_name", l.site_name},
              {"visitor", l.visitor.value},
              {"name", l.name},
              {"email", l.email},
              {"phone", l.phone},
              {"status", lead_status_name(l.status)},
              {"source", lead_source_name(l.source)},
              {"message", l.message},
              {"created_at", to_unix_ms(l.created_at)},
              {"updated_at", to_unix_ms(l.updated_at)},
              {"referrer", l.referrer},
              {"landing_url", l.landing_url},
              {"utm", utm},
              {"visits", l.visits}};
}

json lead_entry_to_json(const LeadEntry& e) {
  json j{{"id", e.id},
         {"lead", e.lead.value},
         {"kind", lead_entry_kind_name(e.kind)},
         {"author", e.author ? json{{"id", e.author.value}, {"name", e.author_name}} : json(nullptr)},
         {"at", to_unix_ms(e.at)}};
  // A contact entry's body is the submitted form as JSON; the rest are plain text.
  if (e.kind == LeadEntryKind::contact) j["contact"] = json::parse(e.text, nullptr, false);
  else j["text"] = e.text;
  return j;
}

}  // namespace

namespace {
json opt_ms(const std::optional<TimePoint>& t) { return t ? json(to_unix_ms(*t)) : json(nullptr); }

json callback_to_json(const CallbackView& c) {
  return json{{"id", c.id.value},
              {"site", c.site.value},
              {"site_name", c.site_name},
              {"visitor", c.visitor.value},
              {"phone", c.e164},
              {"status", c.status},
              {"rule", c.rule},
              {"created_at", to_unix_ms(c.created_at)},
              {"scheduled_for", opt_ms(c.scheduled_for)},
              {"started_at", opt_ms(c.started_at)},
              {"ended_at", opt_ms(c.ended_at)},
              {"talk_ms", c.talk_ms},
              {"billed_seconds", c.billed_seconds},
              {"charge", c.charge},
              {"legs", json::parse(c.legs_json, nullptr, false)}};
}
}  // namespace

std::string callback_state_frame(std::string_view client_id, CallbackId id, std::string_view state,
                                 std::string_view message, std::string_view status,
                                 std::optional<TimePoint> scheduled_for) {
  json j{{"type", "callback"}, {"client_id", client_id}, {"id", id.value}, {"state", state}};
  if (!message.empty()) j["message"] = message;
  if (!status.empty()) j["status"] = status;
  if (scheduled_for) j["scheduled_for"] = to_unix_ms(*scheduled_for);
  return dump(j);
}
std::string callback_suspended_frame(SiteId site, std::string_view rule) {
  return dump(json{{"type", "callback_suspended"}, {"site", site.value}, {"rule", rule}});
}
std::string callback_frame(const CallbackView& c) { return dump(json{{"type", "callback"}, {"callback", callback_to_json(c)}}); }
std::string callback_json(const CallbackView& c) { return dump(callback_to_json(c)); }

std::string rated_frame(ConversationId conv) { return dump(json{{"type", "rated"}, {"conversation", conv.value}}); }
std::string rating_frame(ConversationId conv, bool good, std::string_view comment) {
  return dump(json{{"type", "rating"}, {"conversation", conv.value}, {"rating", good ? "good" : "bad"}, {"comment", comment}});
}

std::string labels_frame(ConversationId conv, std::span<const std::string> labels) {
  return dump(json{{"type", "labels"}, {"conversation", conv.value}, {"labels", labels}});
}

std::string contact_saved_frame(std::string_view client_id) {
  return dump(json{{"type", "contact_saved"}, {"client_id", client_id}});
}
std::string lead_frame(const Lead& lead) { return dump(json{{"type", "lead"}, {"lead", lead_to_json(lead)}}); }
std::string lead_json(const Lead& lead) { return dump(lead_to_json(lead)); }
std::string lead_entry_json(const LeadEntry& e) { return dump(lead_entry_to_json(e)); }
std::string lead_detail_json(const LeadDetail& d) {
  json entries = json::array(), pages = json::array(), convs = json::array();
  for (const auto& e : d.entries) entries.push_back(lead_entry_to_json(e));
  for (const auto& p : d.pages) {
    pages.push_back(json{{"url", p.url}, {"title", p.title}, {"at", to_unix_ms(p.at)}, {"visit", p.visit}});
  }
  for (const auto& [id, at] : d.conversations) convs.push_back(json{{"id", id.value}, {"created_at", to_unix_ms(at)}});
  return dump(json{{"lead", lead_to_json(d.lead)}, {"entries", entries}, {"pages", pages}, {"conversations", convs}});
}

std::string message_json(const Message& m) { return dump(message_to_json(m)); }
std::string summary_json(const ConversationSummary& s) { return dump(summary_to_json(s)); }
std::string operator_json(const OperatorAccount& op) { return dump(operator_to_json(op)); }
std::string site_json(const Site& s) { return dump(site_to_json(s)); }

}  // namespace otk::proto
