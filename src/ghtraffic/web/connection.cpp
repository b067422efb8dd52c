#include "ghtraffic/web/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace ghtraffic::web {
namespace {

// Set by close_after_response while a request is handled on this thread; the connection
// loop, on the same thread, reads it once the response is written.
thread_local bool t_close_requested = false;

constexpr std::size_t k_read_ahead = 4096;
// How often the parking thread looks for connections silent too long, and whether the
// server stops; how long a closing connection waits for what the client still sends.
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

  // Whether the next request has begun to arrive: bytes read ahead, or bytes (or the end of
  // the connection, which the next read reports) on the socket now.
  bool request_waiting() const { return buffered() > 0 || wait_for(m_sock, POLLIN, 0); }

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

struct PipeliningServer::Connection {
  Connection(socket_t s, int read_timeout_ms, int write_timeout_ms, std::size_t requests)
      : sock(s), stream(s, read_timeout_ms, write_timeout_ms), requests_left(requests) {}
  ~Connection() { close_connection(sock); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  socket_t sock;
  ConnectionStream stream;
  std::size_t requests_left;
  std::chrono::steady_clock::time_point silent_until;
};

// The connections waiting for their next request, and the thread that watches them. A
// connection belongs to whoever holds its shared_ptr: the parking while it waits, the job
// that answers it while a request is answered; the last to let go closes it.
struct PipeliningServer::Parking {
  explicit Parking(const std::atomic<socket_t>& listening_socket)
      : listening(listening_socket), epoll(::epoll_create1(EPOLL_CLOEXEC)) {
    watcher = std::thread([this] { watch(); });
  }
  ~Parking() {
    stopping = true;
    watcher.join();
    parked.clear();
    if (epoll >= 0) {
      ::close(epoll);
    }
  }
  Parking(const Parking&) = delete;
  Parking& operator=(const Parking&) = delete;

  void park(std::shared_ptr<Connection> connection, time_t keep_alive_seconds) {
    std::lock_guard lock(mutex);
    if (listening == INVALID_SOCKET || epoll < 0) {
      return;  // the server stops: the connection closes as it is let go
    }
    connection->silent_until =
        std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_seconds);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.ptr = connection.get();
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, connection->sock, &event) == 0) {
      auto* key = connection.get();
      parked.emplace(key, std::move(connection));
    }
  }

  // Hands a connection whose request has begun to the pool; without one (the server
  // stops) the connection closes.
  void dispatch(std::shared_ptr<Connection> connection) {
    std::lock_guard lock(pool_mutex);
    if (pool != nullptr) {
      pool->enqueue([this, connection] { serve(connection); });
    }
  }

  void watch() {
    std::array<epoll_event, 256> events{};
    while (!stopping) {
      int n = epoll < 0 ? 0
                        : ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()),
                                       k_idle_slice_ms);
      if (epoll < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(k_idle_slice_ms));
      }
      std::vector<std::shared_ptr<Connection>> ready;
      std::vector<std::shared_ptr<Connection>> ended;  // closed once the lock is let go
      {
        std::lock_guard lock(mutex);
        for (int i = 0; i < n; ++i) {
          auto* key = static_cast<Connection*>(events[static_cast<std::size_t>(i)].data.ptr);
          if (auto found = parked.find(key); found != parked.end()) {
            ::epoll_ctl(epoll, EPOLL_CTL_DEL, key->sock, nullptr);
            ready.push_back(std::move(found->second));
            parked.erase(found);
          }
        }
        const auto now = std::chrono::steady_clock::now();
        const bool stops = listening == INVALID_SOCKET;
        for (auto it = parked.begin(); it != parked.end();) {
          if (stops || it->second->silent_until <= now) {
            ::epoll_ctl(epoll, EPOLL_CTL_DEL, it->first->sock, nullptr);
            ended.push_back(std::move(it->second));
            it = parked.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (auto& connection : ready) {
        dispatch(std::move(connection));
      }
    }
  }

  std::function<void(std::shared_ptr<Connection>)> serve;
  const std::atomic<socket_t>& listening;
  int epoll;
  mutable std::mutex mutex;
  std::map<Connection*, std::shared_ptr<Connection>> parked;
  std::mutex pool_mutex;
  TaskPool* pool = nullptr;
  std::atomic<bool> stopping{false};
  std::thread watcher;
};

namespace {

// cpp-httplib's task queue for one run of listen(): the pool, to which the parking hands
// connections until the server stops.
class ParkingTaskQueue final : public httplib::TaskQueue {
 public:
  ParkingTaskQueue(PipeliningServer::Parking& parking, std::unique_ptr<TaskPool> pool)
      : m_parking(parking), m_pool(std::move(pool)) {
    std::lock_guard lock(m_parking.pool_mutex);
    m_parking.pool = m_pool.get();
  }
  ~ParkingTaskQueue() override { shutdown(); }
  ParkingTaskQueue(const ParkingTaskQueue&) = delete;
  ParkingTaskQueue& operator=(const ParkingTaskQueue&) = delete;

  void enqueue(std::function<void()> fn) override { m_pool->enqueue(std::move(fn)); }
  void shutdown() override {
    {
      std::lock_guard lock(m_parking.pool_mutex);
      m_parking.pool = nullptr;
    }
    m_pool->shutdown();
  }

 private:
  PipeliningServer::Parking& m_parking;
  std::unique_ptr<TaskPool> m_pool;
};

}  // namespace

PipeliningServer::PipeliningServer() : m_parking(std::make_unique<Parking>(svr_sock_)) {
  m_parking->serve = [this](std::shared_ptr<Connection> connection) {
    serve(std::move(connection));
  };
  set_task_pool([] { return std::make_unique<TaskPool>(8, 1024, std::chrono::seconds(10)); });
}

PipeliningServer::~PipeliningServer() = default;

void PipeliningServer::set_task_pool(std::function<std::unique_ptr<TaskPool>()> make) {
  new_task_queue = [this, make = std::move(make)] {
    return new ParkingTaskQueue(*m_parking, make());
  };
}

void PipeliningServer::set_listen_backlog(int backlog) {
  if (svr_sock_ != INVALID_SOCKET) {
    ::listen(svr_sock_, backlog);  // on a socket that listens already, sets its backlog
  }
}

std::size_t PipeliningServer::parked() const {
  std::lock_guard lock(m_parking->mutex);
  return m_parking->parked.size();
}

bool PipeliningServer::process_and_close_socket(socket_t sock) {
  serve(std::make_shared<Connection>(sock, to_ms(read_timeout_sec_, read_timeout_usec_),
                                     to_ms(write_timeout_sec_, write_timeout_usec_),
                                     keep_alive_max_count_));
  return true;
}

void PipeliningServer::serve(std::shared_ptr<Connection> connection) {
  while (svr_sock_ != INVALID_SOCKET && connection->requests_left > 0) {
    if (!connection->stream.request_waiting()) {
      m_parking->park(std::move(connection), keep_alive_timeout_sec_);
      return;
    }
    bool closed = false;
    t_close_requested = false;
    const bool ok =
        process_request(connection->stream, connection->requests_left == 1, closed, nullptr);
    --connection->requests_left;
    const bool close = !ok || closed || t_close_requested;
    t_close_requested = false;
    if (close) {
      return;
    }
  }
}

void close_after_response(httplib::Response& res) {
  res.set_header("Connection", "close");
  t_close_requested = true;
}

}  // namespace ghtraffic::web
