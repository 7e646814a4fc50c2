// An outgoing HTTP/1.1 client for webhooks: one POST per call on a fresh connection, plain or TLS (OpenSSL,
// with the peer's certificate checked against the system's trust store, plus an optional CA file, and its
// name checked against the host). Every step is bounded by one deadline; the response body is read up to
// 64 KiB and dropped (only the status matters).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>

#include "net/beast.hpp"

namespace otk {

struct HttpTarget {
  bool tls = false;
  std::string host;  // a name or an address (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string target;  // path and query
};

struct HttpCallResult {
  int status = 0;     // the response's status; 0 when none arrived
  std::string error;  // what went wrong before a status arrived ("" when one did)
};

class HttpClient {
 public:
  /// `ca_file`: extra trusted certificates in PEM ("" for the system's only). Throws when it cannot be read.
  explicit HttpClient(const std::string& ca_file = "");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  net::awaitable<HttpCallResult> post(const HttpTarget& to, std::span<const std::pair<std::string, std::string>> headers,
                                      std::string body, std::chrono::milliseconds timeout);

 private:
  struct Tls;
  /// The TLS context, made on first use unless a CA file made it at construction.
  Tls& tls();
  std::string ca_file_;
  std::mutex tls_mu_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace otk
