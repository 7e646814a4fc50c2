#include "net/ws_connection.hpp"

namespace otk {

WsConnection::WsConnection(WsStream ws, std::unique_ptr<WsHandler> handler, QueueLimit limit)
    : ws_(std::move(ws)), handler_(std::move(handler)), limit_(limit), deadline_(ws_.get_executor()) {}

net::awaitable<void> WsConnection::run() {
  auto self = shared_from_this();
  // Read in small steps: the buffer a pending read prepares is held by every idle connection, and async_read
  // would prepare 1,536 bytes where a typical frame is under 300. Beast still enforces read_message_max.
  static constexpr std::size_t kReadStep = 384;
  beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code ec;
    co_await ws_.async_read_some(buffer, kReadStep, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;  // closed, reset, timed out, or too big (Beast closes with 1009)
    if (!ws_.is_message_done()) continue;
    if (closing_) {
      buffer.consume(buffer.size());
      continue;
    }
    if (!ws_.got_text()) {
      buffer.consume(buffer.size());
      handler_->on_binary(*this);
      continue;
    }
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (buffer.capacity() > 4 * kReadStep) buffer.shrink_to_fit();  // a big frame's room goes back
    co_await handler_->on_frame(*this, text);
  }
  closing_ = true;
  deadline_.cancel();
  handler_->on_close(*this);
}

void WsConnection::deliver(SharedText frame) {
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->send(std::move(frame));
  });
}

void WsConnection::close(std::uint16_t code, std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    if (self->closing_) return;
    self->closing_ = true;
    self->close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!self->writing_) self->start_close();
  });
}

void WsConnection::send(SharedText frame) {
  if (closing_) return;
  if (queued() >= limit_.frames || queued_bytes_ + frame->size() > limit_.bytes) {
    closing_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(4008), "too slow: reconnect and resume");
    if (!writing_) {
      start_close();
    } else {
      // A peer this far behind is usually not reading at all: the frame being written (and a close frame after
      // it) may never go out. After a grace period the socket is cut, so the connection and its buffers go.
      deadline_.expires_after(kStalledPeerGrace);
      deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) beast::get_lowest_layer(self->ws_).close();
      });
    }
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void WsConnection::pop_front() {
  queue_[head_++].reset();
  if (head_ == queue_.size()) {
    // Drained: an idle connection keeps no buffer beyond a few slots.
    if (queue_.capacity() > 16) queue_ = {};
    else queue_.clear();
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= queue_.size()) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));  // a long backlog: compact
    head_ = 0;
  }
}

void WsConnection::write_next() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_[head_]), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    self->queued_bytes_ -= self->queue_[self->head_]->size();
    self->pop_front();
    self->writing_ = false;
    if (ec) {
      self->closing_ = true;
      self->queue_ = {};
      self->head_ = 0;
      self->queued_bytes_ = 0;
      return;
    }
    // A close asked for while writing goes out after the frame being written, dropping the rest: the
    // client resumes by sequence anyway.
    if (self->closing_) {
      self->start_close();
    } else if (self->queued() > 0) {
      self->write_next();
    }
  });
}

void WsConnection::start_close() {
  if (close_started_) return;
  close_started_ = true;
  queue_ = {};
  head_ = 0;
  queued_bytes_ = 0;
  ws_.async_close(close_reason_, [self = shared_from_this()](boost::system::error_code) {});
}

void WsConnection::arm_deadline(std::chrono::milliseconds d, std::uint16_t code, std::string reason) {
  deadline_.expires_after(d);
  deadline_.async_wait([self = shared_from_this(), code, reason = std::move(reason)](boost::system::error_code ec) {
    if (!ec) self->close(code, reason);
  });
}

void WsConnection::disarm_deadline() { deadline_.cancel(); }

}  // namespace otk
