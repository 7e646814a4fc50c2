// CSV exports of leads, conversations and callbacks for a range of days (docs/api.md, "Exports"). Streamed: rows
// are read a page at a time on the database's reader thread (keyset pagination by id), formatted on the
// connection's strand and written as one chunk per page, so neither the file nor the whole result set is ever in
// memory, and other reads get the reader thread between pages. Scoped like the lists: the operator's account
// and the sites they are a member of.
#include <array>
#include <span>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "core/routing/routing.hpp"
#include "proto/csv.hpp"

namespace otk {
namespace {

constexpr int kExportPage = 500;

/// One export: the byte order mark and the header row come with the first page, then one page per call.
template <class Row, class Id>
class CsvExport final : public ChunkSource {
 public:
  using ReadPage = Result<std::vector<Row>> (Storage::*)(const OperatorScope&, const ExportFilter&, Id, int);
  using WriteRow = void (*)(proto::CsvWriter&, const Row&);

  CsvExport(Database& db, OperatorScope scope, ExportFilter filter, ReadPage read, std::span<const std::string_view> header,
            WriteRow write)
      : db_(db), scope_(std::move(scope)), filter_(filter), read_(read), header_(header), write_(write) {}

  net::awaitable<Result<std::optional<std::string>>> next() override {
    if (done_) co_return std::optional<std::string>{};
    std::string out;
    proto::CsvWriter w(out);
    if (!started_) {
      started_ = true;
      out += proto::kUtf8Bom;
      for (auto name : header_) w.field(name);
      w.end_row();
    }
    const OperatorScope sc = scope_;
    const ExportFilter filter = filter_;
    const Id after = after_;
    const ReadPage read = read_;
    auto read_page = [sc, filter, after, read](Storage& st) { return (st.*read)(sc, filter, after, kExportPage); };
    auto page = co_await db_read<std::vector<Row>>(db_, read_page);
    if (!page) co_return std::unexpected(page.error());
    for (const Row& row : *page) {
      write_(w, row);
      w.end_row();
    }
    if (static_cast<int>(page->size()) < kExportPage) done_ = true;
    else after_ = page->back().id;
    co_return std::optional<std::string>(std::move(out));
  }

 private:
  Database& db_;
  const OperatorScope scope_;
  const ExportFilter filter_;
  const ReadPage read_;
  const std::span<const std::string_view> header_;
  const WriteRow write_;
  Id after_{};
  bool started_ = false;
  bool done_ = false;
};

// The columns: English snake_case names, stable (spreadsheets and scripts refer to them), in docs/api.md.
constexpr std::array<std::string_view, 17> kLeadColumns{
    "id", "site_id", "site_name", "created_at", "updated_at", "status", "name", "email", "phone", "source", "referrer",
    "utm_source", "utm_medium", "utm_campaign", "landing_page", "visits", "message"};

void write_lead(proto::CsvWriter& w, const Lead& l) {
  const auto visit = visit_context(l.landing_url, l.referrer, false);
  w.field(l.id.value).field(l.site.value).field(l.site_name).time(l.created_at).time(l.updated_at);
  w.field(lead_status_name(l.status)).field(l.name).field(l.email).field(l.phone).field(lead_source_name(l.source));
  w.field(l.referrer).field(visit.utm_source).field(visit.utm_medium).field(visit.utm_campaign).field(l.landing_url);
  w.field(std::int64_t{l.visits}).field(l.message);
}

constexpr std::array<std::string_view, 14> kConversationColumns{
    "id", "site_id", "site_name", "created_at", "closed_at", "visitor_id", "visitor_name", "department", "operator",
    "messages", "first_response_seconds", "rating", "rating_comment", "labels"};

void write_conversation(proto::CsvWriter& w, const ConversationExportRow& c) {
  std::string labels;
  for (const auto& label : c.labels) labels += (labels.empty() ? "" : "; ") + label;
  w.field(c.id.value).field(c.site.value).field(c.site_name).time(c.created_at).time(c.closed_at);
  w.field(c.visitor.value).field(c.visitor_name).field(c.department).field(c.operator_name).field(c.messages);
  if (c.first_response_seconds) w.field(*c.first_response_seconds);
  else w.field(std::string_view{});
  w.field(c.rating).field(c.rating_comment).field(labels);
}

constexpr std::array<std::string_view, 13> kCallbackColumns{
    "id", "site_id", "site_name", "created_at", "number", "status", "rule", "scheduled_for", "started_at", "ended_at",
    "talk_seconds", "billed_seconds", "charge_kopecks"};

void write_callback(proto::CsvWriter& w, const CallbackRecord& c) {
  w.field(c.id.value).field(c.site.value).field(c.site_name).time(c.created_at).field(c.e164).field(c.status);
  w.field(c.rule).time(c.scheduled_for).time(c.started_at).time(c.ended_at).field((c.talk_ms + 500) / 1000);
  w.field(c.billed_seconds).field(c.charge);
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

}  // namespace

net::awaitable<Reply> App::export_csv(const HttpRequest& req, std::string_view file) {
  const std::string_view what = file == "leads.csv"           ? "leads"
                                : file == "conversations.csv" ? "conversations"
                                : file == "callbacks.csv"     ? "callbacks"
                                                              : "";
  if (what.empty()) co_return error_response(s_.metrics, {Errc::not_found, "no such export"});
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
  }
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const auto target = req.target();
  const auto from = query_param(target, "from");
  const auto to = query_param(target, "to");
  const auto range = proto::parse_day_range(view(from), view(to));
  if (!range) co_return error_response(s_.metrics, range.error());
  const auto site = site_param(target, session->scope);
  if (!site) co_return error_response(s_.metrics, site.error());
  const ExportFilter filter{range->from, range->until, *site};

  StreamedResponse res;
  res.head.result(http::status::ok);
  res.head.set(http::field::content_type, "text/csv; charset=utf-8");
  // The name is ASCII only (the days are digits): no RFC 5987 encoding needed.
  res.head.set(http::field::content_disposition, "attachment; filename=\"otklik-" + std::string(what) + "-" +
                                                     range->from_text + "-" + range->to_text + ".csv\"");
  res.head.set(http::field::cache_control, "no-store");
  const OperatorScope& sc = session->scope;
  if (what == "leads") {
    res.body = std::make_unique<CsvExport<Lead, LeadId>>(s_.db, sc, filter, &Storage::export_leads,
                                                         std::span<const std::string_view>(kLeadColumns), &write_lead);
  } else if (what == "conversations") {
    res.body = std::make_unique<CsvExport<ConversationExportRow, ConversationId>>(
        s_.db, sc, filter, &Storage::export_conversations, std::span<const std::string_view>(kConversationColumns),
        &write_conversation);
  } else {
    res.body = std::make_unique<CsvExport<CallbackRecord, CallbackId>>(
        s_.db, sc, filter, &Storage::export_callbacks, std::span<const std::string_view>(kCallbackColumns),
        &write_callback);
  }
  co_return Reply(std::move(res));
}

}  // namespace otk
