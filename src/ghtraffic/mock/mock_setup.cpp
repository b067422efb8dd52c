// The mock's data and behaviour setters: repositories, renames, the simulated clock, rate
// limits, faults and stats. Every call is thread-safe and may be made while it serves.
#include <algorithm>
#include <stdexcept>

#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/mock/mock_state.hpp"

namespace ghtraffic::mock {

void MockGitHub::add_repo(MockRepo repo) {
  std::unique_lock lock(m_state->data_mutex);
  auto& s = *m_state;
  if (repo.id == 0) {
    repo.id = s.next_id;
  }
  s.next_id = std::max(s.next_id, repo.id + 1);
  auto key = to_lower_ascii(repo.full_name());
  if (auto old = s.by_name.find(key); old != s.by_name.end()) {
    // Replacing a repository of the same name: drop the old one everywhere.
    auto* previous = old->second;
    s.by_id.erase(previous->id);
    auto& owned = s.by_owner[to_lower_ascii(previous->owner)];
    std::erase(owned, previous);
    std::erase_if(s.repos, [&](const auto& r) { return r.get() == previous; });
  }
  auto owned = std::make_unique<MockRepo>(std::move(repo));
  auto* raw = owned.get();
  s.moved.erase(key);
  s.by_name[key] = raw;
  s.by_id[raw->id] = raw;
  s.by_owner[to_lower_ascii(raw->owner)].push_back(raw);
  s.repos.push_back(std::move(owned));
}

MockRepo* MockGitHub::repo(const std::string& full_name) {
  std::shared_lock lock(m_state->data_mutex);
  return const_cast<MockRepo*>(m_state->find(full_name));
}

namespace {

void set_day(MockGitHub::State& state, const std::string& full_name, bool views, util::Day day,
             std::int64_t count, std::int64_t uniques) {
  std::unique_lock lock(state.data_mutex);
  auto* repo = const_cast<MockRepo*>(state.find(full_name));
  if (repo == nullptr) {
    throw std::invalid_argument("mock GitHub has no repository " + full_name);
  }
  (views ? repo->views : repo->clones)[day] = core::DayCount{day, count, uniques};
}

}  // namespace

void MockGitHub::set_view(const std::string& full_name, util::Day day, std::int64_t count,
                          std::int64_t uniques) {
  set_day(*m_state, full_name, true, day, count, uniques);
}

void MockGitHub::set_clone(const std::string& full_name, util::Day day, std::int64_t count,
                           std::int64_t uniques) {
  set_day(*m_state, full_name, false, day, count, uniques);
}

void MockGitHub::rename_repo(const std::string& old_full_name, const std::string& new_full_name) {
  auto ref = core::RepoRef::parse(new_full_name);
  if (!ref) {
    throw std::invalid_argument("not an owner/name: " + new_full_name);
  }
  std::unique_lock lock(m_state->data_mutex);
  auto& s = *m_state;
  auto old_key = to_lower_ascii(old_full_name);
  auto it = s.by_name.find(old_key);
  if (it == s.by_name.end()) {
    throw std::invalid_argument("mock GitHub has no repository " + old_full_name);
  }
  auto* repo = it->second;
  s.by_name.erase(it);
  std::erase(s.by_owner[to_lower_ascii(repo->owner)], repo);
  repo->owner = ref->owner;
  repo->name = ref->name;
  auto new_key = to_lower_ascii(repo->full_name());
  s.by_name[new_key] = repo;
  s.by_owner[to_lower_ascii(repo->owner)].push_back(repo);
  s.moved.erase(new_key);
  s.moved[old_key] = repo->id;
}

void MockGitHub::add_user(const std::string& login) {
  std::unique_lock lock(m_state->data_mutex);
  m_state->users.insert(to_lower_ascii(login));
}

std::size_t MockGitHub::repo_count() const {
  std::shared_lock lock(m_state->data_mutex);
  return m_state->repos.size();
}

void MockGitHub::set_now(util::Timestamp now) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->simulated_now = now;
}

util::Timestamp MockGitHub::now() const {
  std::lock_guard lock(m_state->config_mutex);
  return m_state->now();
}

void MockGitHub::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->latency = latency;
}

void MockGitHub::set_token(std::string token) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->token = std::move(token);
}

void MockGitHub::set_rate_limit(std::int64_t limit, std::int64_t remaining, util::Timestamp reset) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->rate_enforced = true;
  m_state->core_bucket = RateBucket{limit, remaining, reset};
  m_state->graphql_bucket = RateBucket{limit, remaining, reset};
}

void MockGitHub::set_max_per_minute(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->rest_window.max_points = n;
  m_state->rest_window.clear();
}

void MockGitHub::set_max_graphql_per_minute(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->graphql_window.max_points = n;
  m_state->graphql_window.clear();
}

void MockGitHub::enforce_github_secondary_limits() {
  set_max_per_minute(k_github_rest_points_per_minute);
  set_max_graphql_per_minute(k_github_graphql_points_per_minute);
  set_max_in_flight(k_github_max_in_flight);
  set_secondary_window(std::chrono::minutes(1));
}

void MockGitHub::set_max_in_flight(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->max_in_flight = n;
}

void MockGitHub::set_secondary_window(std::chrono::milliseconds window) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->secondary_window = window;
}

void MockGitHub::set_retry_after(int seconds) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->retry_after = seconds;
}

void MockGitHub::inject(const std::string& url_substring, Fault fault, int times) {
  if (times <= 0) {
    return;
  }
  std::lock_guard lock(m_state->config_mutex);
  m_state->faults.push_back(FaultRule{url_substring, fault, times, {}});
}

std::optional<Fault> MockGitHub::State::take_graphql_fault(const std::string& full_name) {
  auto key = to_lower_ascii(full_name);
  std::lock_guard lock(config_mutex);
  auto it = std::find_if(faults.begin(), faults.end(),
                         [&](const FaultRule& rule) { return rule.graphql_repo == key; });
  if (it == faults.end()) {
    return std::nullopt;
  }
  auto fault = it->fault;
  if (--it->remaining <= 0) {
    faults.erase(it);
  }
  return fault;
}

void MockGitHub::inject_graphql(const std::string& full_name, Fault fault, int times) {
  if (fault != Fault::graphql_errors && fault != Fault::missing_field) {
    throw std::invalid_argument(
        "only graphql_errors and missing_field are GraphQL faults of one "
        "repository");
  }
  if (times <= 0) {
    return;
  }
  std::lock_guard lock(m_state->config_mutex);
  m_state->faults.push_back(FaultRule{"", fault, times, to_lower_ascii(full_name)});
}

void MockGitHub::set_slow_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->slow_delay = delay;
}

void MockGitHub::clear_faults() {
  std::lock_guard lock(m_state->config_mutex);
  m_state->faults.clear();
}

void MockGitHub::set_graphql_enabled(bool enabled) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->graphql_enabled = enabled;
}

void MockGitHub::set_listing_page_size(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->listing_page_size = n;
}

void MockGitHub::set_threads(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->threads = std::max(1, n);
}

MockStats MockGitHub::stats() const {
  std::lock_guard lock(m_state->stats_mutex);
  return m_state->stats;
}

void MockGitHub::reset_stats() {
  std::lock_guard lock(m_state->stats_mutex);
  m_state->stats = MockStats{};
}

}  // namespace ghtraffic::mock
