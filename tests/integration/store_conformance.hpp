// The store conformance suite's backends: every test of store_conformance_test.cpp runs
// once on SQLite (a temporary file) and once on DynamoDB (dynalite on loopback, started by
// the test; a dynalite that cannot start fails the test). A backend can also make the next
// commits fail at one of several points, for the R7 tests.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"
#include "ghtraffic/store/sqlite/sqlite_store.hpp"
#include "ghtraffic/store/store.hpp"
#include "support/local_aws.hpp"
#include "unit/store_test_support.hpp"

namespace ghtraffic::store::testing {

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  virtual std::unique_ptr<Store> open(StoreOptions options = {}) = 0;
  // How many distinct points a commit can be made to fail at.
  virtual int failure_points() const = 0;
  // Every commit fails at that point until heal().
  virtual void fail_at(int point) = 0;
  // Every backfill commit fails at that point until heal(); false when a backfill commit
  // has no such point.
  virtual bool fail_backfill_at(int point) = 0;
  virtual void heal() = 0;
};

class SqliteBackend final : public StoreBackend {
 public:
  std::unique_ptr<Store> open(StoreOptions options = {}) override {
    return sqlite::make_sqlite_store(m_path, options);
  }
  int failure_points() const override { return 3; }
  void fail_at(int point) override {
    static const char* const tables[] = {"windows", "counters", "events"};
    heal();
    run_sql(m_path, std::string("CREATE TRIGGER injected_failure BEFORE INSERT ON ") +
                        tables[point] + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  }
  bool fail_backfill_at(int point) override {
    // After the stars are written: at the forks, then at the states.
    static const char* const triggers[] = {
        "BEFORE INSERT ON history_counts WHEN NEW.kind = 'forks'",
        "BEFORE INSERT ON backfill_state",
    };
    if (point >= 2) {
      return false;
    }
    heal();
    run_sql(m_path, std::string("CREATE TRIGGER injected_failure ") + triggers[point] +
                        " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    return true;
  }
  void heal() override { run_sql(m_path, "DROP TRIGGER IF EXISTS injected_failure;"); }

 private:
  TempDir m_dir;
  std::string m_path = m_dir.file("traffic.db");
};

// Passes requests to libcurl, counting them by DynamoDB operation, and fails every request
// from the armed one on with a non-retryable error, as a dying process or network would
// stop a commit half way.
class CountingTransport final : public net::HttpTransport {
 public:
  net::HttpResponse send(const net::HttpRequest& request) override {
    {
      std::lock_guard lock(m_mutex);
      ++m_requests;
      auto target = request.headers.find("X-Amz-Target");
      if (target != request.headers.end()) {
        m_last_operation = target->second;
        if (target->second.ends_with(".Scan")) {
          ++m_scans;
        }
      }
      if (m_fail_after >= 0 && m_fail_after-- == 0) {
        m_failing = true;
      }
      if (m_failing) {
        net::HttpResponse failed;
        failed.status = 400;
        failed.headers["content-type"] = "application/x-amz-json-1.0";
        failed.body =
            R"({"__type":"com.amazon.coral.validate#ValidationException","message":"injected failure"})";
        return failed;
      }
    }
    return m_curl->send(request);
  }

  void fail_after(int requests) {
    std::lock_guard lock(m_mutex);
    m_fail_after = requests;
    m_failing = false;
  }
  void heal() { fail_after(-1); }
  int requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }
  int scans() const {
    std::lock_guard lock(m_mutex);
    return m_scans;
  }

 private:
  std::unique_ptr<net::HttpTransport> m_curl = net::make_curl_transport();
  mutable std::mutex m_mutex;
  int m_requests = 0;
  int m_scans = 0;
  int m_fail_after = -1;
  bool m_failing = false;
  std::string m_last_operation;
};

// Fake credentials and one region for every DynamoDB test.
inline void use_test_aws_environment() {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  ::setenv("AWS_REGION", "us-east-1", 1);
  ::unsetenv("AWS_SESSION_TOKEN");
  ::unsetenv("AWS_ENDPOINT_URL");
  ::unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
}

class DynamoBackend final : public StoreBackend {
 public:
  DynamoBackend() : m_server(ghtraffic::testing::LocalAwsServer::dynalite()) {
    use_test_aws_environment();
    static std::atomic<int> next{0};
    m_prefix = "conformance" + std::to_string(next++);
  }

  std::string location() const {
    return m_prefix + "?region=us-east-1&endpoint=" + m_server.endpoint();
  }
  std::string url() const { return "dynamodb:" + location(); }

  std::unique_ptr<Store> open(StoreOptions options = {}) override {
    return dynamodb::make_dynamodb_store(location(), options, m_transport);
  }
  // The R7 test's commit makes 5 requests (read the record, raise two months, one batch,
  // write the record): failing at each of them.
  int failure_points() const override { return 5; }
  void fail_at(int point) override { m_transport->fail_after(point); }
  // At each of its requests, up to more than a backfill commit makes.
  bool fail_backfill_at(int point) override {
    m_transport->fail_after(point);
    return point < 40;
  }
  void heal() override { m_transport->heal(); }

