// GitHub App authentication: the key check, the RS256 JWT (verified with the public key)
// and the installation token kept until shortly before it expires.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "ghtraffic/github/app_auth.hpp"
#include "ghtraffic/util/base64.hpp"
#include "ghtraffic/util/error.hpp"

using namespace ghtraffic;
using namespace ghtraffic::github;
using ::testing::HasSubstr;

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

bool verifies(EVP_PKEY* key, const std::string& data, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string error_of(std::string_view pem) {
  try {
    AppKey::from_pem(pem, "--app-key-file app.pem");
  } catch (const util::Error& e) {
    return e.what();
  }
  return "";
}

util::Timestamp at(const char* text) {
  return *util::parse_iso8601(text);
}

}  // namespace

TEST(github_app_auth, signs_a_jwt_github_accepts_rs256_backdated_iat_and_the_app_id_as_issuer) {
  Pkey rsa(EVP_RSA_gen(1024));  // GitHub gives 2048 bits; the code is the same, the test faster
  ASSERT_TRUE(rsa);
  auto key = AppKey::from_pem(pem_of(rsa.get()), "test");
  const auto now = at("2026-12-01T12:00:00Z");
  const std::string jwt = app_jwt(key, "123456", now);

  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  ASSERT_NE(second, std::string::npos);
  auto header = nlohmann::json::parse(*util::base64url_decode(jwt.substr(0, first)));
  auto claims =
      nlohmann::json::parse(*util::base64url_decode(jwt.substr(first + 1, second - first - 1)));
  EXPECT_EQ(header, (nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}}));
  const auto epoch = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  EXPECT_EQ(claims["iat"], epoch.count() - 60);
  EXPECT_EQ(claims["exp"], epoch.count() + 540);  // under GitHub's 10 minutes
  EXPECT_EQ(claims["iss"], "123456");
  auto signature = util::base64url_decode(jwt.substr(second + 1));
  ASSERT_TRUE(signature);
  EXPECT_TRUE(verifies(rsa.get(), jwt.substr(0, second), *signature));
  EXPECT_FALSE(verifies(rsa.get(), jwt.substr(0, second) + "x", *signature));
  EXPECT_EQ(jwt.find('='), std::string::npos);  // base64url without padding
}

TEST(github_app_auth, a_key_that_is_not_an_rsa_private_key_is_an_error_that_says_what_to_do) {
  EXPECT_THAT(error_of("not a key"), HasSubstr("is not a private key in PEM format"));
  EXPECT_THAT(error_of("not a key"), HasSubstr("--app-key-file app.pem"));
  EXPECT_THAT(error_of("not a key"), HasSubstr("Generate a private key"));
  Pkey ec(EVP_EC_gen("P-256"));
  ASSERT_TRUE(ec);
  EXPECT_THAT(error_of(pem_of(ec.get())), HasSubstr("is a private key but not an RSA one"));
}

TEST(github_app_auth, base64url_round_trips_every_length_and_refuses_other_alphabets) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(util::base64url_decode(util::base64url(bytes)), bytes) << i;
    bytes += static_cast<char>(i * 37 + 200);
  }
  EXPECT_EQ(util::base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(util::base64url_decode("a+b/"), std::nullopt);
  EXPECT_EQ(util::base64url_decode("abcde"), std::nullopt);
}

TEST(github_app_auth, keeps_an_installation_token_until_five_minutes_before_it_expires) {
  util::ManualClock clock(at("2026-12-01T12:00:00Z"));
  int issued = 0;
  // A long token in the newer stateless format: nothing may assume 40 characters.
  InstallationToken token(
      [&](std::string&) -> std::optional<IssuedToken> {
        ++issued;
        return IssuedToken{"ghs_" + std::string(300, 'a' + static_cast<char>(issued)),
                           clock.now() + std::chrono::hours(1)};
      },
      clock);
  std::string error;
  auto first = token.current(error);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 304u);
  clock.advance(std::chrono::minutes(54));
  EXPECT_EQ(token.current(error), first);
  EXPECT_EQ(issued, 1);
  clock.advance(std::chrono::minutes(2));  // 4 minutes left: renewed
  auto second = token.current(error);
  ASSERT_TRUE(second);
  EXPECT_NE(second, first);
  EXPECT_EQ(token.renewals(), 2);
}

TEST(github_app_auth, a_failed_renewal_says_why_and_is_tried_again_next_time) {
  util::ManualClock clock(at("2026-12-01T12:00:00Z"));
  bool fail = true;
  InstallationToken token(
      [&](std::string& error) -> std::optional<IssuedToken> {
        if (fail) {
          error = "GitHub rejected the App's JWT (401)";
          return std::nullopt;
        }
        return IssuedToken{"ghs_x", clock.now() + std::chrono::hours(1)};
      },
      clock);
  std::string error;
  EXPECT_EQ(token.current(error), std::nullopt);
  EXPECT_EQ(error, "GitHub rejected the App's JWT (401)");
  fail = false;
  EXPECT_EQ(token.current(error), "ghs_x");
}
