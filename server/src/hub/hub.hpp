// Live fan-out. The hub knows which open connections want which conversations: visitor connections by
// visitor, operator connections by operator and by site. It never does I/O: it hands a shared, already
// serialised frame to each subscriber's deliver(), which queues it on that connection's own strand.
// Thread-safe; no I/O and no callbacks run under its lock.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/ids.hpp"

namespace otk {

using SharedText = std::shared_ptr<const std::string>;

inline SharedText share(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

/// One open connection, as the hub sees it.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  /// Queues a frame; never blocks. A connection whose queue is full closes itself (4008).
  virtual void deliver(SharedText frame) = 0;
  /// Closes the connection with a WebSocket close code.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

class Hub {
 public:
  void add_visitor(VisitorId visitor, const std::shared_ptr<Subscriber>& s);
  void remove_visitor(VisitorId visitor, const Subscriber* s);
  void add_operator(OperatorId op, const std::vector<SiteId>& sites, std::string session_key,
                    const std::shared_ptr<Subscriber>& s);
  void remove_operator(OperatorId op, const std::vector<SiteId>& sites, const Subscriber* s);

  /// The visitor's connections and the operators of the site: everyone in a conversation.
  void to_conversation(SiteId site, VisitorId visitor, const SharedText& frame, const Subscriber* except = nullptr);
  void to_site_operators(SiteId site, const SharedText& frame, const Subscriber* except = nullptr);
  void to_visitor(VisitorId visitor, const SharedText& frame, const Subscriber* except = nullptr);
  void to_operator(OperatorId op, const SharedText& frame, const Subscriber* except = nullptr);

  /// Closes every connection opened with this operator session (logout).
  void close_session(const std::string& session_key, std::uint16_t code, const std::string& reason);
  /// Closes every connection of this operator (their access was turned off, or their sites changed).
  void close_operator(OperatorId op, std::uint16_t code, const std::string& reason);
  /// Whether the operator has a console connected now.
  bool has_operator(OperatorId op);
  /// Closes every connection (shutdown).
  void close_all(std::uint16_t code, const std::string& reason);

 private:
  struct Entry {
    const Subscriber* key;
    std::weak_ptr<Subscriber> sub;
  };
  using Map = std::unordered_map<std::int64_t, std::vector<Entry>>;

  static void add(Map& m, std::int64_t k, const std::shared_ptr<Subscriber>& s);
  static void remove(Map& m, std::int64_t k, const Subscriber* s);
  static void collect(const Map& m, std::int64_t k, const Subscriber* except,
                      std::vector<std::shared_ptr<Subscriber>>& out);
  static void send(const std::vector<std::shared_ptr<Subscriber>>& subs, const SharedText& frame);

  std::mutex mu_;
  Map visitors_, operators_, sites_;
  std::unordered_map<std::string, std::vector<Entry>> sessions_;
};

}  // namespace otk
