#include "ghtraffic/aws/s3.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "ghtraffic/aws/request.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws {
namespace {

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      static constexpr std::pair<std::string_view, char> k_entities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool replaced = false;
      for (const auto& [entity, c] : k_entities) {
        if (text.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) {
        continue;
      }
      // Numeric references: "&#39;", "&#x27;".
      auto end = text.find(';', i);
      if (!replaced && end != std::string_view::npos && i + 2 < end && text[i + 1] == '#') {
        bool hex = text[i + 2] == 'x' || text[i + 2] == 'X';
        auto digits = text.substr(i + (hex ? 3 : 2), end - i - (hex ? 3 : 2));
        if (auto code = util::parse_int<std::uint32_t>(digits, 0, UINT32_MAX, hex ? 16 : 10)) {
          append_utf8(out, *code);
          i = end;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

// Every <tag>value</tag> in document order; enough for S3's flat answers.
std::vector<std::string> xml_values(std::string_view xml, std::string_view tag) {
  std::vector<std::string> values;
  auto open = fmt::format("<{}>", tag);
  auto close = fmt::format("</{}>", tag);
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    auto start = pos + open.size();
    auto end = xml.find(close, start);
    if (end == std::string_view::npos) {
      break;
    }
    values.push_back(xml_unescape(xml.substr(start, end - start)));
    pos = end + close.size();
  }
  return values;
}

std::string xml_value(std::string_view xml, std::string_view tag) {
  auto values = xml_values(xml, tag);
  return values.empty() ? std::string() : values.front();
}

std::string code_for_status(long status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 403:
      return "AccessDenied";
    case 404:
      return "NotFound";
    case 503:
      return "SlowDown";
    default:
      return fmt::format("HTTP{}", status);
  }
}

bool is_retryable_s3(long status, std::string_view code) {
  return status >= 500 || status == 429 || is_throttling_code(code) || code == "InternalError" ||
         code == "RequestTimeout" || code == "ServiceUnavailable";
}

}  // namespace

std::string s3_uri(const std::string& bucket, const std::string& key) {
  return key.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + key;
}

struct S3Client::Call {
  std::string method = "GET";
  std::string operation;  // "PutObject"
  std::string action;     // "s3:PutObject"
  std::string bucket;
  std::string key;
  HeaderList query;
  HeaderList headers;
  std::string body;
  bool bucket_root = false;  // the request is on the bucket itself (list, create)
  long not_an_error = 0;     // a status the caller handles itself (404 for head)
};

S3Client::S3Client(Config config, net::HttpTransport& transport, util::Clock& clock)
    : m_config(std::move(config)), m_transport(transport), m_clock(clock) {}

S3Client::Config S3Client::config_from_environment(const std::optional<std::string>& region) {
  Config config;
  config.region = resolve_region(region);
  config.endpoint = resolve_endpoint("s3", config.region);
  config.credentials = load_credentials();
  return config;
}

Result<net::HttpResponse> S3Client::send(const Call& call) {
  ServiceTarget target{"s3",
                       m_config.region,
                       m_config.endpoint.url,
                       m_config.credentials,
                       PayloadSigning::hash_header,
                       true};
  ServiceRequest request;
  request.method = call.method;
  request.query = call.query;
  request.headers = call.headers;
  request.body = call.body;
  auto resource = s3_uri(call.bucket, call.key);
  request.what = fmt::format("S3 {} of {}", call.operation, resource);

  bool path_style = m_config.endpoint.custom || call.bucket.find('.') != std::string::npos;
  auto encoded_key = uri_encode(call.key, true);
  if (path_style) {
    request.path = "/" + call.bucket + (call.bucket_root ? "" : "/" + encoded_key);
  } else {
    auto scheme_end = target.base_url.find("://");
    target.base_url.insert(scheme_end == std::string::npos ? 0 : scheme_end + 3, call.bucket + ".");
    request.path = "/" + encoded_key;
  }

  auto arn = call.bucket_root ? "arn:aws:s3:::" + call.bucket
                              : "arn:aws:s3:::" + call.bucket + "/" + call.key;
  auto classify = [&](const net::HttpResponse& response) -> std::optional<AwsError> {
    if ((response.status >= 200 && response.status < 300) ||
        (call.not_an_error != 0 && response.status == call.not_an_error)) {
      return std::nullopt;
    }
    AwsError error;
    error.status = response.status;
    error.code = xml_value(response.body, "Code");
    auto aws_message = xml_value(response.body, "Message");
    if (error.code.empty()) {
      error.code = code_for_status(response.status);
    }
    error.retryable = is_retryable_s3(response.status, error.code);
    auto advice = advice_for(error.code, call.action, arn, m_config.region);
    if (auto region = response.header("x-amz-bucket-region");
        region && error.code == "PermanentRedirect") {
      advice = fmt::format("the bucket is in region {}; set AWS_REGION={}", *region, *region);
    }
    if (error.code == "NoSuchBucket") {
      advice = fmt::format(
          "check the bucket name \"{}\" and the region ({}); the bucket must "
          "exist before exporting to it",
          call.bucket, m_config.region);
    }
    error.message = fmt::format("{} failed: {}{}{}{}", request.what, error.code,
                                aws_message.empty() ? "" : ": " + aws_message,
                                advice.empty() ? "" : " — ", advice);
    return error;
  };
  return send_with_retries(target, request, m_transport, m_clock, m_config.retry, classify);
}

Result<void> S3Client::put_object(const std::string& bucket, const std::string& key,
                                  const std::string& body, const std::string& content_type) {
  auto response = send({.method = "PUT",
                        .operation = "PutObject",
                        .action = "s3:PutObject",
                        .bucket = bucket,
                        .key = key,
                        .headers = {{"Content-Type", content_type}},
                        .body = body});
  if (!response) {
    return std::unexpected(response.error());
  }
  return {};
}

Result<std::string> S3Client::get_object(const std::string& bucket, const std::string& key) {
  auto response =
      send({.operation = "GetObject", .action = "s3:GetObject", .bucket = bucket, .key = key});
  if (!response) {
    return std::unexpected(response.error());
  }
  return std::move(response->body);
}

Result<std::optional<ObjectInfo>> S3Client::head_object(const std::string& bucket,
                                                        const std::string& key) {
  auto response = send({.method = "HEAD",
                        .operation = "HeadObject",
                        .action = "s3:GetObject",
                        .bucket = bucket,
                        .key = key,
                        .not_an_error = 404});
  if (!response) {
    return std::unexpected(response.error());
  }
  if (response->status == 404) {
    return std::optional<ObjectInfo>();
  }
  ObjectInfo info;
  if (auto length = response->header("Content-Length")) {
    info.size = util::parse_int<std::size_t>(util::trim(*length)).value_or(0);
  }
  info.etag = response->header("ETag").value_or("");
  info.content_type = response->header("Content-Type").value_or("");
  return std::optional<ObjectInfo>(std::move(info));
}

Result<std::vector<std::string>> S3Client::list_objects(const std::string& bucket,
                                                        const std::string& prefix) {
  std::vector<std::string> keys;
  std::string token;
  do {
    Call call;
    call.operation = "ListObjectsV2";
    call.action = "s3:ListBucket";
    call.bucket = bucket;
    call.bucket_root = true;
    call.query = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) {
      call.query.emplace_back("continuation-token", token);
    }
    auto response = send(call);
    if (!response) {
      return std::unexpected(response.error());
    }
    auto page = xml_values(response->body, "Key");
    keys.insert(keys.end(), page.begin(), page.end());
    token = xml_value(response->body, "IsTruncated") == "true"
                ? xml_value(response->body, "NextContinuationToken")
                : std::string();
  } while (!token.empty());
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<void> S3Client::create_bucket(const std::string& bucket) {
  Call call;
  call.method = "PUT";
  call.operation = "CreateBucket";
  call.action = "s3:CreateBucket";
  call.bucket = bucket;
  call.bucket_root = true;
  if (m_config.region != "us-east-1") {
    call.headers = {{"Content-Type", "application/xml"}};
    call.body = fmt::format(
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
        m_config.region);
  }
  auto response = send(call);
  if (!response && response.error().code != "BucketAlreadyOwnedByYou") {
    return std::unexpected(response.error());
  }
  return {};
}

}  // namespace ghtraffic::aws
