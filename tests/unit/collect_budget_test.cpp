// The collection plan's rules on their own: the order of a run and what fits in its budget.
#include <gtest/gtest.h>

#include "ghtraffic/collect/budget.hpp"

using namespace ghtraffic;
using collect::AccountSpend;
using collect::DeferReason;

namespace {

util::Timestamp at(const char* iso) {
  return *util::parse_iso8601(iso);
}

}  // namespace

TEST(collect_plan, orders_never_collected_first_then_fewest_days_left_then_longest_ago) {
  std::vector<std::optional<util::Timestamp>> last{
      at("2026-03-10T08:00:00Z"),  // 4 days left on 2026-03-20
      std::nullopt,                // never collected
      at("2026-03-19T08:00:00Z"),  // 13 days left
      at("2026-03-10T06:00:00Z"),  // 4 days left, collected earlier that day
      at("2026-03-01T00:00:00Z"),  // 5 days lost
  };
  std::vector<std::string> names{"o/a", "o/b", "o/c", "o/d", "o/e"};
  auto order = collect::plan_order(last, names, *util::parse_day("2026-03-20"));
  EXPECT_EQ(order, (std::vector<std::size_t>{1, 4, 3, 0, 2}));
}

TEST(collect_plan, ties_go_by_name) {
  std::vector<std::optional<util::Timestamp>> last{std::nullopt, std::nullopt};
  std::vector<std::string> names{"o/z", "o/a"};
  auto order = collect::plan_order(last, names, *util::parse_day("2026-03-20"));
  EXPECT_EQ(order, (std::vector<std::size_t>{1, 0}));
}

TEST(collect_plan, max_requests_counts_what_was_sent_and_what_started_repositories_will_send) {
  AccountSpend account{.spent = 3, .expected = 11};  // two repositories in flight
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, 15), std::nullopt);
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, 14), DeferReason::max_requests);
  // Retries sent more than expected: what was sent counts.
  account.spent = 13;
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, 16), DeferReason::max_requests);
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, 17), std::nullopt);
}

TEST(collect_plan, stops_one_repository_before_the_client_would_wait_for_the_reset) {
  // The client waits at 8 left; one repository in flight has 2 requests still to send:
  // 4 more leave 13 - 6 = 7 and 14 - 6 = 8 (a wait), 15 - 6 = 9 (none).
  AccountSpend account{.spent = 10, .expected = 12, .remaining = 13, .reserve = 8};
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, std::nullopt),
            DeferReason::rate_limit);
  account.remaining = 14;
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, std::nullopt),
            DeferReason::rate_limit);
  account.remaining = 15;
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, std::nullopt), std::nullopt);
  // Unknown remaining (nothing seen yet, or the hour has ended): no bound.
  account.remaining = -1;
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, std::nullopt), std::nullopt);
}

TEST(collect_plan, a_rate_share_caps_an_account_at_its_share) {
  AccountSpend account{.spent = 0, .expected = 8, .remaining = 5000, .share_cap = 12};
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, std::nullopt), std::nullopt);
  account.expected = 9;
  EXPECT_EQ(collect::over_budget(account, account.projected(), 4, std::nullopt),
            DeferReason::rate_limit);
}

TEST(collect_plan, requests_left_is_the_least_of_the_limits) {
  std::vector<AccountSpend> accounts{
      {.spent = 100, .expected = 100, .remaining = 400, .reserve = 8}};
  EXPECT_EQ(collect::requests_left(accounts, std::nullopt), 400 - 8 - 1);
  EXPECT_EQ(collect::requests_left(accounts, 150), 50);
  accounts[0].share_cap = 120;
  EXPECT_EQ(collect::requests_left(accounts, std::nullopt), 20);
  accounts[0] = {.spent = 10, .expected = 10};
  EXPECT_EQ(collect::requests_left(accounts, std::nullopt), std::nullopt);
  EXPECT_EQ(collect::requests_left(accounts, 5), 0);
}

TEST(collect_plan, reasons_have_stable_names) {
  EXPECT_EQ(collect::to_string(DeferReason::collected_today), "collected-today");
  EXPECT_EQ(collect::to_string(DeferReason::max_requests), "max-requests");
  EXPECT_EQ(collect::to_string(DeferReason::rate_limit), "rate-limit");
  EXPECT_EQ(collect::to_string(DeferReason::deadline), "deadline");
}
