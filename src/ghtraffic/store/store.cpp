#include "ghtraffic/store/store.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <string_view>

#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"
#include "ghtraffic/store/sqlite/sqlite_store.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store {

namespace {

// Where the backend's own part of a URL is turned into something it can open.
using OpenFn = std::unique_ptr<Store> (*)(const std::string& location, const StoreOptions&);
using LockFn = std::unique_ptr<CollectLock> (*)(const std::string& location);

struct Backend {
  std::string_view scheme;
  std::string_view usage;  // how to write a URL of this backend, for messages
  OpenFn open;
  LockFn lock;
};

std::string home_folder() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) : std::string();
}

// "sqlite:PATH", "sqlite:~/PATH" or "sqlite:///abs/PATH".
std::string sqlite_path(const std::string& location) {
  std::string path = location;
  if (path.starts_with("///")) {
    path.erase(0, 2);
  }
  if (path.starts_with("~/") && !home_folder().empty()) {
    path = home_folder() + path.substr(1);
  }
  if (path.empty()) {
    throw util::Error("sqlite: needs a file path, for example sqlite:~/traffic.db");
  }
  return path;
}

std::unique_ptr<Store> open_sqlite(const std::string& location, const StoreOptions& options) {
  return sqlite::make_sqlite_store(sqlite_path(location), options);
}

std::unique_ptr<CollectLock> lock_sqlite(const std::string& location) {
  return sqlite::lock_sqlite_store(sqlite_path(location));
}

std::unique_ptr<Store> open_dynamodb(const std::string& location, const StoreOptions& options) {
  return dynamodb::make_dynamodb_store(location, options);
}

std::unique_ptr<CollectLock> lock_dynamodb(const std::string& location) {
  return dynamodb::lock_dynamodb_store(location);
}

// The one table of store backends.
constexpr Backend k_backends[] = {
    {"sqlite", "sqlite:PATH", &open_sqlite, &lock_sqlite},
    {"dynamodb", "dynamodb:TABLE_PREFIX[?region=R]", &open_dynamodb, &lock_dynamodb},
};

const Backend& sqlite_backend() {
  return k_backends[0];
}

std::string known_schemes_text() {
  std::string text;
  for (const auto& backend : k_backends) {
    if (!text.empty()) {
      text += ", ";
    }
    text += fmt::format("{} ({})", backend.scheme, backend.usage);
  }
  return text;
}

bool looks_like_scheme(std::string_view text) {
  if (text.size() < 2 || !std::isalpha(static_cast<unsigned char>(text.front()))) {
    return false;
  }
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

struct Resolved {
  const Backend* backend;
  std::string location;
};

Resolved resolve(const std::string& url) {
  const bool bare_sqlite_path = url.ends_with(".db");
  auto colon = url.find(':');
  if (colon != std::string::npos && looks_like_scheme(std::string_view(url).substr(0, colon))) {
    auto scheme = std::string_view(url).substr(0, colon);
    for (const auto& backend : k_backends) {
      if (backend.scheme == scheme) {
        return {&backend, url.substr(colon + 1)};
      }
    }
    if (!bare_sqlite_path) {
      throw util::Error("unknown store scheme '{}' in {}; known schemes: {}", std::string(scheme),
                        util::scrub(url), known_schemes_text());
    }
  }
  if (bare_sqlite_path) {
    return {&sqlite_backend(), url};
  }
  throw util::Error(
      "cannot tell what kind of store {} is; write it as one of: {}, or a path "
      "ending in .db",
      util::scrub(url), known_schemes_text());
}

}  // namespace

std::vector<std::string> known_store_schemes() {
  std::vector<std::string> schemes;
  for (const auto& backend : k_backends) {
    schemes.emplace_back(backend.scheme);
  }
  return schemes;
}

std::unique_ptr<Store> make_store(const std::string& url, const StoreOptions& options) {
  auto resolved = resolve(url);
  return resolved.backend->open(resolved.location, options);
}

std::unique_ptr<CollectLock> lock_for_collect(const std::string& url) {
  auto resolved = resolve(url);
  return resolved.backend->lock(resolved.location);
}

ImportResult Store::import_history(const core::ImportedHistory& history) {
  throw util::Error(
      "{} cannot take imports yet, so nothing of {} was imported; import into an SQLite "
      "store (--store sqlite:PATH)",
      describe(), history.full_name);
}

BackfillResult Store::commit_backfill(const core::Backfill& backfill) {
  throw util::Error(
      "{} cannot keep star and fork history yet, so nothing of {} was backfilled; use an "
      "SQLite store (--store sqlite:PATH)",
      describe(), backfill.full_name);
}

std::vector<core::HistoryCount> Store::history_counts(core::RepoId, core::CountKind,
                                                      const DayRange&) {
  return {};
}

std::optional<core::BackfillState> Store::backfill_state(core::RepoId, core::CountKind) {
  return std::nullopt;
}

std::vector<core::DownloadSnapshot> Store::downloads(core::RepoId, const DayRange&) {
  return {};
}

std::string attempt_key(const RepoAttempt& attempt) {
  return attempt.repo_id != 0 ? fmt::format("id:{}", attempt.repo_id)
                              : "name:" + util::to_lower(attempt.full_name);
}

std::string default_store_url() {
  // The XDG specification says a relative XDG_DATA_HOME is to be ignored.
  const char* data_home = std::getenv("XDG_DATA_HOME");
  if (data_home != nullptr && data_home[0] == '/') {
    return fmt::format("sqlite:{}/ghtraffic/ghtraffic.db", data_home);
  }
  auto home = home_folder();
  if (home.empty()) {
    throw util::Error(
        "cannot choose a place for the store: neither XDG_DATA_HOME nor HOME is set; pass "
        "--store sqlite:PATH");
  }
  return fmt::format("sqlite:{}/.local/share/ghtraffic/ghtraffic.db", home);
}

}  // namespace ghtraffic::store
