// GitHub App authentication against the mock server, which checks each JWT's RS256
// signature with the App's public key and issues short-lived installation tokens: every
// installation and what it sees, each on its own budget, renewals that fail no request,
// errors a person can act on, and no credential in what ghtraffic prints.
#include "ghtraffic/github/app_auth.hpp"

#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>

#include "fixture.hpp"
#include "ghtraffic/collect/app_session.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/redact.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string pem_of(EVP_PKEY* key, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (private_key) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, key);
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

// The lines of a PEM's body, none of which may ever be printed.
std::vector<std::string> body_lines(const std::string& pem) {
  std::vector<std::string> out;
  std::istringstream in(pem);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("-----") && line.size() >= 16) {
      out.push_back(line);
    }
  }
  return out;
}

class app_auth : public ::testing::Test {
 protected:
  void SetUp() override {
    // Generated for each run: no private key is kept in the repository. GitHub's are 2048
    // bits; the code is the same for a smaller one, which is faster to make.
    m_key.reset(EVP_RSA_gen(1024));
    ASSERT_TRUE(m_key);
    m_pem = pem_of(m_key.get(), true);
    m_github.set_now(at("2026-03-20T12:00:00Z"));
    m_github.set_app("4242", pem_of(m_key.get(), false));
    add_synthetic_repos(m_github, "org-a", 3, day("2026-02-01"), day("2026-03-20"), 1);
    add_synthetic_repos(m_github, "org-b", 2, day("2026-02-01"), day("2026-03-20"), 2);
    add_synthetic_repos(m_github, "org-c", 1, day("2026-02-01"), day("2026-03-20"), 3);
    m_github.add_installation({101, "org-a", {}});
    m_github.add_installation({202, "org-b", {"org-b/repo-0"}});
    m_github.add_installation({303, "org-c", {}, {{"metadata", "read"}}});  // no Administration
    m_github.start();
    m_dir = scratch_dir("app-auth");
    m_key_file = m_dir + "/app.pem";
    std::ofstream(m_key_file) << m_pem;
    m_store_url = "sqlite:" + m_dir + "/ghtraffic.db";
  }
  void TearDown() override { util::forget_secrets(); }

  collect::AppAuth app(std::string id = "4242", std::optional<std::int64_t> installation = {}) {
    collect::AppAuth out;
    out.credentials = {std::move(id), m_pem, "--app-key-file " + m_key_file};
    out.installation_id = installation;
    return out;
  }

  github::ClientOptions options() {
    github::ClientOptions o;
    o.api_url = m_github.url();
    o.concurrency = 2;
    o.max_retries = 0;
    return o;
  }

  collect::Summary collect(const collect::AppAuth& auth, const collect::Plan& plan = {},
                           std::chrono::seconds margin = github::k_token_renewal_margin) {
    collect::AppSession session(auth, options(), *m_transport, util::system_clock(), margin);
    auto store = store::make_store(m_store_url);
    auto summary = collect::run_collection(session.accounts(), *store, plan);
    m_requests_by_account.clear();
    for (const auto& account : session.accounts().list) {
      m_requests_by_account.push_back(account.client->stats().requests);
    }
    return summary;
  }

  static std::vector<std::string> names(const collect::Summary& summary, bool ok) {
    std::vector<std::string> out;
    for (const auto& repo : summary.repos) {
      if (repo.ok == ok) {
        out.push_back(repo.full_name);
      }
    }
    return out;
  }

  static std::string error_of(const collect::Summary& summary, const std::string& repo) {
    for (const auto& r : summary.repos) {
      if (r.full_name == repo) {
        return r.error;
      }
    }
    return "(not in the summary)";
  }

  MockGitHub m_github;
  Pkey m_key;
  std::string m_pem;
  std::string m_dir;
  std::string m_key_file;
  std::string m_store_url;
  std::unique_ptr<net::HttpTransport> m_transport = collect::make_github_transport();
  std::vector<std::int64_t> m_requests_by_account;
};

}  // namespace

