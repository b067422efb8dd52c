// The mock's GitHub App: JWTs checked as GitHub checks them (an RS256 signature by the
// App's key, iss, iat, exp), installation tokens issued short-lived and refused once
// expired, and the /app and /installation routes.
#include <fmt/format.h>
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <random>
#include <stdexcept>

#include "ghtraffic/mock/mock_state.hpp"
#include "ghtraffic/util/base64.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/openssl.hpp"

namespace ghtraffic::mock {
namespace {

using Json = nlohmann::ordered_json;
using SystemClock = std::chrono::system_clock;

using util::Pkey;

// A public key, or the public half of a private one.
Pkey read_key(const std::string& pem) {
  auto read = [&](bool private_key) {
    util::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                                : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    ERR_clear_error();
    return Pkey(key);
  };
  auto key = read(false);
  return key ? std::move(key) : read(true);
}

bool verifies(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  util::MdCtx ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  ERR_clear_error();
  return ok;
}

bool looks_like_jwt(std::string_view credential) {
  return credential.starts_with("eyJ") &&
         std::count(credential.begin(), credential.end(), '.') == 2;
}

Answer unauthorized(std::string_view message) {
  return Answer{401, json_message(message), {}};
}

std::int64_t seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(SystemClock::now().time_since_epoch())
      .count();
}

// Why GitHub would refuse this JWT, or nullopt when it would accept it.
std::optional<std::string> jwt_problem(std::string_view jwt, const std::string& app_id,
                                       const std::string& public_key_pem) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  auto header = util::base64url_decode(jwt.substr(0, first));
  auto claims_text = util::base64url_decode(jwt.substr(first + 1, second - first - 1));
  auto signature = util::base64url_decode(jwt.substr(second + 1));
  if (!header || !claims_text || !signature) {
    return "A JSON web token could not be decoded";
  }
  auto head = Json::parse(*header, nullptr, false);
  auto claims = Json::parse(*claims_text, nullptr, false);
  if (!head.is_object() || !claims.is_object() || head.value("alg", "") != "RS256") {
    return "A JSON web token could not be decoded";
  }
  auto key = read_key(public_key_pem);
  if (!key || !verifies(key.get(), jwt.substr(0, second), *signature)) {
    return "A JSON web token could not be decoded";
  }
  const auto iss = claims.find("iss");
  const std::string issuer = iss == claims.end()        ? std::string()
                             : iss->is_string()         ? iss->get<std::string>()
                             : iss->is_number_integer() ? std::to_string(iss->get<std::int64_t>())
                                                        : std::string();
  if (issuer != app_id) {
    return "A JSON web token could not be decoded";
  }
  const auto iat = claims.find("iat");
  const auto exp = claims.find("exp");
  if (iat == claims.end() || !iat->is_number_integer() || exp == claims.end() ||
      !exp->is_number_integer()) {
    return "'Issued at' claim ('iat') and 'Expiration time' claim ('exp') must be numeric";
  }
  const auto now = seconds_now();
  if (iat->get<std::int64_t>() > now + 60) {
    return "'Issued at' claim ('iat') must be an Integer representing a time in the past.";
  }
  if (exp->get<std::int64_t>() <= now) {
    return "'Expiration time' claim ('exp') must be a numeric value representing the future "
           "time at which the assertion expires.";
  }
  if (exp->get<std::int64_t>() > now + 600 + 30 ||
      exp->get<std::int64_t>() - iat->get<std::int64_t>() > 660) {
    return "'Expiration time' claim ('exp') is too far in the future.";
  }
  return std::nullopt;
}

InstallationView view_of(const MockInstallation& installation) {
  InstallationView view;
  view.id = installation.id;
  view.account = to_lower_ascii(installation.account);
  for (const auto& repo : installation.repos) {
    view.repos.insert(to_lower_ascii(repo));
  }
  auto admin = installation.permissions.find("administration");
  view.administration = admin != installation.permissions.end() &&
                        (admin->second == "read" || admin->second == "write");
  return view;
}