  CountingTransport& transport() { return *m_transport; }
  std::shared_ptr<CountingTransport> shared_transport() { return m_transport; }
  ghtraffic::testing::LocalAwsServer& server() { return m_server; }

 private:
  ghtraffic::testing::LocalAwsServer m_server;
  std::string m_prefix;
  std::shared_ptr<CountingTransport> m_transport = std::make_shared<CountingTransport>();
};

// Everything a store shows through the Store interface about its repositories, as text:
// two stores that show the same data give the same text.
inline std::string visible_state(Store& store) {
  std::string out;
  for (const auto& repo : store.repositories()) {
    out += fmt::format("repo {} {} [{}] {} {} {} first={} last={} collected={}\n", repo.id,
                       repo.full_name, fmt::join(repo.names, ","), repo.visibility, repo.archived,
                       repo.fork, repo.first_day ? util::format_day(*repo.first_day) : "-",
                       repo.last_day ? util::format_day(*repo.last_day) : "-",
                       repo.last_collected ? util::format_iso8601(*repo.last_collected) : "-");
    for (auto kind : {core::TrafficKind::views, core::TrafficKind::clones}) {
      for (const auto& d : store.days(repo.id, kind)) {
        out += fmt::format("  {} {} {} {}\n", core::to_string(kind), util::format_day(d.day),
                           d.count, d.uniques ? std::to_string(*d.uniques) : "unknown");
      }
    }
    for (const auto& w : store.windows(repo.id)) {
      out += fmt::format("  window {} {} {} {}\n", core::to_string(w.kind),
                         util::format_iso8601(w.observed_at), w.count, w.uniques);
    }
    for (const auto& s : store.path_snapshots(repo.id)) {
      out += fmt::format("  paths {}\n", util::format_iso8601(s.observed_at));
      for (const auto& e : s.entries) {
        out += fmt::format("    {} {} {} {}\n", e.path, e.title, e.count,
                           e.uniques ? std::to_string(*e.uniques) : "unknown");
      }
    }
    for (const auto& s : store.referrer_snapshots(repo.id)) {
      out += fmt::format("  referrers {}\n", util::format_iso8601(s.observed_at));
      for (const auto& e : s.entries) {
        out += fmt::format("    {} {} {}\n", e.referrer, e.count, e.uniques);
      }
    }
    for (const auto& c : store.counters(repo.id)) {
      out += fmt::format("  counters {} {} {} {} {}\n", util::format_iso8601(c.observed_at),
                         c.stars, c.forks, c.watchers.value_or(-1), c.open_issues.value_or(-1));
    }
    for (const auto& e : store.events(repo.id)) {
      out += fmt::format("  event {} {} {}\n", core::to_string(e.kind), util::format_iso8601(e.at),
                         e.actor);
    }
    for (auto kind : {core::CountKind::stars, core::CountKind::forks}) {
      for (const auto& h : store.history_counts(repo.id, kind)) {
        out += fmt::format("  history {} {} {}\n", core::to_string(kind), util::format_day(h.day),
                           h.count);
      }
      if (auto s = store.backfill_state(repo.id, kind)) {
        auto day = [](const std::optional<util::Day>& d) {
          return d ? util::format_day(*d) : std::string("-");
        };
        out += fmt::format("  backfill {} {} {} {} {} {} {} {} {} {} {}\n", core::to_string(kind),
                           s->source, s->next_url, s->next_position, day(s->through_day),
                           s->complete, day(s->resume_before), day(s->pass_until),
                           day(s->approximate_from), s->note, util::format_iso8601(s->updated_at));
      }
    }
    for (const auto& d : store.downloads(repo.id)) {
      out += fmt::format("  downloads {}\n", util::format_iso8601(d.observed_at));
      for (const auto& a : d.assets) {
        out += fmt::format("    {} {} {}\n", a.release, a.asset, a.downloads);
      }
    }
    for (const auto& name : repo.names) {
      auto found = find_repo(store, name);
      out += fmt::format("  find {} -> {}\n", name, found ? std::to_string(*found) : "-");
    }
  }
  return out;
}

// The suite's fixture: one test, one empty store of the backend named by the parameter.
// store_conformance_test.cpp instantiates it for every backend.
class store_conformance : public ::testing::TestWithParam<std::string> {
 protected:
  store_conformance() {
    if (GetParam() == "sqlite") {
      m_backend = std::make_unique<SqliteBackend>();
    } else {
      m_backend = std::make_unique<DynamoBackend>();
    }
  }

  std::unique_ptr<Store> open(StoreOptions options = {}) { return m_backend->open(options); }

  std::unique_ptr<StoreBackend> m_backend;
};

}  // namespace ghtraffic::store::testing
