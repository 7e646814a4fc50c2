#include "net/http_client.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/impl/src.hpp>  // Asio is compiled separately (boost_impl.cpp); its TLS part here
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

namespace otk {

namespace ssl = net::ssl;

struct HttpClient::Tls {
  ssl::context ctx{ssl::context::tls_client};
  explicit Tls(const std::string& ca_file) {
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_default_verify_paths();
    if (!ca_file.empty()) ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
  }
};

// With a CA file the context is made now, so a file that cannot be read stops the start. Without one it waits
// for the first https delivery: loading the system's trust store and OpenSSL's providers costs about 3 MiB of
// resident memory that an installation without https webhooks never needs.
HttpClient::HttpClient(const std::string& ca_file) : ca_file_(ca_file) {
  if (!ca_file_.empty()) tls_ = std::make_unique<Tls>(ca_file_);
}

HttpClient::Tls& HttpClient::tls() {
  std::lock_guard lock(tls_mu_);
  if (!tls_) tls_ = std::make_unique<Tls>(ca_file_);
  return *tls_;
}

HttpClient::~HttpClient() = default;

namespace {

constexpr std::size_t kMaxResponseBody = 64 * 1024;

std::string host_header(const HttpTarget& to) {
  const bool v6 = to.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + to.host + "]" : to.host;
  if (to.port != (to.tls ? 443 : 80)) h += ":" + std::to_string(to.port);
  return h;
}

std::string describe(const beast::error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) return std::string(step) + ": timed out";
  return std::string(step) + ": " + ec.message();
}

template <class Stream>
net::awaitable<HttpCallResult> send_and_read(Stream& stream, const HttpRequest& req) {
  beast::error_code ec;
  co_await http::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return HttpCallResult{0, describe(ec, "sending")};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
  // A status line and headers are all that counts; a body too long or cut short does not change the answer.
  if (parser.is_header_done()) co_return HttpCallResult{static_cast<int>(parser.get().result_int()), ""};
  co_return HttpCallResult{0, describe(ec, "reading the response")};
}

}  // namespace

net::awaitable<HttpCallResult> HttpClient::post(const HttpTarget& to,
                                                std::span<const std::pair<std::string, std::string>> headers,
                                                std::string body, std::chrono::milliseconds timeout) {
  auto ex = co_await net::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  beast::error_code ec;

  // Name resolution has no deadline of its own in Asio; a timer cancels it.
  tcp::resolver resolver(ex);
  net::steady_timer resolve_timer(ex, timeout);
  resolve_timer.async_wait([&resolver](const beast::error_code& e) {
    if (!e) resolver.cancel();
  });
  const std::string port = std::to_string(to.port);
  auto found = co_await resolver.async_resolve(to.host, port, net::redirect_error(net::use_awaitable, ec));
  resolve_timer.cancel();
  if (ec) co_return HttpCallResult{0, describe(ec == net::error::operation_aborted ? beast::error::timeout : ec, "resolving " + to.host)};

  HttpRequest req{http::verb::post, to.target, 11};
  req.set(http::field::host, host_header(to));
  req.set(http::field::user_agent, "Otklik-Webhooks/1");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();

  if (!to.tls) {
    beast::tcp_stream stream(ex);
    stream.expires_at(deadline);
    co_await stream.async_connect(found, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return HttpCallResult{0, describe(ec, "connecting")};
    auto r = co_await send_and_read(stream, req);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return r;
  }

  beast::ssl_stream<beast::tcp_stream> stream(ex, tls().ctx);
  beast::get_lowest_layer(stream).expires_at(deadline);
  // SNI only for names (RFC 6066 forbids addresses); the certificate must match the host either way.
  boost::system::error_code addr_ec;
  (void)net::ip::make_address(to.host, addr_ec);
  if (addr_ec && !SSL_set_tlsext_host_name(stream.native_handle(), to.host.c_str())) {
    co_return HttpCallResult{0, "TLS: cannot set the server name"};
  }
  stream.set_verify_callback(ssl::host_name_verification(to.host));
  co_await beast::get_lowest_layer(stream).async_connect(found, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return HttpCallResult{0, describe(ec, "connecting")};
  co_await stream.async_handshake(ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return HttpCallResult{0, describe(ec, "TLS handshake")};
  auto r = co_await send_and_read(stream, req);
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  co_return r;
}

}  // namespace otk
