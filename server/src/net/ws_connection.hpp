// One WebSocket connection: one strand, one reader coroutine, one writer with a bounded queue.
// Overflow policy: a peer that falls more than its queue limit (frames or bytes) behind is closed with 4008; it
// reconnects and resumes by sequence, so nothing is lost and nobody else waits for it.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "hub/hub.hpp"
#include "net/beast.hpp"

namespace otk {

/// How far behind a peer may fall. A visitor sees one conversation; an operator sees every message of every site
/// they serve, and one group commit may publish hundreds at once: the load benchmark closed operators of a busy
/// installation with 1,024 frames, so operators get sixteen times the room (they are few).
struct QueueLimit {
  std::size_t frames = 1024;
  std::size_t bytes = 4 * 1024 * 1024;
};
inline constexpr QueueLimit kVisitorQueue{};
inline constexpr QueueLimit kOperatorQueue{16 * 1024, 64 * 1024 * 1024};
/// How long a peer past its queue limit may take to accept the frame being written before its socket is cut.
inline constexpr std::chrono::seconds kStalledPeerGrace{2};

class WsConnection;

/// What a connection does with frames: the visitor or operator protocol (api/).
class WsHandler {
 public:
  virtual ~WsHandler() = default;
  /// One text frame; frames of a connection are handled one at a time, in order, on its strand.
  virtual net::awaitable<void> on_frame(WsConnection& conn, const std::string& text) = 0;
  /// A binary frame: the protocol has none.
  virtual void on_binary(WsConnection& conn) = 0;
  /// The connection is gone (after the last on_frame).
  virtual void on_close(WsConnection& conn) = 0;
};

class WsConnection final : public Subscriber, public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(WsStream ws, std::unique_ptr<WsHandler> handler, QueueLimit limit = kVisitorQueue);

  /// Reads until the peer goes away. Runs on the connection's strand.
  net::awaitable<void> run();
  /// run() in a coroutine that owns the connection, for co_spawn.
  static net::awaitable<void> serve(std::shared_ptr<WsConnection> self) { co_await self->run(); }

  /// Thread-safe: queue a frame / close with a code.
  void deliver(SharedText frame) override;
  void close(std::uint16_t code, std::string reason) override;

  /// On the strand: queue a frame.
  void send(SharedText frame);
  void send(std::string frame) { send(share(std::move(frame))); }

  /// Closes with `code` unless disarm_deadline() is called within `d` (the hello deadline).
  void arm_deadline(std::chrono::milliseconds d, std::uint16_t code, std::string reason);
  void disarm_deadline();

  [[nodiscard]] auto executor() { return ws_.get_executor(); }

 private:
  void write_next();
  void start_close();

  WsStream ws_;
  std::unique_ptr<WsHandler> handler_;
  QueueLimit limit_;
  // Frames waiting to be written, oldest at head_. A vector, not a deque: libstdc++'s deque allocates 576 bytes
  // even when empty, and an idle connection's queue is empty.
  std::vector<SharedText> queue_;
  std::size_t head_ = 0;
  [[nodiscard]] std::size_t queued() const { return queue_.size() - head_; }
  void pop_front();
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;      // no more frames are queued
  bool close_started_ = false;
  websocket::close_reason close_reason_;
  net::steady_timer deadline_;
};

}  // namespace otk
