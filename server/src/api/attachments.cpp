// File attachments: one HTTP upload is one message, for operators (POST /api/v1/conversations/{id}/attachments,
// session and CSRF) and visitors (POST /api/v1/widget/attachments?site=KEY, the widget's visitor token in
// X-Otklik-Visitor, the site's Origin as on its socket, CORS for that origin only). Downloads go only to an
// operator who may see the conversation or the visitor who owns it; anyone else gets 404.
//
// The bytes decide the type (core/media/attachment). The file is written to <data>/media/attachments/<id>
// (fsync, rename) before the transaction that appends the message pointing at it, so a committed message never
// refers to a missing file; a refused or duplicate append removes the file again. A crash in between leaves at
// most an orphan file.
#include <sodium.h>

#include <chrono>
#include <fstream>
#include <set>
#include <spdlog/spdlog.h>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "api/desk.hpp"
#include "api/files.hpp"
#include "core/chat/text.hpp"
#include "core/media/attachment.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

constexpr std::string_view kWidgetAttachments = "/api/v1/widget/attachments";
constexpr std::string_view kVisitorHeader = "X-Otklik-Visitor";

std::string new_attachment_id() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

std::filesystem::path attachment_file(const std::filesystem::path& media, std::string_view id) {
  return media / "attachments" / std::string(id);
}

void remove_orphan(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::remove(p, ec);
  if (ec) spdlog::warn("could not remove the unused attachment {}: {}", p.string(), ec.message());
}

Result<std::string> read_whole(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return fail(Errc::not_found, "attachment file is missing");
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (body.empty()) return fail(Errc::not_found, "attachment file is missing");
  return body;
}

/// What an upload request carries, checked: the attachment (id, sanitised name, sniffed type, size) and the
/// client id that makes a resend store nothing twice.
struct Upload {
  Attachment attachment;
  std::string client_id;
};

Result<Upload> parse_upload(const HttpRequest& req) {
  const std::string& bytes = req.body();
  if (bytes.empty()) return fail(Errc::bad_request, "send the file's bytes as the body");
  auto kind = sniff_attachment(bytes);
  if (!kind) return std::unexpected(kind.error());
  Upload u;
  u.attachment.id = new_attachment_id();
  u.attachment.name = sanitize_attachment_name(query_param(req.target(), "name").value_or(""), *kind);
  u.attachment.type = std::string(kind->mime);
  u.attachment.size = static_cast<std::int64_t>(bytes.size());
  if (auto cid = query_param(req.target(), "client_id")) {
    auto parsed = parse_client_id(*cid);
    if (!parsed) return fail(Errc::bad_request, "'client_id': 1..64 characters of A-Z a-z 0-9 _ -");
    u.client_id = std::move(*parsed);
  } else {
    u.client_id = "f" + u.attachment.id;
  }
  return u;
}

/// The CORS answer for the widget: only the site's own origin may read it.
void allow_origin(HttpResponse& res, std::string_view origin) {
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::vary, "Origin");
  res.set(http::field::access_control_expose_headers, "Content-Disposition");
}

}  // namespace

bool is_attachment_upload(std::string_view path) {
  if (path == kWidgetAttachments) return true;
  constexpr std::string_view kConv = "/api/v1/conversations/";
  constexpr std::string_view kTail = "/attachments";
  return path.starts_with(kConv) && path.ends_with(kTail) && path.size() > kConv.size() + kTail.size();
}

net::awaitable<Result<Site>> App::widget_site(const HttpRequest& req) {
  auto key = query_param(req.target(), "site");
  if (!key || key->empty()) co_return fail(Errc::unknown_site, "missing ?site=KEY");
  auto site = co_await cached_site(*key);
  if (!site) co_return std::unexpected(site.error());
  if (!*site) co_return fail(Errc::unknown_site, "unknown site key");
  const std::string origin(req[http::field::origin]);
  const auto& allowed = (*site)->allowed_origins;
  if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
    co_return fail(Errc::origin_not_allowed, "this page's origin is not allowed for the site");
  }
  co_return std::move(**site);
}

