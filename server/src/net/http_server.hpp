// HTTP/1.1 listener and sessions. Reads requests with size limits and deadlines and hands each one to a
// Router; WebSocket upgrades are handed over with the stream. No domain logic lives here.
#pragma once
#include <functional>
#include <memory>

#include "net/beast.hpp"

namespace otk {

inline constexpr std::size_t kMaxRequestBody = 64 * 1024;   // the largest legitimate JSON body is a site config
inline constexpr std::size_t kMaxRequestHeader = 16 * 1024;
inline constexpr std::chrono::seconds kRequestDeadline{30};

class Router {
 public:
  virtual ~Router() = default;
  /// Answers one plain HTTP request. Runs on the connection's strand.
  virtual net::awaitable<HttpResponse> handle(const HttpRequest& req, const std::string& peer_ip) = 0;
  /// The largest body accepted for a request to `target`; uploads raise it for their own paths only.
  virtual std::size_t body_limit(std::string_view target) const {
    (void)target;
    return kMaxRequestBody;
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
