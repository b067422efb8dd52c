#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/store/dynamodb/codec.hpp"
#include "ghtraffic/store/dynamodb/commit.hpp"
#include "ghtraffic/store/dynamodb/reads.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

// The Store over the two tables: reads through a Reader, writes through a Committer.
class DynamoStore final : public Store {
 public:
  DynamoStore(std::unique_ptr<TableApi> api, const std::string& prefix, bool read_only)
      : m_api(std::move(api)),
        m_data_table(prefix + "-data"),
        m_reader(*m_api, {prefix + "-data", prefix + "-cache"}),
        m_committer(*m_api, {prefix + "-data", prefix + "-cache"}, m_reader),
        m_read_only(read_only) {}

  std::string describe() const override { return m_api->describe(); }

  CommitResult commit(const core::RepoObservation& observation) override {
    require_writable(m_read_only, describe());
    require_repository_id(observation);
    auto result = m_committer.commit(observation);
    m_reader.forget_cached_responses(observation);
    return result;
  }

  BackfillResult commit_backfill(const core::Backfill& backfill) override {
    require_writable(m_read_only, describe());
    return m_committer.commit_backfill(backfill);
  }

  std::optional<core::CachedResponse> cached_response(const std::string& url) override {
    return m_reader.cached_response(url);
  }

  std::int64_t begin_run(util::Timestamp started_at) override {
    require_writable(m_read_only, describe());
    return m_committer.begin_run(started_at);
  }

  void finish_run(std::int64_t run_id, util::Timestamp finished_at, int repos_ok,
                  int repos_failed) override {
    require_writable(m_read_only, describe());
    m_committer.finish_run(run_id, finished_at, repos_ok, repos_failed);
  }

  std::vector<RepoRecord> repositories() override { return m_reader.repositories(); }

  std::vector<DayRecord> days(core::RepoId repo, core::TrafficKind kind,
                              const DayRange& range) override {
    return m_reader.days(repo, kind, range);
  }

  std::vector<WindowRecord> windows(core::RepoId repo) override { return m_reader.windows(repo); }

  std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo,
                                                 const DayRange& range) override {
    return m_reader.path_snapshots(repo, range);
  }

  std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo,
                                                         const DayRange& range) override {
    return m_reader.referrer_snapshots(repo, range);
  }

  std::vector<core::CounterSnapshot> counters(core::RepoId repo, const DayRange& range) override {
    return m_reader.counters(repo, range);
  }

  std::vector<core::RepoEvent> events(core::RepoId repo) override { return m_reader.events(repo); }

  std::vector<core::HistoryCount> history_counts(core::RepoId repo, core::CountKind kind,
                                                 const DayRange& range) override {
    return m_reader.history_counts(repo, kind, range);
  }

  std::optional<core::BackfillState> backfill_state(core::RepoId repo,
                                                    core::CountKind kind) override {
    return m_reader.backfill_state(repo, kind);
  }

  std::vector<core::DownloadSnapshot> downloads(core::RepoId repo, const DayRange& range) override {
    return m_reader.downloads(repo, range);
  }

  // One item a repository under pk ATTEMPTS; a put conditioned on time keeps the latest.
  void record_attempt(const RepoAttempt& attempt) override {
    require_writable(m_read_only, describe());
    Json item = key("ATTEMPTS", attempt_key(attempt));
    item["full_name"] = attr_s(attempt.full_name);
    item["repo_id"] = attr_n(attempt.repo_id);
    item["run_id"] = attr_n(attempt.run_id);
    item["attempted_at"] = attr_s(time_text(attempt.at));
    item["error"] = attr_s(attempt.error);
    auto put = m_api->try_call(
        "PutItem", {{"TableName", m_data_table},
                    {"Item", item},
                    {"ConditionExpression", "attribute_not_exists(pk) OR attempted_at <= :at"},
                    {"ExpressionAttributeValues", {{":at", attr_s(time_text(attempt.at))}}}});
    if (!put && !is_condition_failure(put.error())) {
      throw util::Error("could not write to {}: {}", describe(), util::scrub(put.error().message));
    }
  }

  std::vector<RepoAttempt> attempts() override {
    std::vector<RepoAttempt> out;
    for (const auto& item :
         m_api->query({{"TableName", m_data_table},
                       {"KeyConditionExpression", "pk = :p"},
                       {"ExpressionAttributeValues", {{":p", attr_s("ATTEMPTS")}}}},
                      "read the collection attempts")) {
      out.push_back({get_s(item, "full_name").value_or(""), get_n(item, "repo_id").value_or(0),
                     get_n(item, "run_id").value_or(0),
                     parse_stored_time(get_s(item, "attempted_at").value_or("")),
                     get_s(item, "error").value_or("")});
    }
    std::sort(out.begin(), out.end(), [](const RepoAttempt& a, const RepoAttempt& b) {
      return std::make_tuple(util::to_lower(a.full_name), a.full_name, attempt_key(a)) <
             std::make_tuple(util::to_lower(b.full_name), b.full_name, attempt_key(b));
    });
    return out;
  }

  std::optional<RunRecord> last_run() override { return m_reader.last_run(); }

 private:
  std::unique_ptr<TableApi> m_api;
  std::string m_data_table;
  Reader m_reader;
  Committer m_committer;
  bool m_read_only;
};

bool valid_table_prefix(std::string_view prefix) {
  // DynamoDB table names: 3-255 of [A-Za-z0-9_.-]; "-cache" is the longest suffix added.
  if (prefix.empty() || prefix.size() > 255 - 6) {
    return false;
  }
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace
Location parse_location(const std::string& location) {
  Location out;
  auto question = location.find('?');
  out.table_prefix = location.substr(0, question);
  if (!valid_table_prefix(out.table_prefix)) {
    throw util::Error(
        "dynamodb: needs a table prefix of letters, digits, '_', '.' or '-', for example "
        "dynamodb:ghtraffic?region=eu-west-1 (got '{}')",
        util::scrub(out.table_prefix));
  }
  if (question == std::string::npos) {
    return out;
  }
  std::string_view rest = std::string_view(location).substr(question + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (value.empty()) {
      throw util::Error("dynamodb:{}: the parameter '{}' needs a value", out.table_prefix,
                        std::string(name));
    }
    if (name == "region") {
      out.region = std::string(value);
    } else if (name == "endpoint") {
      out.endpoint = std::string(value);
    } else {
      throw util::Error("dynamodb:{}: unknown parameter '{}'; known: region, endpoint",
                        out.table_prefix, std::string(name));
    }
  }
  return out;
}

std::unique_ptr<Store> make_dynamodb_store(const std::string& location_text,
                                           const StoreOptions& options,
                                           std::shared_ptr<net::HttpTransport> transport) {
  auto location = parse_location(location_text);
  auto api = open_table_api(location, std::move(transport));
  api->ensure_table(location.table_prefix + "-data", !options.read_only);
  api->ensure_table(location.table_prefix + "-cache", !options.read_only);
  return std::make_unique<DynamoStore>(std::move(api), location.table_prefix, options.read_only);
}

}  // namespace ghtraffic::store::dynamodb
