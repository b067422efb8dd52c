#include "ghtraffic/web/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace ghtraffic::web {
namespace {

// Set by close_after_response while a request is handled on this thread; the connection
// loop, on the same thread, reads it once the response is written.
thread_local bool t_close_requested = false;

constexpr std::size_t k_read_ahead = 4096;
// How often a connection waiting for its next request looks whether the server stops.
constexpr int k_idle_slice_ms = 50;
// How long, and how much, a closing connection reads of what the client still sends.
constexpr int k_drain_ms = 500;
constexpr std::size_t k_max_drained = 256 * 1024;

int to_ms(time_t seconds, time_t microseconds) {
  return static_cast<int>(seconds * 1000 + microseconds / 1000);
}

bool wait_for(socket_t sock, short events, int timeout_ms) {
  pollfd fd{sock, events, 0};
  int ready = 0;
  do {
    ready = ::poll(&fd, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

void address_text(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

// One connection's socket with the bytes read from it but not consumed yet.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(socket_t sock, int read_timeout_ms, int write_timeout_ms)
      : m_sock(sock), m_read_timeout_ms(read_timeout_ms), m_write_timeout_ms(write_timeout_ms) {}

  bool is_readable() const override {
    return buffered() > 0 || wait_for(m_sock, POLLIN, m_read_timeout_ms);
  }

  bool is_writable() const override { return wait_for(m_sock, POLLOUT, m_write_timeout_ms); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered() == 0) {
      if (!is_readable()) {
        return -1;
      }
      auto got = receive(m_buffer.data(), m_buffer.size());
      if (got <= 0) {
        return got;
      }
      m_begin = 0;
      m_end = static_cast<std::size_t>(got);
    }
    auto n = std::min(size, buffered());
    std::memcpy(ptr, m_buffer.data() + m_begin, n);
    m_begin += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) {
      return -1;
    }
    ssize_t sent = 0;
    do {
      sent = ::send(m_sock, ptr, size, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(m_sock, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      address_text(address, ip, port);
    }
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(m_sock, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      address_text(address, ip, port);
    }
  }

  socket_t socket() const override { return m_sock; }

  // Whether another request begins within the keep-alive timeout: bytes read ahead, or
  // bytes (or the end of the connection, which the next read reports) on the socket.
  // False as soon as the server stops.
  bool wait_for_request(time_t keep_alive_seconds, const std::atomic<socket_t>& listening) const {
    if (buffered() > 0) {
      return true;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_seconds);
    while (listening != INVALID_SOCKET) {
      if (wait_for(m_sock, POLLIN, k_idle_slice_ms)) {
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
    }
    return false;
  }

 private:
  std::size_t buffered() const { return m_end - m_begin; }

  ssize_t receive(char* ptr, size_t size) {
    ssize_t got = 0;
    do {
      got = ::recv(m_sock, ptr, size, 0);
    } while (got < 0 && errno == EINTR);
    return got;
  }

  socket_t m_sock;
  int m_read_timeout_ms;
  int m_write_timeout_ms;
  std::array<char, k_read_ahead> m_buffer{};
  std::size_t m_begin = 0;
  std::size_t m_end = 0;
};

// Closing a socket with unread bytes makes the kernel answer with a reset, which can
// discard the response the client has not read yet. A connection ended with bytes pending
// (the body of a refused request) is shut for writing first and drained for a moment.
void close_connection(socket_t sock) {
  int pending = 0;
  if (::ioctl(sock, FIONREAD, &pending) == 0 && pending > 0) {
    ::shutdown(sock, SHUT_WR);
    std::array<char, k_read_ahead> discarded{};
    std::size_t drained = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_drain_ms);
    while (drained < k_max_drained && std::chrono::steady_clock::now() < deadline &&
           wait_for(sock, POLLIN, k_idle_slice_ms)) {
      auto got = ::recv(sock, discarded.data(), discarded.size(), 0);
      if (got <= 0) {
        break;
      }
      drained += static_cast<std::size_t>(got);
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace

bool PipeliningServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, to_ms(read_timeout_sec_, read_timeout_usec_),
                          to_ms(write_timeout_sec_, write_timeout_usec_));
  bool ok = false;
  for (auto left = keep_alive_max_count_;
       left > 0 && stream.wait_for_request(keep_alive_timeout_sec_, svr_sock_); --left) {
    bool closed = false;
    t_close_requested = false;
    ok = process_request(stream, left == 1, closed, nullptr);
    if (!ok || closed || t_close_requested) {
      break;
    }
  }
  t_close_requested = false;
  close_connection(sock);
  return ok;
}

void close_after_response(httplib::Response& res) {
  res.set_header("Connection", "close");
  t_close_requested = true;
}

}  // namespace ghtraffic::web
