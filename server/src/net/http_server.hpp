// HTTP/1.1 listener and sessions. Reads requests with size limits and deadlines and hands each one to a
// Router; WebSocket upgrades are handed over with the stream. No domain logic lives here.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "common/result.hpp"
#include "net/beast.hpp"

namespace otk {

inline constexpr std::size_t kMaxRequestBody = 64 * 1024;   // the largest legitimate JSON body is a site config
inline constexpr std::size_t kMaxRequestHeader = 16 * 1024;
inline constexpr std::chrono::seconds kRequestDeadline{30};
/// A streamed response: each chunk must reach the client within this (a stalled reader is dropped).
inline constexpr std::chrono::seconds kChunkWriteDeadline{30};

/// The body of a streamed response, produced while it is sent. Runs on the connection's strand; the session
/// awaits each piece, writes it, and asks for the next only once the client has taken it (backpressure).
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  /// The next piece of the body (an empty one is skipped), or nullopt when the body is complete. An error means
  /// the body cannot be finished: the session closes the connection without the last chunk, so the client
  /// sees a cut transfer instead of a short file. Not called again after nullopt, an error or a failed write.
  virtual net::awaitable<Result<std::optional<std::string>>> next() = 0;
};

/// A response whose body is written as it is produced: with chunked transfer encoding (HTTP/1.1), or up to
/// the end of the connection (HTTP/1.0). The session sets the version, Transfer-Encoding and Connection.
struct StreamedResponse {
  http::response<http::empty_body> head;
  std::unique_ptr<ChunkSource> body;
};

/// What a Router answers: a whole response (almost everything), or a streamed one (large exports).
using Reply = std::variant<HttpResponse, StreamedResponse>;

class Router {
 public:
  virtual ~Router() = default;
  /// Answers one plain HTTP request. Runs on the connection's strand.
  virtual net::awaitable<Reply> handle(const HttpRequest& req, const std::string& peer_ip) = 0;
  /// The largest body accepted for a request to `target`; uploads raise it for their own paths only.
  virtual std::size_t body_limit(std::string_view target) const {
    (void)target;
    return kMaxRequestBody;
  }
  /// Called before the session sends an error of its own (413 for a too-large body, 400 for a malformed request
  /// whose header was read) with the request's header and no body: adds what the router's answers to that path
  /// carry, such as CORS headers. The default adds nothing.
  virtual net::awaitable<void> early_error(const HttpRequest& head, HttpResponse& res) {
    (void)head;
    (void)res;
    co_return;
  }
  /// Takes over a WebSocket upgrade request (accepts or refuses it).
  virtual net::awaitable<void> upgrade(beast::tcp_stream& stream, const HttpRequest& req, const std::string& peer_ip) = 0;
};

class HttpServer {
 public:
  HttpServer(net::io_context& ioc, Router& router);
  /// Binds and listens; throws on failure (start-up error: the process exits).
  tcp::endpoint listen(const tcp::endpoint& ep);
  void start();
  /// Stops accepting; open connections are left to their owners.
  void stop_accepting();
  /// Open plain HTTP connections (WebSocket connections are counted by their endpoints).
  static std::atomic<long> open_http;

 private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> session(tcp::socket socket);

  net::io_context& ioc_;
  Router& router_;
  tcp::acceptor acceptor_;
};

}  // namespace otk
