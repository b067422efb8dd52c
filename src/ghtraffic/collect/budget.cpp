#include "ghtraffic/collect/budget.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <tuple>

#include "ghtraffic/read/freshness.hpp"

namespace ghtraffic::collect {

std::string_view to_string(DeferReason reason) {
  switch (reason) {
    case DeferReason::collected_today:
      return "collected-today";
    case DeferReason::max_requests:
      return "max-requests";
    case DeferReason::rate_limit:
      return "rate-limit";
    case DeferReason::deadline:
      return "deadline";
  }
  return "deadline";
}

std::vector<std::size_t> plan_order(const std::vector<std::optional<util::Timestamp>>& last,
                                    const std::vector<std::string>& names, util::Day today) {
  // Days left are a day's figure; within a day the earlier collection has lost more of
  // its window's last day already, so it goes first. Keys once: a plan may sort 100,000.
  using Key = std::tuple<int, util::Timestamp, std::string_view>;
  std::vector<Key> keys;
  keys.reserve(last.size());
  for (std::size_t i = 0; i < last.size(); ++i) {
    auto f = read::freshness(last[i], today);
    keys.emplace_back(f.days_left.value_or(std::numeric_limits<int>::min()),
                      last[i].value_or(util::Timestamp::min()), names[i]);
  }
  std::vector<std::size_t> order(last.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  return order;
}

std::optional<DeferReason> over_budget(const AccountSpend& account, std::int64_t total_projected,
                                       int cost, std::optional<std::int64_t> max_requests) {
  if (max_requests && total_projected + cost > *max_requests) {
    return DeferReason::max_requests;
  }
  if (account.share_cap >= 0 && account.projected() + cost > account.share_cap) {
    return DeferReason::rate_limit;
  }
  // The client waits for the hour's end once `reserve` or fewer are left: the run stops
  // one repository before that.
  if (account.remaining >= 0) {
    const std::int64_t outstanding = account.projected() - account.spent;
    if (account.remaining - outstanding - cost <= account.reserve) {
      return DeferReason::rate_limit;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> requests_left(const std::vector<AccountSpend>& accounts,
                                          std::optional<std::int64_t> max_requests) {
  std::optional<std::int64_t> left;
  auto bound = [&](std::int64_t value) {
    value = std::max<std::int64_t>(value, 0);
    left = left ? std::min(*left, value) : value;
  };
  std::int64_t total = 0;
  for (const auto& account : accounts) {
    total += account.projected();
  }
  if (max_requests) {
    bound(*max_requests - total);
  }
  // With several accounts, each has its own limit: what the fullest one leaves.
  std::optional<std::int64_t> most_of_one;
  bool unbounded = accounts.empty();
  for (const auto& account : accounts) {
    std::optional<std::int64_t> of_one;
    if (account.share_cap >= 0) {
      of_one = account.share_cap - account.projected();
    }
    if (account.remaining >= 0) {
      auto to_reserve =
          account.remaining - (account.projected() - account.spent) - account.reserve - 1;
      of_one = of_one ? std::min(*of_one, to_reserve) : to_reserve;
    }
    if (!of_one) {
      unbounded = true;
    } else {
      most_of_one = most_of_one ? std::max(*most_of_one, *of_one) : *of_one;
    }
  }
  if (most_of_one && !unbounded) {
    bound(*most_of_one);
  }
  return left;
}

}  // namespace ghtraffic::collect
