// The HTTP/1.1 connections of `serve`: cpp-httplib's server with a connection loop that
// keeps what it reads ahead. cpp-httplib reads each request of a keep-alive connection
// through a stream of its own, so the bytes of a request the client sent before the
// answer to the previous one (pipelining) vanish with that stream, and the request is
// never answered. Here one buffered stream lives as long as the connection, so pipelined
// requests are answered in order.
#pragma once

#include <httplib.h>

namespace ghtraffic::web {

class PipeliningServer final : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
};

// Answers with "Connection: close" and ends the connection after this response: for a
// request refused before its body was read, whose bytes would otherwise be taken for the
// next request.
void close_after_response(httplib::Response& res);

}  // namespace ghtraffic::web
