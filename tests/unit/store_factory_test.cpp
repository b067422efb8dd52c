#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "store_test_support.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;

namespace {

// Sets or unsets an environment variable for the life of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) {
      m_old = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (m_old) {
      ::setenv(m_name, m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name);
    }
  }

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const util::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(store_factory, opens_a_sqlite_url) {
  TempDir dir;
  auto store = store::make_store("sqlite:" + dir.file("a.db"));
  EXPECT_EQ(store->describe(), "sqlite:" + dir.file("a.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("a.db")));
}

TEST(store_factory, opens_a_bare_path_ending_in_db_as_sqlite) {
  TempDir dir;
  auto store = store::make_store(dir.file("b.db"));
  EXPECT_EQ(store->describe(), "sqlite:" + dir.file("b.db"));
}

TEST(store_factory, accepts_a_sqlite_url_with_three_slashes) {
  TempDir dir;
  auto store = store::make_store("sqlite://" + dir.file("c.db"));
  EXPECT_EQ(store->describe(), "sqlite:" + dir.file("c.db"));
}

TEST(store_factory, expands_a_tilde_to_the_home_folder) {
  TempDir dir;
  ScopedEnv home("HOME", dir.path().c_str());
  auto store = store::make_store("sqlite:~/traffic/d.db");
  EXPECT_EQ(store->describe(), "sqlite:" + dir.file("traffic/d.db"));
}

TEST(store_factory, refuses_an_unknown_scheme_and_lists_the_known_ones) {
  auto message = error_of([] { store::make_store("postgres://localhost/traffic"); });
  EXPECT_NE(message.find("unknown store scheme 'postgres'"), std::string::npos) << message;
  EXPECT_NE(message.find("sqlite"), std::string::npos) << message;
  EXPECT_NE(error_of([] { store::lock_for_collect("redis:x"); }).find("sqlite"), std::string::npos);
  EXPECT_EQ(store::known_store_schemes(), (std::vector<std::string>{"sqlite", "dynamodb"}));
}

TEST(store_factory, refuses_a_url_without_scheme_that_does_not_end_in_db) {
  auto message = error_of([] { store::make_store("/tmp/traffic.json"); });
  EXPECT_NE(message.find("sqlite:PATH"), std::string::npos) << message;
  EXPECT_NE(error_of([] { store::make_store("sqlite:"); }), "");
}

TEST(store_factory, read_only_open_of_a_missing_store_creates_nothing) {
  TempDir dir;
  auto message =
      error_of([&] { store::make_store("sqlite:" + dir.file("x/none.db"), {.read_only = true}); });
  EXPECT_NE(message.find("no store at"), std::string::npos) << message;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(store_factory, default_url_lives_under_xdg_data_home) {
  ScopedEnv data_home("XDG_DATA_HOME", "/srv/data");
  EXPECT_EQ(store::default_store_url(), "sqlite:/srv/data/ghtraffic/ghtraffic.db");
}

TEST(store_factory, default_url_falls_back_to_the_home_folder) {
  ScopedEnv data_home("XDG_DATA_HOME", nullptr);
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(store::default_store_url(), "sqlite:/home/someone/.local/share/ghtraffic/ghtraffic.db");
}

TEST(store_factory, default_url_ignores_a_relative_xdg_data_home) {
  ScopedEnv data_home("XDG_DATA_HOME", "relative/data");
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(store::default_store_url(), "sqlite:/home/someone/.local/share/ghtraffic/ghtraffic.db");
}

TEST(store_factory, default_store_is_created_with_its_folder_when_written) {
  TempDir dir;
  ScopedEnv data_home("XDG_DATA_HOME", dir.path().c_str());
  store::make_store(store::default_store_url());
  EXPECT_TRUE(std::filesystem::exists(dir.file("ghtraffic/ghtraffic.db")));
}

// --- the collection lock ---

TEST(store_lock, refuses_a_second_holder_and_names_the_pid) {
  TempDir dir;
  const auto url = "sqlite:" + dir.file("traffic.db");
  auto first = store::lock_for_collect(url);
  try {
    store::lock_for_collect(url);
    FAIL() << "the second lock should be refused";
  } catch (const util::Error& e) {
    EXPECT_EQ(e.exit_code(), util::k_exit_busy);
    EXPECT_EQ(std::string(e.what()), "another ghtraffic collect (pid " +
                                         std::to_string(::getpid()) + ") is running on " + url +
                                         "; wait for it to finish");
  }
  first.reset();
  EXPECT_NO_THROW(store::lock_for_collect(url));
}

TEST(store_lock, locks_of_different_stores_do_not_conflict) {
  TempDir dir;
  auto a = store::lock_for_collect("sqlite:" + dir.file("a.db"));
  EXPECT_NO_THROW(store::lock_for_collect("sqlite:" + dir.file("b.db")));
}

TEST(store_lock, a_killed_holder_releases_the_lock) {
  TempDir dir;
  const auto url = "sqlite:" + dir.file("traffic.db");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = store::lock_for_collect(url);
    char byte = 1;
    [[maybe_unused]] auto written = ::write(ready[1], &byte, 1);
    ::pause();
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  auto message = error_of([&] { store::lock_for_collect(url); });
  EXPECT_NE(message.find("pid " + std::to_string(child)), std::string::npos) << message;

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_NO_THROW(store::lock_for_collect(url));
}
