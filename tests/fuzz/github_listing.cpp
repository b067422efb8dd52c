// Fuzz target of the repository listings and the GraphQL metadata answers, read as the
// collection reads them: through the API client (pagination, the REST fallback) over a
// transport that answers with the input. Input: the first page's Link header, "\n--\n",
// the first answer's body, "\n--\n", the body of every later answer. Whatever arrives,
// each repository gets a listing or an error, and no message holds the token.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.hpp"
#include "ghtraffic/github/api.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"

namespace {

using namespace ghtraffic;

constexpr const char* k_token = "ghp_fuzzcanary0123456789abcdefABCDEF";

class AnsweringTransport final : public net::HttpTransport {
 public:
  AnsweringTransport(std::string link, std::string first, std::string later)
      : m_link(std::move(link)), m_first(std::move(first)), m_later(std::move(later)) {}

  net::HttpResponse send(const net::HttpRequest& request) override {
    net::HttpResponse response;
    response.status = 200;
    response.effective_url = request.url;
    response.headers["content-type"] = "application/json; charset=utf-8";
    response.headers["date"] = "Fri, 20 Mar 2026 12:00:00 GMT";
    if (m_sent++ == 0) {
      if (!m_link.empty()) {
        response.headers["link"] = m_link;
      }
      response.body = m_first;
    } else {
      response.body = m_later;
    }
    return response;
  }

 private:
  std::string m_link;
  std::string m_first;
  std::string m_later;
  int m_sent = 0;
};

void ignore_line(std::string_view) {}

void check_message(const github::ApiError& error) {
  fuzz::require(error.message.find(k_token) == std::string::npos, "an error holds the token");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = [] {
    util::set_log_sink(ignore_line);
    util::register_secret(k_token);
    return true;
  }();
  (void)once;
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 3);
  util::ManualClock clock(util::Timestamp{});
  github::ClientOptions options;
  options.api_url = "https://api.github.com";
  options.token = k_token;
  options.max_retries = 0;
  options.concurrency = 1;

  {
    AnsweringTransport transport(parts[0], parts[1], parts[2]);
    github::Client client(options, transport, clock);
    auto listed = github::list_owner_repos(client, "octo");
    if (!listed) {
      check_message(listed.error());
    }
  }
  {
    AnsweringTransport transport(parts[0], parts[1], parts[2]);
    github::Client client(options, transport, clock);
    const std::vector<core::RepoRef> repos{{"octo", "a"}, {"octo", "b"}};
    auto result = github::fetch_metadata(client, repos);
    fuzz::require(result.repos.size() == repos.size() && result.errors.size() == repos.size(),
                  "one answer per repository");
    for (std::size_t i = 0; i < repos.size(); ++i) {
      fuzz::require(result.repos[i].has_value() != result.errors[i].has_value(),
                    "each repository has a listing or an error");
      if (result.errors[i]) {
        check_message(*result.errors[i]);
      }
      if (result.repos[i] && result.repos[i]->details_error) {
        check_message(*result.repos[i]->details_error);
      }
    }
  }
  return 0;
}