// Serves a stored attachment. Images inline, PDFs as downloads; either way the browser is told the exact type,
// never to sniff, and to treat the file as a sandboxed document with no script, frames or requests of its own.
static net::awaitable<HttpResponse> serve_attachment(const HttpRequest& req, const Attachment& a,
                                              const std::filesystem::path& media, net::thread_pool& cpu) {
  const auto kind = attachment_kind(a.type);
  const auto path = attachment_file(media, a.id);
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu.get_executor(), net::use_awaitable);
  auto body = read_whole(path);
  co_await net::post(home, net::use_awaitable);
  HttpResponse res{http::status::ok, 11};
  if (!body || !kind) {
    if (!body) spdlog::error("attachment {}: {}", a.id, body.error().message);
    res.result(http::status::not_found);
    res.set(http::field::content_type, "application/json");
    res.body() = R"({"error":{"code":"not_found","message":"no such attachment"}})";
    co_return res;
  }
  res.set(http::field::content_type, kind->mime);
  res.set(http::field::content_disposition, content_disposition(a.name, kind->image));
  res.set(http::field::cache_control, "private, max-age=86400");
  res.set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  res.set(http::field::etag, "\"" + a.id + "\"");
  if (req.method() != http::verb::head) res.body() = std::move(*body);
  co_return res;
}

net::awaitable<HttpResponse> App::post_operator_attachment(const HttpRequest& req, ConversationId id) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  // The conversation first: a foreign one is refused before anything is written.
  const OperatorScope sc = session->scope;
  auto find_language = [sc, id](Storage& st) -> Result<std::string> {
    auto conv = st.conversation_for(sc, id);
    if (!conv) return std::unexpected(conv.error());
    if (!*conv) return fail(Errc::not_found, "no such conversation");
    auto sites = st.sites_of(sc);
    if (!sites) return std::unexpected(sites.error());
    for (const auto& s : *sites) {
      if (s.id == (*conv)->site) return s.language;
    }
    return fail(Errc::not_found, "no such conversation");
  };
  auto language = co_await db_read<std::string>(s_.db, find_language);
  if (!language) co_return error_response(s_.metrics, language.error());
  auto upload = parse_upload(req);
  if (!upload) co_return error_response(s_.metrics, upload.error());

  const auto path = attachment_file(config_.media_dir, upload->attachment.id);
  const std::string& bytes = req.body();
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  auto written = write_file_durably(path, bytes);
  co_await net::post(home, net::use_awaitable);
  if (!written) {
    spdlog::error("attachment upload: {}", written.error().message);
    co_return error_response(s_.metrics, {Errc::unavailable, "could not store the file; try again"});
  }

  NewMessage msg{upload->client_id, attachment_text(upload->attachment.name, *language), s_.clock.now(),
                 upload->attachment};
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
      hub.to_conversation(a.conversation.site, a.conversation.visitor, share(proto::bot_frame(a.conversation.id, false)));
      if (desk) desk->chat_opened(a.conversation, PageRef{});
    }
    if (a.first_reply && desk) desk->first_reply(a.conversation.id, me, a.joined);
  };
  auto appended = co_await db_write<Appended>(s_.db, append, publish);
  if (!appended || appended->duplicate) remove_orphan(path);
  if (!appended) co_return error_response(s_.metrics, appended.error());
  if (!appended->duplicate) s_.metrics.message_stored(AuthorKind::operator_);
  co_return json_response(appended->duplicate ? http::status::ok : http::status::created,
                          R"({"message":)" + proto::message_json(appended->message) + "}");
}

net::awaitable<HttpResponse> App::get_operator_attachment(const HttpRequest& req, std::string_view id_text) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const Error missing{Errc::not_found, "no such attachment"};
  if (!is_attachment_id(id_text)) co_return error_response(s_.metrics, missing);
  const OperatorScope sc = session->scope;
  const std::string id(id_text);
  auto find = [sc, id](Storage& st) { return st.attachment_for(sc, id); };
  auto found = co_await db_read<std::optional<StoredAttachment>>(s_.db, find);
  if (!found) co_return error_response(s_.metrics, found.error());
  if (!*found) co_return error_response(s_.metrics, missing);
  const Attachment a = (*found)->attachment;
  co_return co_await serve_attachment(req, a, config_.media_dir, cpu_);
}

