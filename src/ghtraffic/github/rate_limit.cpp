#include "ghtraffic/github/rate_limit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::github {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::optional<std::int64_t> parse_int(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  auto value = util::parse_int<std::int64_t>(util::trim(*text));
  if (!value) {
    return std::nullopt;
  }
  return *value;
}

// retry-after is either delay-seconds or an HTTP date (RFC 9110 10.2.3).
std::optional<milliseconds> read_retry_after(const std::optional<std::string>& value,
                                             util::Timestamp server_now) {
  if (!value) {
    return std::nullopt;
  }
  if (auto secs = parse_int(value)) {
    return milliseconds(seconds(std::max<std::int64_t>(*secs, 0)));
  }
  if (auto at = util::parse_http_date(util::trim(*value))) {
    return milliseconds(std::max(*at - server_now, seconds(0)));
  }
  return std::nullopt;
}

bool is_retryable(net::TransportError error) {
  return error == net::TransportError::connect || error == net::TransportError::timeout ||
         error == net::TransportError::reset || error == net::TransportError::protocol;
}

bool is_transient_status(long status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

std::string format_time_of_day(util::Timestamp t) {
  return util::format_iso8601(t).substr(11, 8) + " UTC";
}

template <typename Duration>
util::Timestamp wall_end(util::Timestamp now, Duration length) {
  return now + std::chrono::ceil<seconds>(length);
}

// Full jitter: the delay is drawn up to a ceiling that doubles with each failure.
milliseconds backoff_ceiling(const RetryLimits& limits, int failures) {
  const double factor = std::ldexp(1.0, std::min(failures - 1, 20));
  return std::min<milliseconds>(milliseconds(static_cast<std::int64_t>(
                                    static_cast<double>(limits.retry_base.count()) * factor)),
                                k_max_transient_backoff);
}

// Few requests left on a usable answer: everything waits for the reset, since the next
// requests would be refused (a remaining of 0 on a success still means that).
std::optional<Pause> pause_for_reset(const AnswerFacts& answer, const RetryLimits& limits) {
  const auto& l = answer.limits;
  if (!l.remaining || !l.reset || *l.remaining > limits.low_remaining ||
      *l.reset <= answer.server_now) {
    return std::nullopt;
  }
  const milliseconds length =
      std::min<milliseconds>(*l.reset - answer.server_now + k_reset_margin, limits.max_wait);
  return Pause{
      length, wall_end(answer.local_now, length),
      fmt::format(
          "rate limit: {} left of {}{}; waiting {} until {} for the reset",
          util::counted(*l.remaining, "request", "requests"), l.limit.value_or(0),
          l.resource.empty() || l.resource == "core" ? "" : fmt::format(" ({})", l.resource),
          format_length(length), format_time_of_day(*l.reset + k_reset_margin)),
      false};
}

Decision over_limit(const AnswerFacts& answer, const AttemptsSoFar& so_far,
                    const RetryLimits& limits, std::string_view path) {
  const auto& l = answer.limits;
  const bool exhausted = l.remaining && *l.remaining == 0;
  Decision decision;
  decision.secondary_limit = !exhausted;
  milliseconds wait{0};
  std::string reason;
  if (exhausted && l.reset) {
    wait = std::max<milliseconds>(*l.reset - answer.server_now + k_reset_margin, milliseconds(0));
  }
  if (answer.retry_after) {
    wait = std::max(wait, *answer.retry_after);
    reason =
        fmt::format("{} rate limit (GitHub answered {} for {}): waiting {} as its retry-after asks",
                    exhausted ? "primary" : "secondary", answer.status, path, format_length(wait));
  } else if (exhausted && l.reset) {
    reason = fmt::format("rate limit: 0 requests left of {}; waiting {} until {} for the reset",
                         l.limit.value_or(0), format_length(wait),
                         format_time_of_day(*l.reset + k_reset_margin));
  } else {
    const double factor = std::ldexp(1.0, std::min(so_far.rate_limit_waits, 20));
    wait = std::chrono::duration_cast<milliseconds>(limits.secondary_backoff * factor);
    reason = fmt::format(
        "secondary rate limit (GitHub answered {} for {} without retry-after): backing off {}",
        answer.status, path, format_length(wait));
  }
  if (so_far.rate_limit_waits >= k_max_rate_limit_waits ||
      so_far.rate_limit_waited + wait > limits.max_wait) {
    decision.next = Next::give_up;
    decision.message = fmt::format(
        "gave up on {}: GitHub's rate limit still refused it after waiting {} ({} waits); the "
        "next wait of {} would exceed the {} allowed",
        path, format_length(so_far.rate_limit_waited), so_far.rate_limit_waits, format_length(wait),
        format_length(limits.max_wait));
    return decision;
  }
  decision.next = Next::wait;
  decision.pause = Pause{wait, wall_end(answer.local_now, wait), std::move(reason), true};
  return decision;
}

}  // namespace

