// What the client does after each answer to a request (or failure to get one): use it,
// back off and send it again, wait out a rate limit, or give up. GitHub's rules (DESIGN.md,
// "Over a limit"): a limit answers 403 or 429; wait retry-after seconds if given, else until
// x-ratelimit-reset if remaining is 0, else at least a minute with exponential backoff.
// decide() is a pure function of the answer's facts, the attempts so far and the client's
// limits (no clock, no randomness, no I/O), so that each rule is tested on its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::github {

inline constexpr int k_max_rate_limit_waits = 8;  // per request
inline constexpr std::chrono::seconds k_reset_margin{1};
inline constexpr std::chrono::milliseconds k_max_transient_backoff{60'000};

struct RateLimitHeaders {
  std::optional<std::int64_t> limit;      // x-ratelimit-limit
  std::optional<std::int64_t> remaining;  // x-ratelimit-remaining
  std::optional<util::Timestamp> reset;   // x-ratelimit-reset
  std::string resource;                   // x-ratelimit-resource: "core", "graphql", ...
};

// What one answer says that bears on sending the request again.
struct AnswerFacts {
  long status = 0;                 // 0: no answer came
  bool retryable_failure = false;  // no answer, for a reason a retry may cure (connect, timeout)
  std::string failure;             // no answer: why
  RateLimitHeaders limits;
  bool retry_after_given = false;                        // a retry-after header, readable or not
  std::optional<std::chrono::milliseconds> retry_after;  // as a length from server_now
  bool mentions_rate_limit = false;     // the body's wording ("secondary rate limit")
  std::optional<util::Timestamp> date;  // the Date header
  util::Timestamp server_now;           // the answer's Date, else local_now: waits for a reset are
                                        // measured on GitHub's clock
  util::Timestamp local_now;            // when the answer came, on the local clock
};

AnswerFacts read_answer(const net::HttpResponse& response, util::Timestamp local_now);

// The client's limits on retrying, from its options.
struct RetryLimits {
  int max_retries = 4;                                     // transient failures per request
  std::chrono::milliseconds retry_base{1000};              // first transient backoff ceiling
  std::chrono::seconds secondary_backoff{60};              // first wait on a limit without headers
  std::chrono::milliseconds max_wait{(3600 + 60) * 1000};  // rate-limit waits per request
  std::int64_t low_remaining = 8;  // pause everything for the reset at this many requests left
};

// Of one request, before the answer decided on.
struct AttemptsSoFar {
  int transient_failures = 0;
  int rate_limit_waits = 0;
  std::chrono::milliseconds rate_limit_waited{0};
};

// A wait of every request the client sends, until a rate limit is lifted.
struct Pause {
  std::chrono::milliseconds length{0};
  util::Timestamp until;  // its end on the wall clock
  std::string reason;     // the line to log
  bool refused = false;   // a request was refused (a warning), not only few are left
};

enum class Next {
  use,       // the answer stands: a success, a redirect, or an error of its status
  back_off,  // a transient failure: send again after a jittered delay
  wait,      // over a rate limit: wait for `pause`, then send again
  give_up,   // over a rate limit for longer than the limits allow: `message` says so
};

struct Decision {
  Next next = Next::use;
  // use, back_off: few requests are left, so every request waits for the reset; wait: the
  // wait itself.
  std::optional<Pause> pause;
  std::chrono::milliseconds backoff_ceiling{0};               // back_off: jitter up to this
  std::optional<std::chrono::milliseconds> backoff_at_least;  // back_off: a 5xx's retry-after
  bool secondary_limit = false;  // wait, give_up: a secondary limit (not remaining 0)
  // back_off: what failed, for the log; give_up: the error. Not yet scrubbed of secrets.
  std::string message;
};

// path: the request's API path, for messages.
Decision decide(const AnswerFacts& answer, const AttemptsSoFar& so_far, const RetryLimits& limits,
                std::string_view path);

bool is_rate_limit_answer(const AnswerFacts& answer);

// "45s", "2m 5s", "1h 1m": a wait's length for messages.
std::string format_length(std::chrono::milliseconds length);

}  // namespace ghtraffic::github
