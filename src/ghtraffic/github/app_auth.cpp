#include "ghtraffic/github/app_auth.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "ghtraffic/util/base64.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/openssl.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::github {

struct AppKey::Impl {
  util::Pkey key;
};

AppKey::AppKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
AppKey::AppKey(AppKey&&) noexcept = default;
AppKey& AppKey::operator=(AppKey&&) noexcept = default;
AppKey::~AppKey() = default;

AppKey AppKey::from_pem(std::string_view pem, std::string_view source) {
  const std::string hint =
      "GitHub's \"Generate a private key\" on the App's settings page gives one (a .pem file "
      "that starts with -----BEGIN RSA PRIVATE KEY-----)";
  util::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    throw util::Fatal("could not allocate an OpenSSL buffer");
  }
  // No passphrase callback: an encrypted key fails instead of prompting.
  auto key = util::Pkey(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  ERR_clear_error();
  if (!key) {
    throw util::Error("the GitHub App key from {} is not a private key in PEM format; {}", source,
                      hint);
  }
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    throw util::Error("the GitHub App key from {} is a private key but not an RSA one; {}", source,
                      hint);
  }
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(key);
  return AppKey(std::move(impl));
}

std::string AppKey::sign(std::string_view data) const {
  util::MdCtx ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, m_impl->key.get()) != 1 ||
      EVP_DigestSignUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestSignFinal(ctx.get(), nullptr, &length) != 1) {
    ERR_clear_error();
    throw util::Fatal("could not sign the GitHub App JWT with OpenSSL");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSignFinal(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length) !=
      1) {
    ERR_clear_error();
    throw util::Fatal("could not sign the GitHub App JWT with OpenSSL");
  }
  signature.resize(length);
  return signature;
}

