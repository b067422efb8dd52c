// Fuzz target of SigV4 signing (aws/sigv4.hpp, aws/request.hpp) over what a user or a
// service can put in a request: the endpoint URL (a store URL's endpoint=, the
// AWS_ENDPOINT_URL variables), the path (an S3 key), query names and values and header
// values. Input, cut at "\n--\n": endpoint, method, path, query lines NAME=VALUE, header
// lines NAME: VALUE, body. Whatever they hold, the request is signed once per attempt,
// the same way twice, with a 64-digit hex signature, and no header, URL or scrubbed
// message holds the secret key or the signature.
#include "ghtraffic/aws/sigv4.hpp"

#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "ghtraffic/aws/request.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace {

using namespace ghtraffic;

constexpr const char* k_secret = "fuzzSecretKey0123456789abcdefCANARY/+=";

class CapturingTransport final : public net::HttpTransport {
 public:
  net::HttpResponse send(const net::HttpRequest& request) override {
    m_sent.push_back(request);
    net::HttpResponse response;
    response.status = 200;
    response.body = "{}";
    return response;
  }
  const std::vector<net::HttpRequest>& sent() const { return m_sent; }

 private:
  std::vector<net::HttpRequest> m_sent;
};

aws::HeaderList pairs(std::string_view text, char separator) {
  aws::HeaderList out;
  for (const auto& line : util::split(text, '\n')) {
    auto at = line.find(separator);
    if (at == std::string::npos) {
      out.emplace_back(line, "");
    } else {
      out.emplace_back(line.substr(0, at), line.substr(at + 1));
    }
  }
  return out;
}

bool is_hex(std::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = [] {
    util::register_secret(k_secret);
    return true;
  }();
  (void)once;
  auto input = fuzz::as_text(data, size);
  auto parts = fuzz::split_parts(input, 6);
  // A path or header the caller gave is sent as it is: only what the input did not hold
  // must not appear.
  const bool input_holds_secret = input.find(k_secret) != std::string_view::npos;

  for (bool keep_slash : {true, false}) {
    fuzz::require(aws::uri_decode(aws::uri_encode(parts[2], keep_slash)) == parts[2],
                  "uri_decode undoes uri_encode");
  }

  aws::SignableRequest signable;
  signable.method = parts[1];
  signable.path = parts[2];
  signable.query = pairs(parts[3], '=');
  signable.headers = pairs(parts[4], ':');
  signable.headers.emplace_back("Host", "dynamodb.eu-west-1.amazonaws.com");
  signable.body = parts[5];
  aws::SigningParams params;
  params.credentials = {"AKIDFUZZ", k_secret, ""};
  params.region = "eu-west-1";
  params.service = "dynamodb";
  for (bool s3 : {false, true}) {
    params.s3_path = s3;
    params.payload = s3 ? aws::PayloadSigning::hash_header : aws::PayloadSigning::hash_only;
    auto first = aws::sign(signable, params);
    auto again = aws::sign(signable, params);
    fuzz::require(first.signature == again.signature, "signing is deterministic");
    fuzz::require(first.signature.size() == 64 && is_hex(first.signature),
                  "a signature is 64 hex digits");
    fuzz::require(input_holds_secret || first.canonical_request.find(k_secret) == std::string::npos,
                  "the canonical request holds no secret");
  }

  aws::ServiceTarget target;
  target.service = "dynamodb";
  target.region = "eu-west-1";
  target.base_url = parts[0];
  target.credentials = params.credentials;
  aws::ServiceRequest request;
  request.method = parts[1].empty() ? "POST" : parts[1];
  request.path = parts[2].empty() || parts[2][0] != '/' ? "/" + parts[2] : parts[2];
  request.query = signable.query;
  request.headers = pairs(parts[4], ':');
  request.body = parts[5];
  request.what = "fuzz request";
  CapturingTransport transport;
  util::ManualClock clock(util::Timestamp{});
  auto result = aws::send_with_retries(target, request, transport, clock, {.max_attempts = 1},
                                       [](const net::HttpResponse&) { return std::nullopt; });
  if (!result) {
    fuzz::require(result.error().message.find(k_secret) == std::string::npos,
                  "an error holds the secret key");
  }
  for (const auto& sent : transport.sent()) {
    fuzz::require(input_holds_secret || sent.url.find(k_secret) == std::string::npos,
                  "a URL holds the secret key");
    for (const auto& [name, value] : sent.headers) {
      fuzz::require(input_holds_secret || value.find(k_secret) == std::string::npos,
                    "a header holds the secret key");
      if (util::iequals(name, "authorization")) {
        auto at = value.find("Signature=");
        fuzz::require(at != std::string::npos, "the Authorization header has a signature");
        auto signature = value.substr(at + 10);
        fuzz::require(aws::scrub_aws(value).find(signature) == std::string::npos,
                      "scrubbing masks the signature");
      }
    }
  }
  return 0;
}
