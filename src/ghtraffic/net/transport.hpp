// The HTTP seam. CurlTransport is the real thing (libcurl, connection reuse, HTTP/2 where
// offered); unit tests give the client a fake. send() is called from several threads at
// once and must be safe for that.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ghtraffic::net {

// Header names compare case-insensitively.
struct HeaderLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, HeaderLess>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  bool follow_redirects = false;  // the client follows 301s itself to record renames
};

enum class TransportError {
  none,
  connect,  // refused, unreachable, DNS
  timeout,
  reset,     // connection reset or closed mid-response
  protocol,  // malformed HTTP
  other,
};

struct HttpResponse {
  TransportError error = TransportError::none;
  std::string error_message;  // set when error != none; never holds request headers
  long status = 0;
  Headers headers;
  std::string body;
  std::string effective_url;

  bool ok() const { return error == TransportError::none; }
  std::optional<std::string> header(const std::string& name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct CurlOptions {
  bool http2 = true;
  std::chrono::milliseconds connect_timeout{10000};
};
std::unique_ptr<HttpTransport> make_curl_transport(const CurlOptions& options = {});

}  // namespace ghtraffic::net