TEST_F(app_auth, collects_what_every_installation_sees_each_through_its_own_token_and_budget) {
  auto summary = collect(app());

  EXPECT_THAT(names(summary, true),
              ElementsAre("org-a/repo-0", "org-a/repo-1", "org-a/repo-2", "org-b/repo-0"));
  EXPECT_THAT(names(summary, false), ElementsAre());
  // org-c's installation lacks Administration: read: the run says so and what to do.
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_THAT(summary.errors[0], HasSubstr("installation 303 on org-c"));
  EXPECT_THAT(summary.errors[0], HasSubstr("Administration: read"));
  EXPECT_THAT(summary.errors[0], HasSubstr("Repository permissions"));

  auto stats = m_github.stats();
  EXPECT_EQ(stats.by_route["app/installations"], 1);
  EXPECT_EQ(stats.by_route["installation/repositories"], 2);
  EXPECT_EQ(stats.app_tokens_issued, 2);  // one for each installation that collects
  EXPECT_EQ(stats.jwts_refused, 0);
  // Each installation has a client, so a pacer and a rate budget, of its own.
  ASSERT_EQ(m_requests_by_account.size(), 3u);
  EXPECT_GT(m_requests_by_account[0], 12);  // org-a: a listing, GraphQL, 4 per repository
  EXPECT_GT(m_requests_by_account[1], 4);
  EXPECT_EQ(m_requests_by_account[2], 0);
  EXPECT_EQ(summary.client.requests,
            m_requests_by_account[0] + m_requests_by_account[1] + m_requests_by_account[2]);
}

TEST_F(app_auth, a_collection_spanning_token_renewals_loses_nothing) {
  // Tokens that last 4 s, renewed 3 s before they expire: each serves about a second, and
  // one kept a moment too long is refused by the mock.
  m_github.set_installation_token_lifetime(std::chrono::seconds(4));
  m_github.set_latency(std::chrono::milliseconds(150));
  add_synthetic_repos(m_github, "org-a", 12, day("2026-02-01"), day("2026-03-20"), 4);

  auto summary = collect(app("4242", 101), {}, std::chrono::seconds(3));

  EXPECT_EQ(names(summary, true).size(), 12u);
  EXPECT_THAT(names(summary, false), ElementsAre());
  EXPECT_TRUE(summary.all_ok()) << (summary.errors.empty() ? "" : summary.errors[0]);
  for (const auto& repo : summary.repos) {
    EXPECT_TRUE(repo.missing.empty()) << repo.full_name;
    EXPECT_GT(repo.commit.days_stored, 0) << repo.full_name;
  }
  auto stats = m_github.stats();
  EXPECT_GE(stats.app_tokens_issued, 3) << "the run should have outlived two tokens";
  EXPECT_EQ(stats.expired_tokens_refused, 0);
}

TEST_F(app_auth, a_token_refused_before_its_time_is_renewed_and_the_request_answered) {
  github::App the_app(app().credentials, options(), *m_transport);
  auto installation = the_app.installation(101);
  ASSERT_TRUE(installation) << installation.error().message;
  auto client = the_app.installation_client(*installation);

  ASSERT_TRUE(client->get("/installation/repositories"));
  m_github.expire_installation_tokens();  // revoked, or a clock running late
  auto again = client->get("/installation/repositories");
  ASSERT_TRUE(again) << again.error().message;

  auto stats = m_github.stats();
  EXPECT_EQ(stats.expired_tokens_refused, 1);
  EXPECT_EQ(stats.app_tokens_issued, 2);
}

