// Fuzz target of the JSON API's query parameters (web/api.hpp) as `serve` receives them:
// the input is a request's query string, decoded the way cpp-httplib decodes it, then
// answered by every endpoint that takes parameters, over a snapshot of two repositories
// (with gaps, and an earlier name they share) and an empty store. Any query is an answer
// or a RequestError (400, 404) whose message is for the person who wrote it; never
// another exception, a crash, or an answer that takes long to build.
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fuzz_input.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/request_error.hpp"
#include "ghtraffic/web/snapshot.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ghtraffic;

std::shared_ptr<const web::RepoData> repo(core::RepoId id, const std::string& name,
                                          util::Day first) {
  auto data = std::make_shared<web::RepoData>();
  data->record.id = id;
  data->record.full_name = name;
  data->record.names = {"octo/old", name};
  data->record.visibility = "public";
  data->first = first;
  for (int i = 0; i < 40; ++i) {
    web::DayCell cell;
    if (i % 7 != 3) {  // every seventh day a gap (R3)
      cell = {i, i / 2, i % 5, i % 3};
    }
    data->cells.push_back(cell);
  }
  data->record.first_day = first;
  data->record.last_day = util::Day(first + std::chrono::days(39));
  return data;
}

const fs::path& store_path() {
  static const fs::path path =
      fs::temp_directory_path() / ("ghtraffic-fuzz-api-" + std::to_string(::getpid()) + ".db");
  return path;
}

void remove_store() {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) {
    fs::remove(store_path().string() + suffix, ignored);
  }
}

void check_message(const web::RequestError& e) {
  fuzz::require(e.status() == 400 || e.status() == 404, "a refused request is 400 or 404");
  fuzz::require(std::string_view(e.what()).size() > 0, "a refusal says why");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static web::Snapshot snapshot = [] {
    web::Snapshot s;
    auto first = *util::parse_day("2026-03-01");
    s.repos = {repo(101, "octo/alpha", first), repo(102, "octo/beta", first)};
    return s;
  }();
  static std::unique_ptr<store::Store> store = [] {
    // store_path()'s name first: atexit handlers run before the statics made earlier are
    // destroyed, not after.
    remove_store();
    std::atexit(remove_store);
    return store::make_store("sqlite:" + store_path().string());
  }();

  web::Params params;
  httplib::detail::parse_query_text(std::string(fuzz::as_text(data, size)), params);
  using Handler = nlohmann::json (*)(store::Store&, const web::Snapshot&, const web::Params&);
  static const Handler handlers[] = {web::paths_json, web::referrers_json, web::counters_json,
                                     web::windows_json};
  try {
    (void)web::daily_json(snapshot, params);
  } catch (const web::RequestError& e) {
    check_message(e);
  }
  for (auto handler : handlers) {
    try {
      (void)handler(*store, snapshot, params);
    } catch (const web::RequestError& e) {
      check_message(e);
    }
  }
  return 0;
}
