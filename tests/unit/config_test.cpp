#include "ghtraffic/collect/config.hpp"

#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"

using namespace ghtraffic;
using ::testing::HasSubstr;

namespace {

std::string error_of(const std::string& text) {
  try {
    collect::parse_config(text, "ghtraffic.toml");
  } catch (const util::Error& e) {
    EXPECT_EQ(e.exit_code(), util::k_exit_usage);
    return e.what();
  }
  return "no error";
}

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) {
      m_old = old;
    }
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { m_old ? ::setenv(m_name, m_old->c_str(), 1) : ::unsetenv(m_name); }

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

// The token from a token file and a token command, as the settings would name them.
std::optional<collect::Token> find_token(const std::optional<std::string>& file,
                                         const std::optional<std::string>& command) {
  collect::ClientSettings settings;
  settings.token_file = file;
  settings.token_command = command;
  return collect::find_token(settings);
}

std::string error_of_settings(const collect::Flags& flags, const collect::ConfigFile& config) {
  try {
    collect::resolve_client_settings(flags, config);
  } catch (const util::Error& e) {
    EXPECT_EQ(e.exit_code(), util::k_exit_usage);
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(config, reads_every_setting_and_source) {
  auto c = collect::parse_config(R"(
store = "sqlite:/tmp/x.db"
api_url = "https://ghe.example/api/v3"
token_command = "gh auth token"
concurrency = 12
max_per_minute = 600
warn_days = 5
notify_url = "https://hooks.example/T0"

[[sources]]
owner = "acme"
include = ["docs-*"]
exclude = ["*-old"]
no_forks = true

[[sources]]
repos = ["octocat/hello-world"]
)",
                                 "ghtraffic.toml");
  EXPECT_EQ(c.store, "sqlite:/tmp/x.db");
  EXPECT_EQ(c.api_url, "https://ghe.example/api/v3");
  EXPECT_EQ(c.token_command, "gh auth token");
  EXPECT_EQ(c.concurrency, 12);
  EXPECT_EQ(c.max_per_minute, 600);
  EXPECT_EQ(c.warn_days, 5);
  EXPECT_EQ(c.notify_url, "https://hooks.example/T0");
  ASSERT_EQ(c.owners.size(), 1u);
  EXPECT_EQ(c.owners[0].owner, "acme");
  EXPECT_EQ(c.owners[0].filters.include, std::vector<std::string>{"docs-*"});
  EXPECT_TRUE(c.owners[0].filters.no_forks);
  EXPECT_FALSE(c.owners[0].filters.no_archived);
  ASSERT_EQ(c.repos.size(), 1u);
  EXPECT_EQ(c.repos[0].full_name(), "octocat/hello-world");
}

TEST(config, an_unknown_key_is_named_with_its_line) {
  auto message = error_of("store = \"sqlite:x\"\n\nconcurency = 3\n");
  EXPECT_THAT(message, HasSubstr("ghtraffic.toml:3"));
  EXPECT_THAT(message, HasSubstr("unknown key concurency"));
  EXPECT_THAT(message, HasSubstr("concurrency"));
}

TEST(config, a_wrong_type_is_named_with_its_line) {
  EXPECT_THAT(error_of("concurrency = \"eight\"\n"),
              HasSubstr("ghtraffic.toml:1: concurrency must be a whole number"));
  EXPECT_THAT(error_of("[[sources]]\nowner = \"a\"\nno_forks = \"yes\"\n"),
              HasSubstr(":3: sources[0].no_forks must be true or false"));
  EXPECT_THAT(error_of("concurrency = 500\n"), HasSubstr("must be from 1 to 100"));
  EXPECT_THAT(error_of("[[sources]]\nrepos = [\"not-a-repo\"]\n"), HasSubstr("not OWNER/REPO"));
  EXPECT_THAT(error_of("[[sources]]\nincludes = [\"x\"]\n"),
              HasSubstr("unknown key sources[0].includes"));
  EXPECT_THAT(error_of("store = \n"), HasSubstr("ghtraffic.toml:1"));
}

TEST(token, comes_from_github_token_then_gh_token_then_the_file_then_the_command) {
  auto dir = std::filesystem::temp_directory_path() / "ghtraffic-token-test";
  std::filesystem::create_directories(dir);
  auto file = (dir / "token").string();
  std::ofstream(file) << "  from-file-token-value\n";
  {
    ScopedEnv a("GITHUB_TOKEN", "from-github-token");
    ScopedEnv b("GH_TOKEN", "from-gh-token-value");
    EXPECT_EQ(find_token(file, "echo cmd-token-value")->source, "GITHUB_TOKEN");
  }
  {
    ScopedEnv a("GITHUB_TOKEN", nullptr);
    ScopedEnv b("GH_TOKEN", "from-gh-token-value");
    EXPECT_EQ(find_token(file, std::nullopt)->value, "from-gh-token-value");
  }
  {
    ScopedEnv a("GITHUB_TOKEN", nullptr);
    ScopedEnv b("GH_TOKEN", nullptr);
    EXPECT_EQ(find_token(file, "echo cmd-token-value")->value, "from-file-token-value");
    auto t = find_token(std::nullopt, "echo cmd-token-value");
    EXPECT_EQ(t->value, "cmd-token-value");
    EXPECT_EQ(t->source, "token_command");
    EXPECT_FALSE(find_token(std::nullopt, std::nullopt));
    // Whatever source it came from, the token is now masked in any output.
    EXPECT_EQ(util::scrub("got cmd-token-value"), "got [REDACTED]");
    EXPECT_THROW(find_token((dir / "missing").string(), std::nullopt), util::Error);
    EXPECT_THROW(find_token(std::nullopt, "exit 3"), util::Error);
  }
  std::filesystem::remove_all(dir);
  util::forget_secrets();
}

TEST(config, takes_the_same_ranges_as_the_command_line) {
  EXPECT_EQ(collect::parse_config("max_per_minute = 1000000\n", "t.toml").max_per_minute,
            github::k_max_per_minute);
  EXPECT_THAT(error_of("max_per_minute = 1000001\n"),
              HasSubstr("max_per_minute must be from 1 to 1000000"));
  EXPECT_EQ(collect::parse_config("concurrency = 100\n", "t.toml").concurrency,
            github::k_max_concurrency);
  EXPECT_THAT(error_of("concurrency = 0\n"), HasSubstr("concurrency must be from 1 to 100"));
  EXPECT_EQ(collect::parse_config("warn_days = 0\n", "t.toml").warn_days, 0);
  EXPECT_THAT(error_of("warn_days = 15\n"), HasSubstr("warn_days must be from 0 to 14"));
  EXPECT_THAT(error_of("notify_url = 3\n"), HasSubstr("notify_url must be a string"));
}

TEST(settings, come_from_the_flags_then_the_environment_then_the_config_then_the_defaults) {
  ScopedEnv api("GITHUB_API_URL", nullptr);
  ScopedEnv concurrency("GHTRAFFIC_CONCURRENCY", nullptr);
  ScopedEnv ssm("GHTRAFFIC_TOKEN_SSM_PARAMETER", nullptr);
  auto defaults = collect::resolve_client_settings({}, {});
  EXPECT_EQ(defaults.api_url, "https://api.github.com");
  EXPECT_EQ(defaults.concurrency, 8);
  EXPECT_EQ(defaults.max_per_minute, 900);
  EXPECT_FALSE(defaults.token_file);
  EXPECT_FALSE(defaults.token_command);
  EXPECT_FALSE(defaults.token_ssm_parameter);

  auto config = collect::parse_config(R"(
api_url = "https://config.example/api/v3"
concurrency = 12
max_per_minute = 600
token_file = "/config/token"
token_command = "gh auth token"
token_ssm_parameter = "/config/param"
)",
                                      "t.toml");
  auto from_config = collect::resolve_client_settings({}, config);
  EXPECT_EQ(from_config.api_url, "https://config.example/api/v3");
  EXPECT_EQ(from_config.concurrency, 12);
  EXPECT_EQ(from_config.max_per_minute, 600);
  EXPECT_EQ(from_config.token_file, "/config/token");
  EXPECT_EQ(from_config.token_command, "gh auth token");
  EXPECT_EQ(from_config.token_ssm_parameter, "/config/param");

  ScopedEnv api_env("GITHUB_API_URL", "https://env.example/api/v3/");
  ScopedEnv concurrency_env("GHTRAFFIC_CONCURRENCY", "20");
  ScopedEnv ssm_env("GHTRAFFIC_TOKEN_SSM_PARAMETER", "/env/param");
  auto from_env = collect::resolve_client_settings({}, config);
  EXPECT_EQ(from_env.api_url, "https://env.example/api/v3");
  EXPECT_EQ(from_env.concurrency, 20);
  EXPECT_EQ(from_env.token_ssm_parameter, "/env/param");

  collect::Flags flags{.api_url = "http://127.0.0.1:9",
                       .token_file = "/flag/token",
                       .token_ssm_parameter = "/flag/param",
                       .concurrency = 3,
                       .max_per_minute = 50};
  auto from_flags = collect::resolve_client_settings(flags, config);
  EXPECT_EQ(from_flags.api_url, "http://127.0.0.1:9");
  EXPECT_EQ(from_flags.concurrency, 3);
  EXPECT_EQ(from_flags.max_per_minute, 50);
  EXPECT_EQ(from_flags.token_file, "/flag/token");
  EXPECT_EQ(from_flags.token_ssm_parameter, "/flag/param");

  auto options = collect::client_options(from_flags, {"the-token-value", "test"});
  EXPECT_EQ(options.api_url, "http://127.0.0.1:9");
  EXPECT_EQ(options.token, "the-token-value");
  EXPECT_EQ(options.concurrency, 3);
  EXPECT_EQ(options.max_per_minute, 50);
}