TEST_F(app_auth, a_wrong_app_id_is_refused_and_the_error_says_what_to_check) {
  collect::Plan plan;
  plan.repos.push_back(*core::RepoRef::parse("org-a/repo-0"));
  auto summary = collect(app("999"), plan);

  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_THAT(summary.errors[0], HasSubstr("GitHub rejected the GitHub App's JWT (401"));
  EXPECT_THAT(summary.errors[0], HasSubstr("App id 999"));
  EXPECT_THAT(summary.errors[0], HasSubstr("App ID on the App's settings page"));
  EXPECT_THAT(summary.errors[0], HasSubstr("--app-key-file " + m_key_file));
  EXPECT_THAT(error_of(summary, "org-a/repo-0"), HasSubstr("not collected: "));
  EXPECT_FALSE(summary.all_ok());
  EXPECT_GE(m_github.stats().jwts_refused, 1);
}

TEST_F(app_auth, a_key_of_another_app_is_refused_like_a_wrong_id) {
  Pkey other(EVP_RSA_gen(1024));
  auto auth = app();
  auth.credentials.key_pem = pem_of(other.get(), true);
  auto summary = collect(auth);

  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_THAT(summary.errors[0], HasSubstr("GitHub rejected the GitHub App's JWT (401"));
  EXPECT_THAT(summary.errors[0], HasSubstr("one of that App's private keys"));
  EXPECT_TRUE(summary.repos.empty());
}

TEST_F(app_auth, a_named_repository_no_installation_can_see_says_which_and_what_to_do) {
  collect::Plan plan;
  for (const char* name : {"org-a/repo-1", "org-b/repo-1", "org-z/elsewhere", "org-c/repo-0"}) {
    plan.repos.push_back(*core::RepoRef::parse(name));
  }
  auto summary = collect(app(), plan);

  EXPECT_THAT(names(summary, true), ElementsAre("org-a/repo-1"));
  EXPECT_THAT(error_of(summary, "org-b/repo-1"),
              HasSubstr("installation 202 on org-b cannot see org-b/repo-1"));
  EXPECT_THAT(error_of(summary, "org-b/repo-1"), HasSubstr("Repository access"));
  EXPECT_THAT(error_of(summary, "org-z/elsewhere"),
              HasSubstr("the GitHub App 4242 is not installed on org-z"));
  EXPECT_THAT(error_of(summary, "org-c/repo-0"), HasSubstr("Administration: read"));
}

TEST_F(app_auth, an_installation_named_is_the_only_one_used) {
  auto summary = collect(app("4242", 202));
  EXPECT_THAT(names(summary, true), ElementsAre("org-b/repo-0"));
  EXPECT_TRUE(summary.errors.empty());
  auto stats = m_github.stats();
  EXPECT_EQ(stats.by_route["app/installations"], 0);
  EXPECT_EQ(stats.by_route["app/installations/id"], 1);

  auto missing = collect(app("4242", 999));
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_THAT(missing.errors[0], HasSubstr("the GitHub App 4242 has no installation 999"));
}

TEST_F(app_auth, the_mock_refuses_jwts_github_would_refuse) {
  auto send = [&](const std::string& jwt) {
    net::HttpRequest request;
    request.url = m_github.url() + "/app/installations";
    request.headers["Authorization"] = "Bearer " + jwt;
    return m_transport->send(request).status;
  };
  auto key = github::AppKey::from_pem(m_pem, "test");
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  EXPECT_EQ(send(github::app_jwt(key, "4242", now)), 200);
  EXPECT_EQ(send(github::app_jwt(key, "4243", now)), 401);                             // iss
  EXPECT_EQ(send(github::app_jwt(key, "4242", now - std::chrono::minutes(20))), 401);  // exp
  EXPECT_EQ(send(github::app_jwt(key, "4242", now + std::chrono::minutes(5))), 401);   // iat
  Pkey other(EVP_RSA_gen(1024));
  auto other_key = github::AppKey::from_pem(pem_of(other.get(), true), "test");
  EXPECT_EQ(send(github::app_jwt(other_key, "4242", now)), 401);  // signature
  auto jwt = github::app_jwt(key, "4242", now);
  auto& middle = jwt[jwt.size() - 10];  // a character of the signature that carries bits
  middle = middle == 'A' ? 'B' : 'A';
  EXPECT_EQ(send(jwt), 401);
  EXPECT_EQ(m_github.stats().jwts_refused, 5);
  // A JWT opens the App's routes only; repositories need an installation token.
  net::HttpRequest repo;
  repo.url = m_github.url() + "/repos/org-a/repo-0/traffic/views";
  repo.headers["Authorization"] = "Bearer " + github::app_jwt(key, "4242", now);
  EXPECT_NE(m_transport->send(repo).status, 200);
}

