// The HTTP/1.1 connections of `serve`: cpp-httplib's server with a connection loop of its
// own, for two reasons.
// - Pipelining. cpp-httplib reads each request of a keep-alive connection through a stream
//   of its own, so the bytes of a request the client sent before the answer to the
//   previous one vanish with that stream, and the request is never answered. Here one
//   buffered stream lives as long as the connection, so pipelined requests are answered in
//   order.
// - Idle connections. cpp-httplib keeps a thread on each connection while it waits for the
//   next request, so a thousand connections that send nothing hold a thousand threads and
//   their memory. Here a connection waiting for a request is parked: one thread watches
//   every parked connection (epoll), and hands one to the pool only when its next request
//   begins to arrive; one that stays silent for the keep-alive timeout is closed.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>

#include "ghtraffic/web/task_pool.hpp"

namespace ghtraffic::web {

class PipeliningServer final : public httplib::Server {
 public:
  PipeliningServer();
  ~PipeliningServer() override;
  PipeliningServer(const PipeliningServer&) = delete;
  PipeliningServer& operator=(const PipeliningServer&) = delete;

  // The pool that answers requests, made anew each time the server starts listening.
  void set_task_pool(std::function<std::unique_ptr<TaskPool>()> make);
  // How many connections the kernel keeps waiting for accept() (cpp-httplib asks for 5);
  // after bind.
  void set_listen_backlog(int backlog);
  // Connections parked now, waiting for their next request (for tests and figures).
  std::size_t parked() const;

  struct Connection;
  struct Parking;

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Answers the requests that have arrived on the connection, then parks it or closes it.
  void serve(std::shared_ptr<Connection> connection);

  std::unique_ptr<Parking> m_parking;
};

// Answers with "Connection: close" and ends the connection after this response: for a
// request refused before its body was read, whose bytes would otherwise be taken for the
// next request.
void close_after_response(httplib::Response& res);

}  // namespace ghtraffic::web