std::string app_jwt(const AppKey& key, std::string_view app_id, util::Timestamp now) {
  const auto seconds = [](util::Timestamp t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  const nlohmann::json header{{"alg", "RS256"}, {"typ", "JWT"}};
  const nlohmann::json claims{{"iat", seconds(now - k_jwt_backdate)},
                              {"exp", seconds(now + k_jwt_lifetime)},
                              {"iss", std::string(app_id)}};
  const std::string signing_input =
      util::base64url(header.dump()) + "." + util::base64url(claims.dump());
  return signing_input + "." + util::base64url(key.sign(signing_input));
}

InstallationToken::InstallationToken(Issue issue, util::Clock& clock,
                                     std::chrono::seconds renewal_margin)
    : m_issue(std::move(issue)), m_clock(clock), m_margin(renewal_margin) {}

std::optional<std::string> InstallationToken::current(std::string& error) {
  std::lock_guard lock(m_mutex);
  if (m_held && m_clock.now() + m_margin < m_held->expires_at) {
    return m_held->token;
  }
  auto issued = m_issue(error);
  if (!issued) {
    return std::nullopt;
  }
  util::register_secret(issued->token);
  m_held = std::move(*issued);
  ++m_renewals;
  return m_held->token;
}

bool InstallationToken::drop(const std::string& token) {
  std::lock_guard lock(m_mutex);
  if (!m_held || m_held->token != token) {
    return false;
  }
  m_held.reset();
  return true;
}

int InstallationToken::renewals() const {
  std::lock_guard lock(m_mutex);
  return m_renewals;
}

bool Installation::can_read_traffic() const {
  auto it = permissions.find("administration");
  return it != permissions.end() && (it->second == "read" || it->second == "write");
}

std::string Installation::describe() const {
  return account.empty() ? fmt::format("installation {}", id)
                         : fmt::format("installation {} on {}", id, account);
}

Result<Installation> parse_installation(const nlohmann::json& item) {
  auto malformed = [](std::string detail) {
    return std::unexpected(ApiError{ErrorKind::malformed, 200, std::move(detail), {}});
  };
  if (!item.is_object() || !item.contains("id") || !item["id"].is_number_integer()) {
    return malformed("malformed response from GitHub: an installation without an id");
  }
  Installation out;
  out.id = item["id"].get<std::int64_t>();
  if (auto account = item.find("account"); account != item.end() && account->is_object()) {
    if (auto login = account->find("login"); login != account->end() && login->is_string()) {
      out.account = login->get<std::string>();
    } else if (auto slug = account->find("slug"); slug != account->end() && slug->is_string()) {
      out.account = slug->get<std::string>();  // an enterprise
    }
    if (auto type = account->find("type"); type != account->end() && type->is_string()) {
      out.account_type = type->get<std::string>();
    }
  }
  if (auto permissions = item.find("permissions");
      permissions != item.end() && permissions->is_object()) {
    for (const auto& [name, level] : permissions->items()) {
      if (level.is_string()) {
        out.permissions[name] = level.get<std::string>();
      }
    }
  }
  if (auto suspended = item.find("suspended_at");
      suspended != item.end() && !suspended->is_null()) {
    out.suspended = true;
  }
  return out;
}

namespace {

// The App's own credential: a JWT, made again a minute before it expires.
class JwtSource final : public TokenSource {
 public:
  JwtSource(AppKey key, std::string app_id, std::string key_source, util::Clock& clock)
      : m_key(std::move(key)),
        m_app_id(std::move(app_id)),
        m_key_source(std::move(key_source)),
        m_clock(clock) {}

  Result<std::string> token() override {
    std::lock_guard lock(m_mutex);
    const auto now = m_clock.now();
    if (m_jwt.empty() || now + std::chrono::minutes(1) >= m_expires) {
      m_jwt = app_jwt(m_key, m_app_id, now);
      m_expires = now + k_jwt_lifetime;
      util::register_secret(m_jwt);
    }
    return m_jwt;
  }

  // The same key and id make the same kind of JWT: asking again cannot help.
  bool refused(const std::string&) override { return false; }

  std::string rejected_message(const std::string& github_said) const override {
    return fmt::format(
        "GitHub rejected the GitHub App's JWT (401{}): check that the App id {} (--app-id, "
        "GHTRAFFIC_APP_ID or app_id) is the App ID on the App's settings page (GitHub Settings "
        "→ Developer settings → GitHub Apps → the App → General) and that the key from {} is "
        "one of that App's private keys and has not been deleted there; a system clock more "
        "than a minute off makes GitHub refuse it too",
        github_said.empty() ? "" : " " + github_said, m_app_id, m_key_source);
  }

 private:
  AppKey m_key;
  std::string m_app_id;
  std::string m_key_source;
  util::Clock& m_clock;
  std::mutex m_mutex;
  std::string m_jwt;
  util::Timestamp m_expires{};
};

// One installation's token, renewed before it expires and at once when GitHub refuses it.
class InstallationTokenSource final : public TokenSource {
 public:
  InstallationTokenSource(InstallationToken::Issue issue, Installation installation,
                          util::Clock& clock, std::chrono::seconds margin)
      : m_token(std::move(issue), clock, margin), m_installation(std::move(installation)) {}

  Result<std::string> token() override {
    std::string error;
    auto token = m_token.current(error);
    if (!token) {
      return std::unexpected(ApiError{ErrorKind::unauthorized, 0, util::scrub(error), {}});
    }
    return *token;
  }

  bool refused(const std::string& token) override {
    m_token.drop(token);
    return true;  // dropped now, or renewed by another thread already
  }

  std::string rejected_message(const std::string& github_said) const override {
    return fmt::format(
        "GitHub rejected the token of the GitHub App's {} (401{}) although it was just "
        "renewed: the installation may have been suspended or uninstalled; see {}'s "
        "Settings → GitHub Apps",
        m_installation.describe(), github_said.empty() ? "" : " " + github_said,
        m_installation.account.empty() ? std::string("the account") : m_installation.account);
  }

 private:
  InstallationToken m_token;
  Installation m_installation;
};

std::string github_said(const ApiError& error) {
  return util::scrub(error.message);
}

}  // namespace

App::App(const AppCredentials& credentials, const ClientOptions& base,
         net::HttpTransport& transport, util::Clock& clock)
    : m_app_id(credentials.app_id),
      m_key_source(credentials.key_source),
      m_base(base),
      m_transport(transport),
      m_clock(clock) {
  m_base.token.clear();
  m_base.token_source.reset();
  m_jwt = std::make_shared<JwtSource>(AppKey::from_pem(credentials.key_pem, credentials.key_source),
                                      m_app_id, m_key_source, m_clock);
  ClientOptions options = m_base;
  options.token_source = m_jwt;
  m_client = std::make_unique<Client>(options, m_transport, m_clock);
}

App::~App() = default;

Result<std::vector<Installation>> App::installations() {
  auto pages = m_client->get_all_pages("/app/installations?per_page=100");
  if (!pages) {
    return std::unexpected(pages.error());
  }
  std::vector<Installation> out;
  for (const auto& item : *pages) {
    auto installation = parse_installation(item);
    if (!installation) {
      return std::unexpected(installation.error());
    }
    out.push_back(std::move(*installation));
  }
  return out;
}

Result<Installation> App::installation(std::int64_t id) {
  auto response = m_client->get(fmt::format("/app/installations/{}", id));
  if (!response) {
    auto error = response.error();
    if (error.kind == ErrorKind::not_found) {
      error.message = fmt::format(
          "the GitHub App {} has no installation {} (404): the installation id is the number "
          "at the end of the installation's settings page address (.../installations/ID); "
          "leave --app-installation-id out to collect through every installation of the App",
          m_app_id, id);
    }
    return std::unexpected(error);
  }
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  return parse_installation(json);
}

std::optional<IssuedToken> App::issue_token(const Installation& installation, std::string& error) {
  auto response =
      m_client->post_json(fmt::format("/app/installations/{}/access_tokens", installation.id),
                          nlohmann::json::object());
  if (!response) {
    const auto& failed = response.error();
    switch (failed.kind) {
      case ErrorKind::not_found:
        error = fmt::format(
            "the GitHub App {} has no {} any more (404 on its access token): it was "
            "uninstalled; install it again from the App's page (Install App)",
            m_app_id, installation.describe());
        break;
      case ErrorKind::forbidden:
        error = fmt::format("GitHub refused a token for the GitHub App's {}: {}",
                            installation.describe(), github_said(failed));
        break;
      default:
        error = github_said(failed);  // the JWT's own message for a 401
        break;
    }
    return std::nullopt;
  }
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  std::optional<util::Timestamp> expires;
  std::string token;
  if (json.is_object()) {
    if (auto it = json.find("token"); it != json.end() && it->is_string()) {
      token = it->get<std::string>();
    }
    if (auto it = json.find("expires_at"); it != json.end() && it->is_string()) {
      expires = util::parse_iso8601(it->get<std::string>());
    }
  }
  util::register_secret(token);
  if (token.empty() || !expires) {
    error = fmt::format(
        "malformed response from GitHub for the access token of the GitHub App's {}: no "
        "\"token\" and \"expires_at\"",
        installation.describe());
    return std::nullopt;
  }
  try {
    util::check_token(token, "the GitHub App's " + installation.describe());
  } catch (const util::Error& e) {
    error = e.what();
    return std::nullopt;
  }
  util::log_verbose("GitHub App {}: a new token for {}, valid until {}", m_app_id,
                    installation.describe(), util::format_iso8601(*expires));
  return IssuedToken{std::move(token), *expires};
}

std::unique_ptr<Client> App::installation_client(const Installation& installation,
                                                 std::chrono::seconds renewal_margin) {
  ClientOptions options = m_base;
  options.token_source = std::make_shared<InstallationTokenSource>(
      [this, installation](std::string& error) { return issue_token(installation, error); },
      installation, m_clock, renewal_margin);
  return std::make_unique<Client>(options, m_transport, m_clock);
}

std::string App::missing_administration_message(const Installation& installation) const {
  return fmt::format(
      "the GitHub App {} has no Administration: read permission on its {}, and traffic needs "
      "it: on the App's settings page choose Permissions & events → Repository permissions → "
      "Administration → Read-only and save, then {} accepts the new permission (Settings → "
      "GitHub Apps → Configure → Review request)",
      m_app_id, installation.describe(),
      installation.account.empty() ? std::string("the account's owner") : installation.account);
}

}  // namespace ghtraffic::github
