// The real HttpTransport over libcurl's easy interface.
//
// Handles are pooled: a thread takes one from the free list, uses it for one request and
// gives it back, so a handle's live connection (keep-alive, or one HTTP/2 connection)
// carries the next request too. DNS answers and TLS sessions are shared between handles
// through a locked CURLSH. The connection cache itself is deliberately not shared:
// libcurl does not support sharing connections between concurrent threads.
#include <fmt/format.h>

#include <array>
#include <mutex>
#include <string_view>
#include <vector>

#include "ghtraffic/net/curl_handle.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::net {
namespace {

constexpr std::size_t k_max_idle_handles = 128;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw util::Error("cannot initialise libcurl (curl_global_init failed)");
    }
  });
}

TransportError classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
      return TransportError::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::timeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportError::reset;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return TransportError::protocol;
    default:
      return TransportError::other;
  }
}

std::string describe(CURLcode code, const char* detail) {
  std::string_view what;
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      what = "the host name could not be resolved";
      break;
    case CURLE_COULDNT_CONNECT:
      what = "the connection was refused or the host is unreachable";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      what = "the request timed out";
      break;
    case CURLE_PARTIAL_FILE:
      what = "the response was cut short (fewer bytes than announced)";
      break;
    case CURLE_GOT_NOTHING:
      what = "the server closed the connection without answering";
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      what = "the connection was reset";
      break;
    default:
      what = curl_easy_strerror(code);
      break;
  }
  if (detail != nullptr && *detail != '\0') {
    std::string_view extra = util::trim(detail);
    return fmt::format("{} ({})", what, extra);
  }
  return std::string(what);
}

// Per-transfer state that libcurl's callbacks fill in.
struct Exchange {
  std::string body;
  Headers headers;
  std::string last_name;  // for obsolete folded continuation lines
};

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  try {
    static_cast<Exchange*>(user)->body.append(data, size * count);
    return size * count;
  } catch (...) {
    return 0;  // makes libcurl abort the transfer with CURLE_WRITE_ERROR
  }
}

void add_header_line(Exchange& exchange, std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue or a followed redirect) starts afresh.
    exchange.headers.clear();
    exchange.last_name.clear();
    return;
  }
  if (line.empty()) {
    return;
  }
  if ((line.front() == ' ' || line.front() == '\t') && !exchange.last_name.empty()) {
    auto& value = exchange.headers[exchange.last_name];
    value += ' ';
    value += util::trim(line);
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return;
  }
  std::string name(util::trim(line.substr(0, colon)));
  std::string value(util::trim(line.substr(colon + 1)));
  auto [it, inserted] = exchange.headers.try_emplace(name, value);
  if (!inserted) {
    // Repeated fields combine as a comma-separated list (RFC 9110 5.3); for Link that is
    // also the list form RFC 8288 defines, so every relation stays readable.
    it->second += ", ";
    it->second += value;
  }
  exchange.last_name = std::move(name);
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  try {
    add_header_line(*static_cast<Exchange*>(user), std::string_view(data, size * count));
    return size * count;
  } catch (...) {
    return 0;
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const CurlOptions& options) : m_options(options) {
    if (m_share) {
      curl_share_setopt(m_share.get(), CURLSHOPT_LOCKFUNC, &CurlTransport::lock_share);
      curl_share_setopt(m_share.get(), CURLSHOPT_UNLOCKFUNC, &CurlTransport::unlock_share);
      curl_share_setopt(m_share.get(), CURLSHOPT_USERDATA, this);
      curl_share_setopt(m_share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(m_share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
  }

  HttpResponse send(const HttpRequest& request) override {
    CurlEasy easy = take_handle();
    HttpResponse response = perform(easy, request);
    give_back(std::move(easy));
    return response;
  }

 private:
  static void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<CurlTransport*>(user)->m_share_locks.at(static_cast<std::size_t>(data)).lock();
  }
  static void unlock_share(CURL*, curl_lock_data data, void* user) {
    static_cast<CurlTransport*>(user)->m_share_locks.at(static_cast<std::size_t>(data)).unlock();
  }

  CurlEasy take_handle() {
    {
      std::lock_guard lock(m_pool_mutex);
      if (!m_idle.empty()) {
        CurlEasy easy = std::move(m_idle.back());
        m_idle.pop_back();
        return easy;
      }
    }
    return CurlEasy();
  }

  void give_back(CurlEasy easy) {
    if (!easy) {
      return;
    }
    std::lock_guard lock(m_pool_mutex);
    if (m_idle.size() < k_max_idle_handles) {
      m_idle.push_back(std::move(easy));
    }
  }

  HttpResponse perform(const CurlEasy& easy, const HttpRequest& request) {
    HttpResponse response;
    if (!easy) {
      response.error = TransportError::other;
      response.error_message = "cannot create a libcurl handle (out of memory?)";
      return response;
    }
    CURL* h = easy.get();
    // Forgets the previous request's options but keeps the live connection and caches.
    curl_easy_reset(h);

    Exchange exchange;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    CurlList header_list;
    for (const auto& [name, value] : request.headers) {
      // libcurl sends a header line as given: a line break would start headers of its own.
      auto breaks = [](const std::string& text) {
        return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos;
      };
      if (breaks(name) || breaks(value)) {
        response.error = TransportError::other;
        response.error_message =
            fmt::format("{} {} was not sent: {} holds a line break, which would add headers",
                        request.method, util::scrub(request.url),
                        breaks(name) ? std::string("a header name") : "the " + name + " header");
        return response;
      }
      // "Name;" is libcurl's way to send a header with an empty value.
      header_list.append(value.empty() ? name + ";" : name + ": " + value);
    }
    header_list.append("Expect:");

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (m_share) {
      curl_easy_setopt(h, CURLOPT_SHARE, m_share.get());
    }
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                     m_options.http2 ? static_cast<long>(CURL_HTTP_VERSION_2TLS)
                                     : static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(m_options.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data());

    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    }

    CURLcode code = curl_easy_perform(h);
    // The buffers above die with this frame; the handle must not point at them.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));

    if (code != CURLE_OK) {
      response.error = classify(code);
      response.error_message = util::scrub(fmt::format(
          "{} {} failed: {}", request.method, request.url, describe(code, error_buffer.data())));
      return response;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    char* effective_url = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective_url);
    response.status = status;
    response.headers = std::move(exchange.headers);
    response.body = std::move(exchange.body);
    response.effective_url = effective_url != nullptr ? effective_url : request.url;
    return response;
  }

  CurlOptions m_options;
  // Declared before the share and the handles: both may take these locks while dying.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> m_share_locks;
  CurlShare m_share;
  std::mutex m_pool_mutex;
  std::vector<CurlEasy> m_idle;  // destroyed before m_share, which refuses to die in use
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const CurlOptions& options) {
  init_curl_once();
  return std::make_unique<CurlTransport>(options);
}

}  // namespace ghtraffic::net
