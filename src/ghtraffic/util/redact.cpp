#include "ghtraffic/util/redact.hpp"

#include <algorithm>
#include <mutex>
#include <regex>
#include <vector>

#include "ghtraffic/util/error.hpp"

namespace ghtraffic::util {
namespace {

constexpr std::string_view k_mask = "[REDACTED]";

struct SecretRegistry {
  std::mutex mutex;
  std::vector<std::string> secrets;
};

SecretRegistry& registry() {
  static SecretRegistry r;
  return r;
}

void replace_all(std::string& text, std::string_view needle) {
  if (needle.empty()) {
    return;
  }
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), k_mask);
    pos += k_mask.size();
  }
}

}  // namespace

void register_secret(std::string_view secret) {
  // Very short strings would mask ordinary words; no real credential is that short.
  if (secret.size() < 6) {
    return;
  }
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (std::find(r.secrets.begin(), r.secrets.end(), secret) == r.secrets.end()) {
    r.secrets.emplace_back(secret);
    // Longest first, so that a secret containing another is masked whole.
    std::sort(r.secrets.begin(), r.secrets.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
  }
}

void forget_secrets() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.secrets.clear();
}

std::string scrub(std::string_view text) {
  std::string out(text);
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto& secret : r.secrets) {
      replace_all(out, secret);
    }
  }
  if (out.find("gh") != std::string::npos || out.find("earer") != std::string::npos ||
      out.find("oken") != std::string::npos) {
    // No length is assumed: installation tokens are moving to a longer format, whose
    // characters may go beyond the letters and digits of the 40-character one.
    static const std::regex token_shape(
        R"((gh[pousr]_[A-Za-z0-9_\-\.]{20,}|github_pat_[A-Za-z0-9_]{20,})|((Bearer|token)\s+)[A-Za-z0-9_\-\.=+/]{16,})",
        std::regex::ECMAScript);
    out = std::regex_replace(out, token_shape, "$2[REDACTED]");
  }
  if (out.find("eyJ") != std::string::npos) {
    // A JSON web token (a GitHub App's JWT): a base64url JSON header, claims, signature.
    static const std::regex jwt_shape(R"(eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)",
                                      std::regex::ECMAScript);
    out = std::regex_replace(out, jwt_shape, "[REDACTED]");
  }
  if (out.find("://") != std::string::npos) {
    // The user-info is everything between "//" and the last "@" before the path.
    static const std::regex url_user_info(
        R"(([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s?#@]*(@[^/\s?#@]*)*@)", std::regex::ECMAScript);
    out = std::regex_replace(out, url_user_info, "$1[REDACTED]@");
  }
  return out;
}

void check_token(std::string_view token, std::string_view source) {
  bool printable = std::all_of(token.begin(), token.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (!printable) {
    throw Error(
        "the GitHub token from {} holds spaces, line breaks or other control characters, which "
        "no token has; check what {} holds (the token itself is not printed)",
        source, source);
  }
}

}  // namespace ghtraffic::util