// rest: "" (the upload) or "/{id}" (a download). Every answer to an allowed origin carries CORS headers, errors
// too, so the widget can read their codes.
net::awaitable<HttpResponse> App::widget_attachments(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool upload = rest.empty() && verb == http::verb::post;
  const bool download = rest.size() > 1 && rest.front() == '/' && (verb == http::verb::get || verb == http::verb::head);
  const bool preflight = verb == http::verb::options && (rest.empty() || rest.front() == '/');
  if (!upload && !download && !preflight) co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  auto site = co_await widget_site(req);
  if (!site) co_return error_response(s_.metrics, site.error());
  const std::string origin(req[http::field::origin]);
  if (preflight) {
    HttpResponse res{http::status::no_content, 11};
    allow_origin(res, origin);
    res.set(http::field::access_control_allow_methods, "GET, POST");
    res.set(http::field::access_control_allow_headers, "X-Otklik-Visitor, Content-Type");
    res.set(http::field::access_control_max_age, "600");
    co_return res;
  }
  auto answer = [&](HttpResponse res) {
    allow_origin(res, origin);
    return res;
  };
  const std::string token(req[kVisitorHeader]);
  if (token.empty() || token.size() > 128) {
    co_return answer(error_response(s_.metrics, {Errc::unauthorized, "send the widget's visitor token in X-Otklik-Visitor"}));
  }
  const SiteId site_id = site->id;
  const auto hash = token_hash(token);
  auto find_visitor = [site_id, hash](Storage& st) { return st.visitor_by_token(site_id, hash); };
  auto visitor = co_await db_read<std::optional<Visitor>>(s_.db, find_visitor);
  if (!visitor) co_return answer(error_response(s_.metrics, visitor.error()));
  if (!*visitor) co_return answer(error_response(s_.metrics, {Errc::unauthorized, "unknown visitor token"}));
  const Visitor v = **visitor;

  if (download) {
    const Error missing{Errc::not_found, "no such attachment"};
    const std::string id(rest.substr(1));
    if (!is_attachment_id(id)) co_return answer(error_response(s_.metrics, missing));
    auto find = [v, id](Storage& st) { return st.visitor_attachment(v, id); };
    auto found = co_await db_read<std::optional<StoredAttachment>>(s_.db, find);
    if (!found) co_return answer(error_response(s_.metrics, found.error()));
    if (!*found) co_return answer(error_response(s_.metrics, missing));
    const Attachment a = (*found)->attachment;
    HttpResponse res = co_await serve_attachment(req, a, config_.media_dir, cpu_);
    co_return answer(std::move(res));
  }

  {
    std::lock_guard lock(limiter_mu_);
    double retry = 0;
    if (!uploads_by_visitor_.try_take(std::to_string(v.id.value), s_.clock.now(), retry)) {
      co_return answer(error_response(s_.metrics, {Errc::rate_limited, "too many files; try again in a minute"}));
    }
  }
  auto parsed = parse_upload(req);
  if (!parsed) co_return answer(error_response(s_.metrics, parsed.error()));
  const auto path = attachment_file(config_.media_dir, parsed->attachment.id);
  const std::string& bytes = req.body();
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  auto written = write_file_durably(path, bytes);
  co_await net::post(home, net::use_awaitable);
  if (!written) {
    spdlog::error("attachment upload: {}", written.error().message);
    co_return answer(error_response(s_.metrics, {Errc::unavailable, "could not store the file; try again"}));
  }

  const NewMessage msg{parsed->client_id, attachment_text(parsed->attachment.name, site->language), s_.clock.now(),
                       parsed->attachment};
  Hub& hub = s_.hub;
  Desk* desk = s_.desk;
  const Site s = *site;
  auto append = [v, msg](Storage& st) -> Result<Appended> {
    auto a = st.append_visitor_message(v, msg);
    if (!a) return a;
    if (auto events = emit_message_events(st, *a); !events) return std::unexpected(events.error());
    return a;
  };
  // As a text message from the socket (visitor_endpoint.cpp), except that a file is for people: a conversation
  // a file opens goes to the desk, not to the FAQ bot.
  auto publish = [&hub, desk, s, v](const Appended& a) {
    if (a.duplicate) return;
    if (a.created_conversation) {
      ConversationSummary sum;
      sum.conversation = a.conversation;
      sum.site_name = s.name;
      sum.visitor_name = v.name.empty() ? default_visitor_name(v.id, s.language) : v.name;
      sum.unread = 1;
      sum.last_message = a.message;
      hub.to_site_operators(s.id, share(proto::conversation_frame(sum)));
    }
    hub.to_conversation(s.id, v.id, share(proto::message_frame(a.message)));
    if (a.created_conversation && desk) desk->chat_opened(a.conversation, PageRef{}, false);
  };
  auto appended = co_await db_write<Appended>(s_.db, append, publish);
  if (!appended || appended->duplicate) remove_orphan(path);
  if (!appended) co_return answer(error_response(s_.metrics, appended.error()));
  if (!appended->duplicate) s_.metrics.message_stored(AuthorKind::visitor);
  co_return answer(json_response(appended->duplicate ? http::status::ok : http::status::created,
                                 R"({"message":)" + proto::message_json(appended->message) + "}"));
}

