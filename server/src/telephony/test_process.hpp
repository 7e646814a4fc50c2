// Helpers shared by the baresip test and the SIP load benchmark: free loopback UDP ports and child processes
// (baresip, SIPp) that are always reaped. Header-only; test and bench code only, never linked into the server.
#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace otk::testing {

/// A UDP (SOCK_DGRAM) or TCP (SOCK_STREAM) port on 127.0.0.1 that nobody holds right now (the kernel picks it; we
/// release it for the peer).
inline int free_port(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}
inline int free_udp_port() { return free_port(SOCK_DGRAM); }
inline int free_tcp_port() { return free_port(SOCK_STREAM); }

/// Whether a loopback port is bound already, for UDP (SOCK_DGRAM) or TCP (SOCK_STREAM).
inline bool port_taken(int port, int type = SOCK_DGRAM) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
  ::close(fd);
  return taken;
}

/// A child process with stdin from /dev/null and stdout+stderr to `log`. The destructor kills and reaps it, so a
/// failing test leaves no peer behind.
class Child {
 public:
  Child(std::vector<std::string> args, const std::filesystem::path& log) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() { kill(SIGKILL); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() const { return pid_ > 0; }

  /// Sends `sig` and reaps the process, waiting at most `limit` before SIGKILL. Returns the exit code
  /// (128 + signal when killed), or -1 if it was not running.
  int kill(int sig, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    const int rc = wait(limit);
    if (rc != -1) return rc;
    ::kill(pid_, SIGKILL);
    return wait(std::chrono::seconds(3));
  }

  /// The exit code once it ends within `limit`, else -1 (still running).
  int wait(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  /// Waits until UDP `port` on loopback is held (by the process, once it is ready to receive; but a port is not
  /// labelled: check the process still runs), at most `limit`.
  bool wait_for_port(int port, std::chrono::milliseconds limit, int type = SOCK_DGRAM) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0 && !port_taken(port, type)) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pid_ > 0;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace otk::testing
