#include "ghtraffic/read/freshness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::read {

namespace {

bool has_name(const store::RepoRecord& record, std::string_view name) {
  if (util::iequals(record.full_name, name)) {
    return true;
  }
  return std::any_of(record.names.begin(), record.names.end(),
                     [&](const std::string& n) { return util::iequals(n, name); });
}

// Keeps the later of two attempts in slot.
void keep_latest(std::optional<store::RepoAttempt>& slot, const store::RepoAttempt& attempt) {
  if (!slot || std::tie(slot->at, slot->run_id) <= std::tie(attempt.at, attempt.run_id)) {
    slot = attempt;
  }
}

}  // namespace

std::string_view to_string(Urgency urgency) {
  switch (urgency) {
    case Urgency::lost:
      return "lost";
    case Urgency::never_collected:
      return "never-collected";
    case Urgency::due_today:
      return "due-today";
    case Urgency::at_risk:
      return "at-risk";
    case Urgency::ok:
      return "ok";
  }
  return "ok";
}

Freshness freshness(std::optional<util::Timestamp> last_success, util::Day today, int warn_days) {
  Freshness out;
  if (!last_success) {
    out.urgency = Urgency::never_collected;
    return out;
  }
  auto day = util::day_of(*last_success);
  out.last_success = day;
  int left = static_cast<int>((day + std::chrono::days(k_window_days) - today).count());
  out.days_left = left;
  if (left < 0) {
    // The window at today starts at today - 14 (that bucket already truncated), so every
    // day after the last collected one up to it has gone uncollected.
    out.lost_days = -left;
    out.lost_from = day + std::chrono::days(1);
    out.lost_to = today - std::chrono::days(k_window_days);
    out.urgency = Urgency::lost;
  } else if (left == 0) {
    out.urgency = Urgency::due_today;
  } else if (left <= warn_days) {
    out.urgency = Urgency::at_risk;
  } else {
    out.urgency = Urgency::ok;
  }
  return out;
}

std::string lost_range_text(const Freshness& freshness) {
  if (freshness.lost_days <= 0 || !freshness.lost_from || !freshness.lost_to) {
    return {};
  }
  if (*freshness.lost_from == *freshness.lost_to) {
    return util::format_day(*freshness.lost_from);
  }
  return fmt::format("{} to {}", util::format_day(*freshness.lost_from),
                     util::format_day(*freshness.lost_to));
}

std::string describe(const Freshness& freshness) {
  if (!freshness.days_left) {
    return "never collected";
  }
  int left = *freshness.days_left;
  if (left < 0) {
    return fmt::format("{} {} lost ({})", freshness.lost_days,
                       freshness.lost_days == 1 ? "day" : "days", lost_range_text(freshness));
  }
  if (left == 0) {
    return "0 days left: collect it today";
  }
  return fmt::format("{} {} left", left, left == 1 ? "day" : "days");
}

void sort_by_urgency(std::vector<RepoFreshness>& repos) {
  auto rank = [](const RepoFreshness& r) {
    return std::make_tuple(static_cast<int>(r.freshness.urgency), r.freshness.days_left.value_or(0),
                           util::to_lower(r.full_name), r.full_name);
  };
  std::stable_sort(repos.begin(), repos.end(), [&](const RepoFreshness& a, const RepoFreshness& b) {
    return rank(a) < rank(b);
  });
}

std::vector<RepoFreshness> store_freshness(store::Store& store, util::Day today, int warn_days) {
  auto records = store.repositories();
  auto attempts = store.attempts();

  std::vector<RepoFreshness> out;
  std::map<core::RepoId, std::size_t> by_id;
  for (const auto& record : records) {
    RepoFreshness repo;
    repo.full_name = record.full_name;
    repo.id = record.id;
    repo.last_success = record.last_collected;
    by_id.emplace(record.id, out.size());
    out.push_back(std::move(repo));
  }

  // Attempts of repositories never committed, one entry per name whatever its case.
  std::map<std::string, std::optional<store::RepoAttempt>> never;
  for (const auto& attempt : attempts) {
    std::optional<std::size_t> index;
    if (auto it = by_id.find(attempt.repo_id); attempt.repo_id != 0 && it != by_id.end()) {
      index = it->second;
    } else if (attempt.repo_id == 0) {
      for (std::size_t i = 0; i < records.size(); ++i) {
        if (has_name(records[i], attempt.full_name)) {
          index = i;
          break;
        }
      }
    }
    if (index) {
      keep_latest(out[*index].last_attempt, attempt);
    } else {
      keep_latest(never[util::to_lower(attempt.full_name)], attempt);
    }
  }
  for (auto& [name, attempt] : never) {
    RepoFreshness repo;
    repo.full_name = attempt->full_name;
    repo.id = attempt->repo_id;
    repo.last_attempt = attempt;
    out.push_back(std::move(repo));
  }

  for (auto& repo : out) {
    repo.freshness = freshness(repo.last_success, today, warn_days);
    if (repo.last_attempt) {
      repo.last_error = repo.last_attempt->error;
    }
  }
  sort_by_urgency(out);
  return out;
}

std::vector<std::string> names_needing_attention(const std::vector<RepoFreshness>& repos) {
  std::vector<std::string> names;
  for (const auto& repo : repos) {
    if (repo.freshness.needs_attention()) {
      names.push_back(repo.full_name);
    }
  }
  return names;
}

std::string attention_message(const std::vector<RepoFreshness>& repos, std::size_t max_named) {
  std::vector<const RepoFreshness*> named;
  bool any_lost = false;
  for (const auto& repo : repos) {
    if (repo.freshness.needs_attention()) {
      named.push_back(&repo);
      any_lost = any_lost || repo.freshness.urgency == Urgency::lost;
    }
  }
  if (named.empty()) {
    return {};
  }
  std::string text =
      named.size() == 1
          ? std::string(
                "ghtraffic: 1 repository needs collecting before GitHub forgets its "
                "traffic: ")
          : fmt::format(
                "ghtraffic: {} repositories need collecting before GitHub forgets their "
                "traffic: ",
                named.size());
  for (std::size_t i = 0; i < named.size() && i < max_named; ++i) {
    if (i > 0) {
      text += "; ";
    }
    text += named[i]->full_name + " (" + describe(named[i]->freshness) + ")";
  }
  if (named.size() > max_named) {
    text += fmt::format("; and {} more", named.size() - max_named);
  }
  text += any_lost ? ". The lost days cannot be recovered from GitHub. " : ". ";
  text +=
      "Run `ghtraffic collect` now, then check why the schedule stopped (an expired token, a "
      "broken cron line or timer, a disabled schedule); `ghtraffic status` shows each "
      "repository's last error.";
  return text;
}

}  // namespace ghtraffic::read
