// GitHub App authentication: the App's private key, the JWT that proves the App
// (RS256, `iat` 60 s in the past, `exp` under 10 minutes ahead, `iss` the App id), the
// installation tokens it is exchanged for, kept until a few minutes before they expire and
// renewed then, and the App's installations, each with a client of its own (its own token,
// its own rate budget). Installation tokens are not assumed to have any length.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/github/client.hpp"
#include "ghtraffic/net/transport.hpp"
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

struct IssuedToken {
  std::string token;
  util::Timestamp expires_at;
};

// One installation's token: asks `issue` for a new one when there is none or when the
// one held expires within the renewal margin, else hands out the one held. Safe to call
// from several threads; one renewal at a time. Every token is registered as a secret.
class InstallationToken {
 public:
  // issue: POST /app/installations/{id}/access_tokens; nullopt with `error` set when it
  // failed (the message for a person).
  using Issue = std::function<std::optional<IssuedToken>(std::string& error)>;

  InstallationToken(Issue issue, util::Clock& clock,
                    std::chrono::seconds renewal_margin = k_token_renewal_margin);

  // The token to send now; nullopt with `error` set when none could be had.
  std::optional<std::string> current(std::string& error);
  // GitHub refused `token`: the next current() asks for a new one. False when `token` is
  // not the one held (another thread has renewed it already, which is as good).
  bool drop(const std::string& token);
  int renewals() const;

 private:
  Issue m_issue;
  util::Clock& m_clock;
  std::chrono::seconds m_margin;
  mutable std::mutex m_mutex;
  std::optional<IssuedToken> m_held;
  int m_renewals = 0;
};

// An installation of the App, as GET /app/installations lists it.
struct Installation {
  std::int64_t id = 0;
  std::string account;       // the login of the organization or user it is installed on
  std::string account_type;  // "Organization" or "User"
  std::map<std::string, std::string> permissions;  // "administration" -> "read", ...
  bool suspended = false;

  // Traffic needs the repository permission Administration: read (or write).
  bool can_read_traffic() const;
  // "installation 42 on my-org", for messages.
  std::string describe() const;
};

Result<Installation> parse_installation(const nlohmann::json& item);

// What the App needs to authenticate; the key is checked when the App is made.
struct AppCredentials {
  std::string app_id;
  std::string key_pem;
  std::string key_source;  // where the key came from, for messages: "--app-key-file /x"
};

// The App: its JWT-authenticated client (installations, installation tokens) and one
// client per installation. The App outlives the clients it makes.
class App {
 public:
  // `base` gives the API URL, the concurrency and the pacing of every client; its token is
  // not used. A key that is not an RSA private key is a util::Error.
  App(const AppCredentials& credentials, const ClientOptions& base, net::HttpTransport& transport,
      util::Clock& clock = util::system_clock());
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const std::string& id() const { return m_app_id; }

  // GET /app/installations, every page.
  Result<std::vector<Installation>> installations();
  // GET /app/installations/{id}.
  Result<Installation> installation(std::int64_t id);

  // A client that authenticates as the installation: its token is asked for on first use
  // and renewed `renewal_margin` before it expires, and its requests are paced apart from
  // every other installation's, since each has its own rate limit.
  std::unique_ptr<Client> installation_client(
      const Installation& installation,
      std::chrono::seconds renewal_margin = k_token_renewal_margin);

  // The App's own client (JWT), for tests and figures.
  Client& app_client() { return *m_client; }

  // The message for an installation without Administration: read.
  std::string missing_administration_message(const Installation& installation) const;

 private:
  std::optional<IssuedToken> issue_token(const Installation& installation, std::string& error);

  std::string m_app_id;
  std::string m_key_source;
  ClientOptions m_base;
  net::HttpTransport& m_transport;
  util::Clock& m_clock;
  std::shared_ptr<TokenSource> m_jwt;
  std::unique_ptr<Client> m_client;
};

}  // namespace ghtraffic::github