TEST(settings, a_malformed_environment_variable_or_api_url_is_named) {
  ScopedEnv api("GITHUB_API_URL", nullptr);
  {
    ScopedEnv concurrency("GHTRAFFIC_CONCURRENCY", "abc");
    EXPECT_THAT(error_of_settings({}, {}),
                HasSubstr("GHTRAFFIC_CONCURRENCY: \"abc\" is not a whole number"));
  }
  {
    ScopedEnv concurrency("GHTRAFFIC_CONCURRENCY", "500");
    EXPECT_THAT(error_of_settings({}, {}),
                HasSubstr("GHTRAFFIC_CONCURRENCY: \"500\" must be from 1 to 100"));
  }
  EXPECT_THAT(error_of_settings({}, collect::parse_config("api_url = \"ftp://x\"\n", "t.toml")),
              HasSubstr("(from api_url in the config file)"));
}

TEST(token, the_settings_name_every_source_in_precedence_order) {
  auto dir = std::filesystem::temp_directory_path() / "ghtraffic-token-order-test";
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "flag").string()) << "flag-file-token-value\n";
  std::ofstream((dir / "config").string()) << "config-file-token-value\n";
  ScopedEnv a("GITHUB_TOKEN", nullptr);
  ScopedEnv b("GH_TOKEN", nullptr);
  ScopedEnv ssm("GHTRAFFIC_TOKEN_SSM_PARAMETER", nullptr);
  auto config = collect::parse_config(
      fmt::format("token_file = \"{}\"\ntoken_command = \"echo command-token-value\"\n"
                  "token_ssm_parameter = \"/never/read\"\n",
                  (dir / "config").string()),
      "t.toml");
  auto token_of = [&](const collect::Flags& flags) {
    return collect::find_token(collect::resolve_client_settings(flags, config));
  };
  // A token file beats the command, and the command beats SSM: with a file or a command
  // set, the SSM parameter is never read (reading it here would fail: no AWS at all).
  EXPECT_EQ(token_of({.token_file = (dir / "flag").string()})->value, "flag-file-token-value");
  EXPECT_EQ(token_of({})->value, "config-file-token-value");
  config.token_file.reset();
  auto from_command = token_of({});
  EXPECT_EQ(from_command->value, "command-token-value");
  EXPECT_EQ(from_command->source, "token_command");
  {
    ScopedEnv gh("GH_TOKEN", "gh-token-value");
    EXPECT_EQ(token_of({.token_file = (dir / "flag").string()})->source, "GH_TOKEN");
  }
  std::filesystem::remove_all(dir);
  util::forget_secrets();
}

