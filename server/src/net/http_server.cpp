#include "net/http_server.hpp"

#include <array>
#include <limits>

#include <spdlog/spdlog.h>

namespace otk {

std::atomic<long> HttpServer::open_http{0};

HttpServer::HttpServer(net::io_context& ioc, Router& router) : ioc_(ioc), router_(router), acceptor_(ioc) {}

tcp::endpoint HttpServer::listen(const tcp::endpoint& ep) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(net::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void HttpServer::start() { net::co_spawn(ioc_, accept_loop(), net::detached); }

void HttpServer::stop_accepting() {
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
}

net::awaitable<void> HttpServer::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    // Each connection gets its own strand: its coroutine and every frame delivered to it run there.
    tcp::socket socket = co_await acceptor_.async_accept(net::make_strand(ioc_),
                                                        net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning, keep serving the open connections.
      spdlog::warn("accept failed: {}", ec.message());
      net::steady_timer t(ioc_, std::chrono::milliseconds(50));
      co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    net::co_spawn(ex, session(std::move(socket)), net::detached);
  }
}

namespace {

HttpResponse plain_error(http::status status, const char* code, const char* message, unsigned version) {
  HttpResponse res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = std::string(R"({"error":{"code":")") + code + R"(","message":")" + message + "\"}}";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

/// After refusing a request mid-body: stop sending, then read and drop what the client is still sending (bounded
/// in bytes and time), so that it reads our answer instead of a connection reset.
net::awaitable<void> linger(beast::tcp_stream& stream) {
  constexpr std::size_t kMaxDrain = 8 * 1024 * 1024;
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink;
  for (std::size_t drained = 0; drained < kMaxDrain;) {
    const std::size_t n =
        co_await stream.async_read_some(net::buffer(sink), net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    drained += n;
  }
}

/// Writes a streamed response: the header, then each piece the source gives as one chunk, each write with its own
/// deadline, then the last chunk. HTTP/1.0 has no chunks: the body runs to the end of the connection. Returns
/// whether the connection may serve another request; false after a failed write (the client went away: the
/// source is not asked again) or a failed source (no last chunk, so the cut is visible to the client).
net::awaitable<bool> write_streamed(beast::tcp_stream& stream, const HttpRequest& req, StreamedResponse& res) {
  auto& head = res.head;
  const bool chunked = req.version() >= 11;
  head.version(req.version());
  head.keep_alive(head.keep_alive() && req.keep_alive() && chunked);
  head.chunked(chunked);
  const bool keep = head.keep_alive();
  boost::system::error_code ec;
  http::response_serializer<http::empty_body> serializer{head};
  stream.expires_after(kChunkWriteDeadline);
  co_await http::async_write_header(stream, serializer, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;
  if (req.method() == http::verb::head) co_return keep;
  for (;;) {
    auto piece = co_await res.body->next();
    if (!piece) {
      spdlog::warn("streamed response to {} cut short: {}", std::string(req.target()), piece.error().message);
      co_return false;
    }
    if (!*piece) break;
    const std::string& data = **piece;
    if (data.empty()) continue;
    stream.expires_after(kChunkWriteDeadline);
    if (chunked) {
      const auto chunk = http::make_chunk(net::const_buffer(data.data(), data.size()));
      co_await net::async_write(stream, chunk, net::redirect_error(net::use_awaitable, ec));
    } else {
      const net::const_buffer raw(data.data(), data.size());
      co_await net::async_write(stream, raw, net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) co_return false;
  }
  if (!chunked) co_return false;
  stream.expires_after(kChunkWriteDeadline);
  const auto last = http::make_chunk_last();
  co_await net::async_write(stream, last, net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep;
}

}  // namespace

net::awaitable<void> HttpServer::session(tcp::socket socket) {
  ++open_http;
  struct Count {
    ~Count() { --open_http; }
  } count;
  boost::system::error_code ec;
  std::string peer = socket.remote_endpoint(ec).address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxRequestHeader);
    // No body limit while the header is read: Beast would refuse a declared length over its default (1 MiB)
    // inside async_read_header, before the header is complete and the router could name the path's limit.
    // (Not boost::none: Beast 1.74 compares `len > body_limit_` and an empty optional is less than any length.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    stream.expires_after(kRequestDeadline);
    co_await http::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      // Beast (1.74) applies a body limit set after the header only to chunked bodies; a declared length is
      // checked against it here, before a byte of the body is read.
      const std::size_t limit = router_.body_limit(parser.get().target());
      parser.body_limit(limit);
      if (const auto length = parser.content_length(); length && *length > limit) {
        ec = http::error::body_limit;
      } else {
        co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      }
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof) break;
    if (ec) {
      HttpResponse res = ec == http::error::body_limit
                             ? plain_error(http::status::payload_too_large, "too_large", "request body is too large", 11)
                             : plain_error(http::status::bad_request, "bad_request", "malformed HTTP request", 11);
      if (parser.is_header_done()) {
        // The router's headers for that path (the widget's CORS), so a cross-origin page can read the code.
        HttpRequest head;
        head.base() = parser.get().base();
        co_await router_.early_error(head, res);
        res.prepare_payload();
      }
      co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
      co_await linger(stream);
      co_return;
    }
    HttpRequest req = parser.release();
    if (websocket::is_upgrade(req)) {
      stream.expires_never();
      co_await router_.upgrade(stream, req, peer);
      co_return;
    }
    Reply reply = co_await router_.handle(req, peer);
    if (auto* streamed = std::get_if<StreamedResponse>(&reply)) {
      const bool keep = co_await write_streamed(stream, req, *streamed);
      if (!keep) break;
      continue;
    }
    HttpResponse& res = std::get<HttpResponse>(reply);
    res.version(req.version());
    res.keep_alive(res.keep_alive() && req.keep_alive());
    res.prepare_payload();
    const bool keep = res.keep_alive();
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    if (ec || !keep) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace otk
