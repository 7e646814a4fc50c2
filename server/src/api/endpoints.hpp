// The two WebSocket protocols of docs/protocol.md: the visitor's (widget) and the operator's (console).
// Each connection gets its own handler object; its state lives on the connection's strand.
#pragma once
#include <memory>

#include "api/services.hpp"
#include "app/ports/storage.hpp"
#include "net/ws_connection.hpp"

namespace otk {
namespace proto {
struct TeamView;
}

inline constexpr std::chrono::seconds kHelloDeadline{10};
inline constexpr double kFramesPerSecond = 20;
inline constexpr double kFrameBurst = 40;

/// `ip`: the visitor's address as the server sees it (the fraud rules' per-address limits).
/// `user_agent`: the upgrade request's, for the visitor card's device line.
std::unique_ptr<WsHandler> make_visitor_handler(Services& s, std::shared_ptr<const Site> site, std::string ip,
                                               std::string user_agent);
std::unique_ptr<WsHandler> make_operator_handler(Services& s, AuthSession session, std::string session_key);
/// The team as a console shows it (`welcome` and `team` frames), from storage's.
proto::TeamView team_view(Team team);

}  // namespace otk
