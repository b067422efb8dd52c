// GitHub App authentication: the App's private key, the JWT that proves the App
// (RS256, `iat` 60 s in the past, `exp` under 10 minutes ahead, `iss` the App id), and
// the installation tokens it is exchanged for, kept until a few minutes before they
// expire and renewed then. Installation tokens are not assumed to have any length.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::github {

inline constexpr std::chrono::seconds k_jwt_backdate{60};
inline constexpr std::chrono::seconds k_jwt_lifetime{9 * 60};  // GitHub allows 10 minutes
// An installation token is renewed this long before its expires_at.
inline constexpr std::chrono::minutes k_token_renewal_margin{5};

// An RSA private key in PEM ("-----BEGIN RSA PRIVATE KEY-----" as GitHub gives it, or
// PKCS #8 "-----BEGIN PRIVATE KEY-----").
class AppKey {
 public:
  // source names where the PEM came from, for the error ("--app-key-file /x",
  // "GHTRAFFIC_APP_KEY"); a PEM that is not an RSA private key is a util::Error.
  static AppKey from_pem(std::string_view pem, std::string_view source);

  AppKey(AppKey&&) noexcept;
  AppKey& operator=(AppKey&&) noexcept;
  ~AppKey();

  // The RS256 signature of `data`, raw bytes.
  std::string sign(std::string_view data) const;

 private:
  struct Impl;
  explicit AppKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The JWT GitHub asks of an App: {"alg":"RS256","typ":"JWT"}, {"iat","exp","iss"}.
std::string app_jwt(const AppKey& key, std::string_view app_id, util::Timestamp now);

// base64url without padding (RFC 7515), the JWT's encoding; decoding gives nullopt for
// text that is not base64url.
std::string base64url(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

struct IssuedToken {
  std::string token;
  util::Timestamp expires_at;
};

// One installation's token: asks `issue` for a new one when there is none or when the
// one held expires within k_token_renewal_margin, else hands out the one held. Safe to
// call from several threads; one renewal at a time.
class InstallationToken {
 public:
  // issue: POST /app/installations/{id}/access_tokens; nullopt with `error` set when it
  // failed (the message for a person).
  using Issue = std::function<std::optional<IssuedToken>(std::string& error)>;

  InstallationToken(Issue issue, util::Clock& clock);

  // The token to send now; nullopt with `error` set when none could be had.
  std::optional<std::string> current(std::string& error);
  int renewals() const;

 private:
  Issue m_issue;
  util::Clock& m_clock;
  mutable std::mutex m_mutex;
  std::optional<IssuedToken> m_held;
  int m_renewals = 0;
};

}  // namespace ghtraffic::github