TEST_F(app_auth, collect_prints_no_token_jwt_or_key_line_even_with_every_request_logged) {
  const std::string store = m_store_url;
  auto with_file =
      run_ghtraffic({"collect", "-vv", "--json", "--api-url", m_github.url(), "--store", store,
                     "--app-id", "4242", "--app-key-file", m_key_file});
  EXPECT_EQ(with_file.exit_code, 1) << with_file.err;  // org-c cannot read traffic
  auto json = nlohmann::json::parse(with_file.out, nullptr, false);
  ASSERT_TRUE(json.is_object()) << with_file.out;

  ProcessOptions env;
  env.env["GHTRAFFIC_APP_ID"] = "4242";
  env.env["GHTRAFFIC_APP_KEY"] = m_pem;  // as an Actions secret holds it
  env.env["GITHUB_TOKEN"] = "";
  auto with_env = run_ghtraffic(
      {"collect", "-vv", "--api-url", m_github.url(), "--store", store, "org-a/repo-0"}, env);
  EXPECT_EQ(with_env.exit_code, 0) << with_env.err;
  EXPECT_THAT(with_env.out, HasSubstr("org-a/repo-0"));

  const auto tokens = m_github.installation_tokens();
  ASSERT_GE(tokens.size(), 2u);
  for (const auto& token : tokens) {
    EXPECT_GT(token.size(), 40u);  // the longer format
  }
  static const std::regex jwt_shape(R"(eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.)");
  for (const auto* r : {&with_file, &with_env}) {
    const std::string printed = r->out + r->err;
    EXPECT_THAT(printed, HasSubstr("GET"));  // -vv logged the requests
    for (const auto& token : tokens) {
      EXPECT_THAT(printed, Not(HasSubstr(token)));
      EXPECT_THAT(printed, Not(HasSubstr(token.substr(0, 24))));
    }
    EXPECT_FALSE(std::regex_search(printed, jwt_shape)) << printed;
    for (const auto& line : body_lines(m_pem)) {
      EXPECT_THAT(printed, Not(HasSubstr(line)));
    }
  }
}

TEST_F(app_auth, collect_refuses_a_key_that_is_no_rsa_private_key_or_an_app_half_set) {
  std::ofstream(m_dir + "/bad.pem")
      << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  ProcessOptions env;
  env.env["GITHUB_TOKEN"] = "";
  auto bad = run_ghtraffic({"collect", "--api-url", m_github.url(), "--store", m_store_url,
                            "--app-id", "4242", "--app-key-file", m_dir + "/bad.pem"},
                           env);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("is not a private key in PEM format"));
  EXPECT_THAT(bad.err, HasSubstr("--app-key-file " + m_dir + "/bad.pem"));

  auto no_key = run_ghtraffic(
      {"collect", "--api-url", m_github.url(), "--store", m_store_url, "--app-id", "4242"}, env);
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_THAT(no_key.err, HasSubstr("no private key"));
  EXPECT_THAT(no_key.err, HasSubstr("--app-key-file"));

  auto no_id = run_ghtraffic({"collect", "--api-url", m_github.url(), "--store", m_store_url,
                              "--app-key-file", m_key_file},
                             env);
  EXPECT_EQ(no_id.exit_code, 2);
  EXPECT_THAT(no_id.err, HasSubstr("no App id"));
}
