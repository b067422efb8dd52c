#include "ghtraffic/github/app_auth.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "ghtraffic/util/error.hpp"

namespace ghtraffic::github {
namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

struct AppKey::Impl {
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
};

AppKey::AppKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
AppKey::AppKey(AppKey&&) noexcept = default;
AppKey& AppKey::operator=(AppKey&&) noexcept = default;
AppKey::~AppKey() = default;

AppKey AppKey::from_pem(std::string_view pem, std::string_view source) {
  const std::string hint =
      "GitHub's \"Generate a private key\" on the App's settings page gives one (a .pem file "
      "that starts with -----BEGIN RSA PRIVATE KEY-----)";
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    throw util::Fatal("could not allocate an OpenSSL buffer");
  }
  // No passphrase callback: an encrypted key fails instead of prompting.
  auto key = std::unique_ptr<EVP_PKEY, PkeyFree>(PEM_read_bio_PrivateKey(
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
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
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

std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  if (i < bytes.size()) {
    auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    const bool two = i + 1 < bytes.size();
    if (two) {
      n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    if (two) {
      out += k_alphabet[(n >> 6) & 63];
    }
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto at = k_alphabet.find(c);
    if (at == std::string_view::npos) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (bits >= 6) {
    return std::nullopt;  // a lone character cannot end base64url
  }
  return out;
}

std::string app_jwt(const AppKey& key, std::string_view app_id, util::Timestamp now) {
  const auto seconds = [](util::Timestamp t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  const nlohmann::json header{{"alg", "RS256"}, {"typ", "JWT"}};
  const nlohmann::json claims{{"iat", seconds(now - k_jwt_backdate)},
                              {"exp", seconds(now + k_jwt_lifetime)},
                              {"iss", std::string(app_id)}};
  const std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
  return signing_input + "." + base64url(key.sign(signing_input));
}

InstallationToken::InstallationToken(Issue issue, util::Clock& clock)
    : m_issue(std::move(issue)), m_clock(clock) {}

std::optional<std::string> InstallationToken::current(std::string& error) {
  std::lock_guard lock(m_mutex);
  if (m_held && m_clock.now() + k_token_renewal_margin < m_held->expires_at) {
    return m_held->token;
  }
  auto issued = m_issue(error);
  if (!issued) {
    return std::nullopt;
  }
  m_held = std::move(*issued);
  ++m_renewals;
  return m_held->token;
}

int InstallationToken::renewals() const {
  std::lock_guard lock(m_mutex);
  return m_renewals;
}

}  // namespace ghtraffic::github