Json installation_json(const MockInstallation& installation, const std::string& app_id) {
  Json permissions = Json::object();
  for (const auto& [name, level] : installation.permissions) {
    permissions[name] = level;
  }
  return Json{{"id", installation.id},
              {"account", Json{{"login", installation.account}, {"type", "Organization"}}},
              {"app_id", util::parse_int<std::int64_t>(app_id).value_or(0)},
              {"target_type", "Organization"},
              {"permissions", std::move(permissions)},
              {"repository_selection", installation.repos.empty() ? "all" : "selected"},
              {"suspended_at", nullptr}};
}

// A token in a longer format than the classic 40 characters, as GitHub is rolling out.
std::string new_token(std::int64_t installation, std::int64_t serial) {
  static constexpr std::string_view k_chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 random(static_cast<std::uint64_t>(serial) * 7919 +
                         static_cast<std::uint64_t>(installation) +
                         static_cast<std::uint64_t>(SystemClock::now().time_since_epoch().count()));
  std::string token = "ghs_";
  for (int i = 0; i < 90; ++i) {
    token += k_chars[random() % k_chars.size()];
  }
  return token;
}

std::string format_expires(SystemClock::time_point at) {
  return util::format_iso8601(std::chrono::floor<std::chrono::seconds>(at));
}

}  // namespace

Credential authenticate(MockGitHub::State& state, const httplib::Request& http,
                        const std::string& personal_token) {
  Credential out;
  auto value = http.get_header_value("Authorization");
  const auto space = value.find(' ');
  const std::string scheme =
      space == std::string::npos ? "" : to_lower_ascii(value.substr(0, space));
  const std::string credential =
      space == std::string::npos || (scheme != "bearer" && scheme != "token")
          ? std::string()
          : value.substr(space + 1);

  std::string app_id;
  std::string key;
  {
    std::lock_guard lock(state.config_mutex);
    app_id = state.app_id;
    key = state.app_public_key_pem;
    if (!app_id.empty() && !credential.empty()) {
      auto it = state.installation_tokens.find(credential);
      if (it != state.installation_tokens.end()) {
        if (SystemClock::now() >= it->second.expires) {
          std::lock_guard stats(state.stats_mutex);
          ++state.stats.expired_tokens_refused;
          out.refusal = unauthorized("Bad credentials");
          return out;
        }
        auto installation = state.installations.find(it->second.installation);
        if (installation == state.installations.end()) {
          out.refusal = unauthorized("Bad credentials");
          return out;
        }
        out.installation = view_of(installation->second);
        return out;
      }
    }
  }
  if (!app_id.empty() && looks_like_jwt(credential)) {
    if (auto problem = jwt_problem(credential, app_id, key)) {
      std::lock_guard stats(state.stats_mutex);
      ++state.stats.jwts_refused;
      out.refusal = unauthorized(*problem);
      return out;
    }
    out.app_jwt = true;
    return out;
  }
  if (personal_token.empty()) {
    // Without a personal token any credential passes, as before an App was set; with an
    // App, a credential that is neither its JWT nor one of its tokens does not.
    if (!app_id.empty() && !credential.empty()) {
      out.refusal = unauthorized("Bad credentials");
    }
    return out;
  }
  if (credential != personal_token) {
    out.refusal = unauthorized("Bad credentials");
  }
  return out;
}