AnswerFacts read_answer(const net::HttpResponse& response, util::Timestamp local_now) {
  AnswerFacts facts;
  facts.local_now = local_now;
  facts.server_now = local_now;
  if (!response.ok()) {
    facts.retryable_failure = is_retryable(response.error);
    facts.failure = response.error_message;
    return facts;
  }
  facts.status = response.status;
  facts.date = response.header("date").and_then(
      [](const std::string& text) { return util::parse_http_date(util::trim(text)); });
  facts.server_now = facts.date.value_or(local_now);
  facts.limits.limit = parse_int(response.header("x-ratelimit-limit"));
  facts.limits.remaining = parse_int(response.header("x-ratelimit-remaining"));
  if (auto reset = parse_int(response.header("x-ratelimit-reset"))) {
    facts.limits.reset = util::Timestamp(seconds(*reset));
  }
  facts.limits.resource = response.header("x-ratelimit-resource").value_or("");
  const auto retry_after = response.header("retry-after");
  facts.retry_after_given = retry_after.has_value();
  facts.retry_after = read_retry_after(retry_after, facts.server_now);
  // Only an error answer can be a limit: a body of traffic is not searched for the words.
  facts.mentions_rate_limit = response.status >= 400 &&
                              util::to_lower(response.body).find("rate limit") != std::string::npos;
  return facts;
}

bool is_rate_limit_answer(const AnswerFacts& answer) {
  if (answer.status == 429) {
    return true;
  }
  // A 403 is also GitHub's answer for a missing permission; only its wording or its
  // headers tell a limit apart.
  return answer.status == 403 &&
         (answer.mentions_rate_limit ||
          (answer.limits.remaining && *answer.limits.remaining == 0) || answer.retry_after_given);
}

Decision decide(const AnswerFacts& answer, const AttemptsSoFar& so_far, const RetryLimits& limits,
                std::string_view path) {
  Decision decision;
  if (answer.status == 0) {
    if (answer.retryable_failure && so_far.transient_failures < limits.max_retries) {
      decision.next = Next::back_off;
      decision.backoff_ceiling = backoff_ceiling(limits, so_far.transient_failures + 1);
      decision.message = fmt::format("{}; retrying (attempt {} of {})", answer.failure,
                                     so_far.transient_failures + 2, limits.max_retries + 1);
    }
    return decision;
  }
  if (is_rate_limit_answer(answer)) {
    return over_limit(answer, so_far, limits, path);
  }
  decision.pause = pause_for_reset(answer, limits);
  if (is_transient_status(answer.status) && so_far.transient_failures < limits.max_retries) {
    decision.next = Next::back_off;
    decision.backoff_ceiling = backoff_ceiling(limits, so_far.transient_failures + 1);
    decision.backoff_at_least = answer.retry_after;
    decision.message =
        fmt::format("GitHub answered {} for {}; retrying (attempt {} of {})", answer.status, path,
                    so_far.transient_failures + 2, limits.max_retries + 1);
  }
  return decision;
}

std::string format_length(milliseconds length) {
  auto total = std::chrono::ceil<seconds>(length).count();
  if (total >= 3600) {
    return fmt::format("{}h {}m", total / 3600, (total % 3600) / 60);
  }
  if (total >= 60) {
    return fmt::format("{}m {}s", total / 60, total % 60);
  }
  return fmt::format("{}s", total);
}

}  // namespace ghtraffic::github