namespace {

// A fresh RSA key in PEM, made for the test: no key is kept in the repository.
std::string test_rsa_pem() {
  EVP_PKEY* key = EVP_RSA_gen(1024);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

std::string app_error_of(const collect::ClientSettings& settings) {
  try {
    collect::find_app(settings);
  } catch (const util::Error& e) {
    EXPECT_EQ(e.exit_code(), util::k_exit_usage);
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(config, reads_the_github_app_keys) {
  auto config = collect::parse_config(R"(
app_id = 123456
app_key_file = "/etc/ghtraffic/app.pem"
app_key_ssm_parameter = "/ghtraffic/app-key"
app_installation_id = 4567890
)",
                                      "t.toml");
  EXPECT_EQ(config.app_id, "123456");
  EXPECT_EQ(config.app_key_file, "/etc/ghtraffic/app.pem");
  EXPECT_EQ(config.app_key_ssm_parameter, "/ghtraffic/app-key");
  EXPECT_EQ(config.app_installation_id, 4567890);
  EXPECT_EQ(collect::parse_config("app_id = \"Iv23liABC\"\n", "t.toml").app_id, "Iv23liABC");
  EXPECT_THAT(error_of("app_installation_id = \"x\"\n"),
              HasSubstr("app_installation_id must be a whole number"));
  EXPECT_THAT(error_of("app_id = true\n"), HasSubstr("app_id must be the App ID"));
}

TEST(settings, the_github_app_comes_from_flags_then_environment_then_config) {
  ScopedEnv id_env("GHTRAFFIC_APP_ID", nullptr);
  ScopedEnv key_env("GHTRAFFIC_APP_KEY", nullptr);
  ScopedEnv file_env("GHTRAFFIC_APP_KEY_FILE", nullptr);
  ScopedEnv ssm_env("GHTRAFFIC_APP_KEY_SSM_PARAMETER", nullptr);
  ScopedEnv installation_env("GHTRAFFIC_APP_INSTALLATION_ID", nullptr);
  auto dir = std::filesystem::temp_directory_path() / "ghtraffic-app-settings-test";
  std::filesystem::create_directories(dir);
  const std::string pem = test_rsa_pem();
  std::ofstream((dir / "flag.pem").string()) << pem;
  std::ofstream((dir / "env.pem").string()) << pem;

  EXPECT_FALSE(collect::find_app(collect::resolve_client_settings({}, {})));

  auto config = collect::parse_config(
      "app_id = 1\napp_key_file = \"/nowhere/config.pem\"\napp_installation_id = 7\n", "t.toml");
  auto from_config = collect::resolve_client_settings({}, config);
  EXPECT_EQ(from_config.app_id, "1");
  EXPECT_EQ(from_config.app_key_file, "/nowhere/config.pem");
  EXPECT_EQ(from_config.app_installation_id, 7);
  EXPECT_THAT(app_error_of(from_config), HasSubstr("cannot read the GitHub App key file "
                                                   "/nowhere/config.pem"));

  ScopedEnv id("GHTRAFFIC_APP_ID", "2");
  ScopedEnv file("GHTRAFFIC_APP_KEY_FILE", (dir / "env.pem").c_str());
  ScopedEnv installation("GHTRAFFIC_APP_INSTALLATION_ID", "8");
  auto from_env = collect::find_app(collect::resolve_client_settings({}, config));
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->credentials.app_id, "2");
  EXPECT_EQ(from_env->credentials.key_source,
            "GHTRAFFIC_APP_KEY_FILE " + (dir / "env.pem").string());
  EXPECT_EQ(from_env->installation_id, 8);
  {
    // The PEM itself, as an Actions secret holds it, comes before a file named elsewhere.
    ScopedEnv inline_key("GHTRAFFIC_APP_KEY", pem.c_str());
    auto inline_app = collect::find_app(collect::resolve_client_settings({}, config));
    ASSERT_TRUE(inline_app);
    EXPECT_EQ(inline_app->credentials.key_source, "GHTRAFFIC_APP_KEY");
    // The variable's value, trimmed; compared without printing the key on a failure.
    EXPECT_TRUE(inline_app->credentials.key_pem == pem.substr(0, pem.size() - 1));

    collect::Flags flags;
    flags.app_id = "3";
    flags.app_key_file = (dir / "flag.pem").string();
    flags.app_installation_id = 9;
    auto from_flags = collect::find_app(collect::resolve_client_settings(flags, config));
    ASSERT_TRUE(from_flags);
    EXPECT_EQ(from_flags->credentials.app_id, "3");
    EXPECT_EQ(from_flags->credentials.key_source, "--app-key-file " + (dir / "flag.pem").string());
    EXPECT_EQ(from_flags->installation_id, 9);
    // No line of the key's body can be printed from now on.
    std::istringstream lines(pem);
    std::string line;
    std::getline(lines, line);
    std::getline(lines, line);
    EXPECT_EQ(util::scrub("key: " + line), "key: [REDACTED]");
  }
  {
    ScopedEnv bad("GHTRAFFIC_APP_INSTALLATION_ID", "abc");
    EXPECT_THAT(error_of_settings({}, config),
                HasSubstr("GHTRAFFIC_APP_INSTALLATION_ID: \"abc\" is not a whole number"));
  }
  util::forget_secrets();
  std::filesystem::remove_all(dir);
}

TEST(settings, an_app_id_without_a_key_or_a_key_without_an_id_says_what_is_missing) {
  auto id_only = collect::resolve_client_settings({}, {});
  id_only.app_id = "123456";
  EXPECT_THAT(app_error_of(id_only), HasSubstr("a GitHub App id is set (123456) but no private "
                                               "key: give --app-key-file FILE"));
  auto key_only = collect::resolve_client_settings({}, {});
  key_only.app_key_file = "/x.pem";
  EXPECT_THAT(app_error_of(key_only), HasSubstr("no App id: give --app-id ID"));
  auto not_rsa = collect::resolve_client_settings({}, {});
  not_rsa.app_id = "1";
  not_rsa.app_key_inline = true;
  ScopedEnv key("GHTRAFFIC_APP_KEY", "-----BEGIN PRIVATE KEY-----\nnot a key\n");
  EXPECT_THAT(app_error_of(not_rsa),
              HasSubstr("the GitHub App key from GHTRAFFIC_APP_KEY is not a private key"));
}