std::optional<Answer> answer_app_route(MockGitHub::State& state, const RouteRequest& request) {
  const auto& s = request.segments;
  const bool app_route = s.size() >= 2 && s[0] == "app" && s[1] == "installations";
  const bool installation_route = s.size() == 2 && s[0] == "installation" && s[1] == "repositories";
  if (!app_route && !installation_route) {
    if (request.app_jwt) {
      // As GitHub: a JWT is the App's own credential, not a repository's.
      return Answer{403,
                    json_message("A JSON web token cannot be used for this resource; "
                                 "authenticate as an installation"),
                    {}};
    }
    return std::nullopt;
  }
  if (app_route && !request.app_jwt) {
    return unauthorized("A JSON web token could not be decoded");
  }
  if (installation_route) {
    if (!request.installation) {
      return Answer{403,
                    json_message("You must authenticate with an installation access token in "
                                 "order to list repositories for an installation."),
                    {}};
    }
    std::shared_lock lock(state.data_mutex);
    std::vector<const MockRepo*> seen;
    for (const auto& repo : state.repos) {
      if (request.installation->sees(*repo)) {
        seen.push_back(repo.get());
      }
    }
    Answer answer;
    auto page = page_of(request, seen.size(), answer);
    Json list = Json::array();
    for (auto i = page.begin; i < page.end; ++i) {
      list.push_back(rest_repo_json(*seen[i]));
    }
    answer.body =
        Json{{"total_count", seen.size()},
             {"repository_selection", request.installation->repos.empty() ? "all" : "selected"},
             {"repositories", std::move(list)}}
            .dump();
    return answer;
  }

  std::lock_guard lock(state.config_mutex);
  if (s.size() == 2 && request.method == "GET") {
    std::vector<const MockInstallation*> all;
    for (const auto& [id, installation] : state.installations) {
      all.push_back(&installation);
    }
    Answer answer;
    auto page = page_of(request, all.size(), answer);
    Json list = Json::array();
    for (auto i = page.begin; i < page.end; ++i) {
      list.push_back(installation_json(*all[i], state.app_id));
    }
    answer.body = list.dump();
    return answer;
  }
  std::optional<std::int64_t> id;
  if (s.size() >= 3) {
    if (auto parsed = util::parse_int<std::int64_t>(s[2])) {
      id = *parsed;
    }
  }
  auto installation = id ? state.installations.find(*id) : state.installations.end();
  if (installation == state.installations.end()) {
    return Answer{404, json_message("Not Found"), {}};
  }
  if (s.size() == 3 && request.method == "GET") {
    return Answer{200, installation_json(installation->second, state.app_id).dump(), {}};
  }
  if (s.size() == 4 && s[3] == "access_tokens" && request.method == "POST") {
    const auto serial = ++state.tokens_issued;
    const auto expires = SystemClock::now() + state.installation_token_lifetime;
    auto token = new_token(*id, serial);
    state.installation_tokens[token] = IssuedInstallationToken{*id, expires};
    {
      std::lock_guard stats(state.stats_mutex);
      ++state.stats.app_tokens_issued;
    }
    Json permissions = Json::object();
    for (const auto& [name, level] : installation->second.permissions) {
      permissions[name] = level;
    }
    Json body{{"token", token},
              {"expires_at", format_expires(expires)},
              {"permissions", std::move(permissions)},
              {"repository_selection",
               std::string(installation->second.repos.empty() ? "all" : "selected")}};
    return Answer{201, body.dump(), {}};
  }
  return Answer{404, json_message("Not Found"), {}};
}

void MockGitHub::set_app(std::string app_id, const std::string& public_key_pem) {
  if (!read_key(public_key_pem)) {
    throw std::invalid_argument("the mock GitHub App's key is not a PEM public or private key");
  }
  std::lock_guard lock(m_state->config_mutex);
  m_state->app_id = std::move(app_id);
  m_state->app_public_key_pem = public_key_pem;
}

void MockGitHub::add_installation(MockInstallation installation) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->installations[installation.id] = std::move(installation);
}

void MockGitHub::set_installation_token_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->installation_token_lifetime = lifetime;
}

void MockGitHub::expire_installation_tokens() {
  std::lock_guard lock(m_state->config_mutex);
  const auto now = SystemClock::now();
  for (auto& [token, issued] : m_state->installation_tokens) {
    issued.expires = std::min(issued.expires, now);
  }
}

std::vector<std::string> MockGitHub::installation_tokens() const {
  std::lock_guard lock(m_state->config_mutex);
  std::vector<std::string> out;
  for (const auto& [token, issued] : m_state->installation_tokens) {
    out.push_back(token);
  }
  return out;
}

}  // namespace ghtraffic::mock
