// AWS Signature Version 4 for requests signed in the Authorization header: the canonical
// request, the string to sign, the signing key and the headers to add. S3 signs the path
// as sent (encoded once, never normalized) and always carries x-amz-content-sha256; other
// services sign the normalized path encoded a second time.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghtraffic/aws/client.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SignableRequest {
  std::string method = "GET";
  std::string path = "/";  // as on the wire: percent-encoded, no query
  HeaderList query;        // decoded names and values, in the order they are sent
  HeaderList headers;      // in the order they are sent; must hold Host
  std::string_view body;
};

enum class PayloadSigning {
  hash_only,         // the body's hash is signed; no x-amz-content-sha256 header (JSON services)
  hash_header,       // also sent as x-amz-content-sha256 (S3)
  unsigned_payload,  // x-amz-content-sha256: UNSIGNED-PAYLOAD (S3 over TLS, large bodies)
};

struct SigningParams {
  Credentials credentials;
  std::string region;
  std::string service;
  util::Timestamp time;
  PayloadSigning payload = PayloadSigning::hash_only;
  bool s3_path = false;  // S3 rules: path signed as sent, not normalized nor re-encoded
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  // Headers to send in addition to the request's own, in this order: X-Amz-Security-Token
  // (with a session token), X-Amz-Date, x-amz-content-sha256 (S3), Authorization.
  HeaderList added_headers;
};

SigningResult sign(const SignableRequest& request, const SigningParams& params);

// RFC 3986 percent-encoding as AWS wants it: everything but A-Z a-z 0-9 - _ . ~ is
// escaped, bytes of UTF-8 as %XX in upper case; '/' is kept when keep_slash is set.
std::string uri_encode(std::string_view text, bool keep_slash);
// The inverse; an invalid escape is kept as it is.
std::string uri_decode(std::string_view text);

// "a=1&b=2" from pairs, names and values encoded, in the given order.
std::string encode_query(const HeaderList& query);

std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw bytes
std::string to_hex(std::string_view bytes);

// "20150830T123600Z"
std::string amz_date(util::Timestamp time);

}  // namespace ghtraffic::aws
