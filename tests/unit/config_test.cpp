#include "ghtraffic/collect/config.hpp"

#include <gmock/gmock.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

}  // namespace

TEST(config, reads_every_setting_and_source) {
  auto c = collect::parse_config(R"(
store = "sqlite:/tmp/x.db"
api_url = "https://ghe.example/api/v3"
token_command = "gh auth token"
concurrency = 12
max_per_minute = 600

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
  EXPECT_THAT(error_of("concurrency = 500\n"), HasSubstr("between 1 and 100"));
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
    EXPECT_EQ(collect::find_token(file, "echo cmd-token-value")->source, "GITHUB_TOKEN");
  }
  {
    ScopedEnv a("GITHUB_TOKEN", nullptr);
    ScopedEnv b("GH_TOKEN", "from-gh-token-value");
    EXPECT_EQ(collect::find_token(file, std::nullopt)->value, "from-gh-token-value");
  }
  {
    ScopedEnv a("GITHUB_TOKEN", nullptr);
    ScopedEnv b("GH_TOKEN", nullptr);
    EXPECT_EQ(collect::find_token(file, "echo cmd-token-value")->value, "from-file-token-value");
    auto t = collect::find_token(std::nullopt, "echo cmd-token-value");
    EXPECT_EQ(t->value, "cmd-token-value");
    EXPECT_EQ(t->source, "token_command");
    EXPECT_FALSE(collect::find_token(std::nullopt, std::nullopt));
    // Whatever source it came from, the token is now masked in any output.
    EXPECT_EQ(util::scrub("got cmd-token-value"), "got [REDACTED]");
    EXPECT_THROW(collect::find_token((dir / "missing").string(), std::nullopt), util::Error);
    EXPECT_THROW(collect::find_token(std::nullopt, "exit 3"), util::Error);
  }
  std::filesystem::remove_all(dir);
  util::forget_secrets();
}
