// Operator photos: upload (PUT /api/v1/me/photo), removal, and serving at /media/operators/{id}/{version}.
//
// The bytes decide the type (core/media/image.hpp), never the client's Content-Type. A photo is written to
// <data>/media/operators/{id}-{version} (fsync, then rename) before the database points at it, so the database
// never refers to a file that is not on disk; the file it replaced is removed only after the commit. A crash in
// between leaves at most an orphan file, never a broken photo.
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <spdlog/spdlog.h>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "api/files.hpp"
#include "core/media/image.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

constexpr std::size_t kMaxPhotoBytes = 1024 * 1024;
constexpr std::string_view kPhotoPath = "/api/v1/me/photo";

/// The first 8 bytes of SHA-256, in hex: names the file and is part of its URL.
std::string content_version(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, digest, 8);
  return hex;
}

std::filesystem::path photo_file(const std::filesystem::path& media, OperatorId op, std::string_view version) {
  return media / "operators" / (std::to_string(op.value) + "-" + std::string(version));
}

void remove_quietly(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::remove(p, ec);
  if (ec) spdlog::warn("could not remove the replaced photo {}: {}", p.string(), ec.message());
}

}  // namespace

static Result<void> fsync_path(const std::filesystem::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return fail(Errc::unavailable, "cannot open " + p.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(Errc::unavailable, "cannot sync " + p.string() + ": " + std::strerror(errno));
  return {};
}

/// Writes the file so that after a crash it is either absent or complete.
Result<void> write_file_durably(const std::filesystem::path& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return fail(Errc::unavailable, "cannot create " + path.parent_path().string() + ": " + ec.message());
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return fail(Errc::unavailable, "cannot write " + tmp);
  }
  if (auto r = fsync_path(tmp, O_RDONLY); !r) return r;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Errc::unavailable, "cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return fsync_path(path.parent_path(), O_RDONLY | O_DIRECTORY);
}

std::size_t App::body_limit(std::string_view target) const {
  const auto path = target.substr(0, target.find('?'));
  if (path == kPhotoPath) return kMaxPhotoBytes;
  if (is_attachment_upload(path)) return config_.attachment_bytes;
  return kMaxRequestBody;
}

net::awaitable<HttpResponse> App::put_photo(const HttpRequest& req) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  const std::string& bytes = req.body();
  if (bytes.empty()) co_return error_response(s_.metrics, {Errc::bad_request, "send the image bytes as the body"});
  auto image = inspect_image(bytes);
  if (!image) co_return error_response(s_.metrics, image.error());

  const OperatorPhoto photo{std::string(image->mime), content_version(bytes)};
  const OperatorId op = session->scope.op.id;
  const auto path = photo_file(config_.media_dir, op, photo.version);
  auto home = co_await net::this_coro::executor;
  co_await net::post(cpu_.get_executor(), net::use_awaitable);
  auto written = write_file_durably(path, bytes);
  co_await net::post(home, net::use_awaitable);
  if (!written) {
    spdlog::error("photo upload: {}", written.error().message);
    co_return error_response(s_.metrics, {Errc::unavailable, "could not store the photo; try again"});
  }

  auto store_photo = [op, photo](Storage& st) { return st.set_operator_photo(op, photo); };
  auto replaced = co_await db_write<std::optional<OperatorPhoto>>(s_.db, store_photo);
  if (!replaced) co_return error_response(s_.metrics, replaced.error());
  if (*replaced && (*replaced)->version != photo.version) {
    remove_quietly(photo_file(config_.media_dir, op, (*replaced)->version));
  }
  OperatorAccount me = session->scope.op;
  me.photo = photo.version;
  co_return json_response(http::status::ok, R"({"operator":)" + proto::operator_json(me) + "}");
}

net::awaitable<HttpResponse> App::delete_photo(const HttpRequest& req) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorId op = session->scope.op.id;
  auto clear_photo = [op](Storage& st) { return st.set_operator_photo(op, OperatorPhoto{}); };
  auto replaced = co_await db_write<std::optional<OperatorPhoto>>(s_.db, clear_photo);
  if (!replaced) co_return error_response(s_.metrics, replaced.error());
  if (*replaced) remove_quietly(photo_file(config_.media_dir, op, (*replaced)->version));
  co_return HttpResponse{http::status::no_content, 11};
}

net::awaitable<HttpResponse> App::get_photo(const HttpRequest& req, std::string_view rest) {
  // rest = "{id}/{version}"
  const auto slash = rest.find('/');
  std::int64_t id = 0;
  const auto id_text = rest.substr(0, slash);
  auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (slash == std::string_view::npos || ec != std::errc{} || p != id_text.data() + id_text.size() || id <= 0) {
    co_return error_response(s_.metrics, {Errc::not_found, "no such photo"});
  }
  const std::string version(rest.substr(slash + 1));
  const OperatorId op{id};
  auto find_photo = [op](Storage& st) { return st.operator_photo(op); };
  auto photo = co_await db_read<std::optional<OperatorPhoto>>(s_.db, find_photo);
  if (!photo) co_return error_response(s_.metrics, photo.error());
  // Only the current version is served: an old or guessed URL is simply not found.
  if (!*photo || (*photo)->version != version) co_return error_response(s_.metrics, {Errc::not_found, "no such photo"});

  HttpResponse res{http::status::ok, 11};
  const std::string etag = "\"" + version + "\"";
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, "public, max-age=31536000, immutable");
  // Shown by the widget on every client site, so readable cross-origin, but never as a document.
  res.set("Cross-Origin-Resource-Policy", "cross-origin");
  res.set("Content-Security-Policy", "default-src 'none'; sandbox");
  if (req[http::field::if_none_match] == etag) {
    res.result(http::status::not_modified);
    co_return res;
  }
  std::ifstream in(photo_file(config_.media_dir, op, version), std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (body.empty()) co_return error_response(s_.metrics, {Errc::not_found, "photo file is missing"});
  res.set(http::field::content_type, (*photo)->content_type);
  if (req.method() != http::verb::head) res.body() = std::move(body);
  co_return res;
}

}  // namespace otk
