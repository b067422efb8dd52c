#include "ghtraffic/aws/sigv4.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws {
namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view k_unsigned_payload = "UNSIGNED-PAYLOAD";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Removes empty, "." and ".." segments, keeping a trailing slash, as the SDKs do for
// every service but S3.
std::string normalized_path(std::string_view path) {
  std::vector<std::string> segments;
  for (const auto& segment : util::split(path, '/')) {
    if (segment.empty() || segment == ".") {
      continue;
    }
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
      continue;
    }
    segments.push_back(segment);
  }
  std::string out;
  for (const auto& segment : segments) {
    out += '/';
    out += segment;
  }
  if (out.empty() || (path.size() > 1 && path.back() == '/')) {
    out += '/';
  }
  return out;
}

std::string canonical_uri(std::string_view path, bool s3_path) {
  if (path.empty()) {
    return "/";
  }
  if (s3_path) {
    return std::string(path);
  }
  return uri_encode(normalized_path(path), true);
}

std::string canonical_query(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) {
      out += '&';
    }
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// Trims and folds runs of spaces into one, as SigV4 asks of header values.
std::string canonical_header_value(std::string_view value) {
  auto trimmed = util::trim(value);
  std::string out;
  out.reserve(trimmed.size());
  bool in_space = false;
  for (char c : trimmed) {
    if (c == ' ' || c == '\t') {
      if (!in_space) {
        out += ' ';
      }
      in_space = true;
    } else {
      out += c;
      in_space = false;
    }
  }
  return out;
}

// Hop-by-hop and client-specific headers that proxies and libraries may change.
bool is_unsigned_header(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 7> k_skip = {
      "authorization",   "user-agent",        "expect",    "connection",
      "x-amzn-trace-id", "transfer-encoding", "keep-alive"};
  return std::find(k_skip.begin(), k_skip.end(), lower_name) != k_skip.end();
}

struct CanonicalHeaders {
  std::string text;          // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders canonical_headers(const HeaderList& headers) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    auto lower = util::to_lower(name);
    if (is_unsigned_header(lower)) {
      continue;
    }
    auto [it, inserted] = merged.try_emplace(lower, canonical_header_value(value));
    if (!inserted) {
      it->second += ',';
      it->second += canonical_header_value(value);
    }
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.text += name + ':' + value + '\n';
    if (!out.signed_names.empty()) {
      out.signed_names += ';';
    }
    out.signed_names += name;
  }
  return out;
}

std::string day_stamp(util::Timestamp time) {
  std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(time)};
  return fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0x0f];
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string encode_query(const HeaderList& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) {
      out += '&';
    }
    out += uri_encode(name, false);
    out += '=';
    out += uri_encode(value, false);
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += k_hex[c >> 4];
    out += k_hex[c & 0x0f];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw util::Fatal("SHA-256 failed in libcrypto");
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), size));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &size) == nullptr) {
    throw util::Fatal("HMAC-SHA256 failed in libcrypto");
  }
  return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

std::string amz_date(util::Timestamp time) {
  auto day = std::chrono::floor<std::chrono::days>(time);
  std::chrono::hh_mm_ss hms{time - day};
  return fmt::format("{}T{:02}{:02}{:02}Z", day_stamp(time), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

SigningResult sign(const SignableRequest& request, const SigningParams& params) {
  SigningResult result;
  auto date_time = amz_date(params.time);
  auto date = day_stamp(params.time);

  std::string payload_hash = params.payload == PayloadSigning::unsigned_payload
                                 ? std::string(k_unsigned_payload)
                                 : sha256_hex(request.body);
  if (!params.credentials.session_token.empty()) {
    result.added_headers.emplace_back("X-Amz-Security-Token", params.credentials.session_token);
  }
  result.added_headers.emplace_back("X-Amz-Date", date_time);
  if (params.payload != PayloadSigning::hash_only) {
    result.added_headers.emplace_back("x-amz-content-sha256", payload_hash);
  }

  HeaderList all_headers = request.headers;
  all_headers.insert(all_headers.end(), result.added_headers.begin(), result.added_headers.end());
  auto headers = canonical_headers(all_headers);

  result.canonical_request = fmt::format(
      "{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_uri(request.path, params.s3_path),
      canonical_query(request.query), headers.text, headers.signed_names, payload_hash);

  auto scope = fmt::format("{}/{}/{}/aws4_request", date, params.region, params.service);
  result.string_to_sign = fmt::format("{}\n{}\n{}\n{}", k_algorithm, date_time, scope,
                                      sha256_hex(result.canonical_request));

  auto key = hmac_sha256("AWS4" + params.credentials.secret_access_key, date);
  key = hmac_sha256(key, params.region);
  key = hmac_sha256(key, params.service);
  key = hmac_sha256(key, "aws4_request");
  result.signature = to_hex(hmac_sha256(key, result.string_to_sign));

  result.added_headers.emplace_back(
      "Authorization",
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", k_algorithm,
                  params.credentials.access_key_id, scope, headers.signed_names, result.signature));
  return result;
}

}  // namespace ghtraffic::aws