// The session's own 413/400 (net/http_server.cpp) never reaches the router. For the widget's endpoints, where
// every answer to an allowed origin carries CORS headers, it gets them too, on the same condition (the site's key
// and the page's origin), so the widget can read "too_large" and say the file is too big.
net::awaitable<void> App::early_error(const HttpRequest& head, HttpResponse& res) {
  res.set(http::field::server, "otklik");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "same-origin");
  const std::string_view target = head.target();
  if (!target.substr(0, target.find('?')).starts_with("/api/v1/widget/")) co_return;
  if (head[http::field::origin].empty()) co_return;
  auto site = co_await widget_site(head);
  if (!site) co_return;
  allow_origin(res, head[http::field::origin]);
}

// Orphan files: an upload writes its file before the transaction that names it, so a crash (or a failed removal)
// in between leaves a file no row refers to. A file younger than kOrphanAge may still be waiting for its commit.
net::awaitable<int> App::sweep_orphan_attachments() {
  static constexpr auto kOrphanAge = std::chrono::hours(1);
  const auto dir = config_.media_dir / "attachments";
  struct Candidate {
    std::filesystem::path path;
    std::string id;
    bool temp;  // "<id>.tmp": a write that never finished; no row ever names it
  };
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  std::vector<Candidate> old;
  {
    std::error_code ec;
    const auto cutoff = std::filesystem::file_time_type::clock::now() - kOrphanAge;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code fe;
      if (!it->is_regular_file(fe) || fe) continue;
      const auto mtime = it->last_write_time(fe);
      if (fe || mtime >= cutoff) continue;
      std::string name = it->path().filename().string();
      const bool temp = name.ends_with(".tmp");
      if (temp) name.resize(name.size() - 4);
      if (!is_attachment_id(name)) continue;  // not ours: left alone
      old.push_back(Candidate{it->path(), name, temp});
    }
  }
  co_await net::post(home, net::use_awaitable);
  if (old.empty()) co_return 0;
  std::vector<std::string> ids;
  for (const auto& c : old) {
    if (!c.temp) ids.push_back(c.id);
  }
  auto find_known = [ids](Storage& st) { return st.known_attachments(ids); };
  auto known = co_await db_read<std::vector<std::string>>(s_.db, find_known);
  if (!known) {
    spdlog::warn("attachments: orphan sweep skipped: {}", known.error().message);
    co_return 0;
  }
  const std::set<std::string> keep(known->begin(), known->end());
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  int removed = 0;
  for (const auto& c : old) {
    if (!c.temp && keep.contains(c.id)) continue;
    std::error_code ec;
    if (std::filesystem::remove(c.path, ec)) ++removed;
    else if (ec) spdlog::warn("attachments: could not remove the orphan {}: {}", c.path.string(), ec.message());
  }
  co_await net::post(home, net::use_awaitable);
  co_return removed;
}

net::awaitable<void> App::sweep_attachments_daily() {
  auto ex = co_await net::this_coro::executor;
  net::steady_timer timer(ex);
  for (;;) {
    const int removed = co_await sweep_orphan_attachments();
    spdlog::info("attachments: the orphan sweep removed {} file(s)", removed);
    timer.expires_after(std::chrono::hours(24));
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace otk
