#include "ghtraffic/collect/targets.hpp"

#include <algorithm>

#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

bool any_glob_matches(const std::vector<std::string>& patterns, const core::RepoMeta& meta) {
  auto slash = meta.full_name.find('/');
  std::string_view name = slash == std::string::npos
                              ? std::string_view(meta.full_name)
                              : std::string_view(meta.full_name).substr(slash + 1);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return util::glob_match(p, name) || util::glob_match(p, meta.full_name);
  });
}

std::string not_installed_message(const Accounts& accounts, const std::string& owner) {
  return fmt::format(
      "the GitHub App {} is not installed on {}: install it there (the App's page → Install "
      "App), or leave --app-installation-id out if another installation of it is",
      accounts.app_id, owner);
}

// The names of one account, fetched through its client: GitHub answers "not found" for a
// repository the installation cannot see, which says what to do about it.
// True when GraphQL answered (false: the metadata came over REST).
bool resolve_named(const Accounts& accounts, std::size_t account,
                   const std::vector<core::RepoRef>& repos, std::vector<Target>& targets,
                   Summary& summary) {
  const Account& through = accounts.list[account];
  auto metadata = github::fetch_metadata(*through.client, repos);
  for (size_t i = 0; i < repos.size(); ++i) {
    if (metadata.repos[i]) {
      targets.push_back({repos[i], *metadata.repos[i], account, true});
      continue;
    }
    RepoOutcome failed;
    failed.full_name = repos[i].full_name();
    failed.error = metadata.errors[i] ? util::scrub(metadata.errors[i]->message)
                                      : "no metadata returned for " + failed.full_name;
    if (accounts.app && metadata.errors[i] &&
        metadata.errors[i]->kind == github::ErrorKind::not_found) {
      failed.error = fmt::format(
          "the GitHub App's {} cannot see {}: add it to the installation's repositories ({}'s "
          "Settings → GitHub Apps → Configure → Repository access), or check the name",
          through.installation, failed.full_name, through.login);
    }
    summary.repos.push_back(std::move(failed));
  }
  return metadata.graphql_available;
}

}  // namespace

std::optional<std::size_t> account_for(const Accounts& accounts, const std::string& owner) {
  for (std::size_t i = 0; i < accounts.list.size(); ++i) {
    if (util::to_lower(accounts.list[i].login) == util::to_lower(owner)) {
      return i;
    }
  }
  return std::nullopt;
}

Resolved resolve_targets(const Accounts& accounts, const Plan& plan, Summary& summary) {
  std::vector<Target> targets;
  std::map<std::size_t, bool> graphql_available;
  auto take_listing = [&](const std::vector<github::RepoListing>& listed, const Filters& filters,
                          std::size_t account) {
    for (const auto& item : listed) {
      if (!item.can_push) {
        ++summary.skipped_no_push;
      } else if (!filters.accepts(item.meta)) {
        ++summary.skipped_filtered;
      } else if (auto ref = core::RepoRef::parse(item.meta.full_name)) {
        targets.push_back({*ref, item, account, false});
      }
    }
  };
  for (const auto& error : accounts.errors) {
    summary.errors.push_back(error);
  }

  if (!accounts.app) {
    github::Client& client = *accounts.list.front().client;
    if (plan.repos.empty() && plan.owners.empty()) {
      auto listed = github::list_user_repos(client);
      if (!listed) {
        summary.errors.push_back("could not list the token's repositories: " +
                                 util::scrub(listed.error().message));
      } else {
        take_listing(*listed, plan.filters, 0);
      }
    }
    for (const auto& source : plan.owners) {
      auto listed = github::list_owner_repos(client, source.owner);
      if (!listed) {
        summary.errors.push_back(fmt::format("could not list the repositories of {}: {}",
                                             source.owner, util::scrub(listed.error().message)));
        continue;
      }
      take_listing(*listed, source.filters, 0);
    }
    if (!plan.repos.empty()) {
      graphql_available[0] = resolve_named(accounts, 0, plan.repos, targets, summary);
    }
  } else {
    // An installation lists what it sees; an owner is the account an installation is on.
    auto list_account = [&](std::size_t i, const Filters& filters) {
      const Account& account = accounts.list[i];
      if (!account.unusable.empty()) {
        summary.errors.push_back(account.unusable);
        return;
      }
      auto listed = github::list_installation_repos(*account.client);
      if (!listed) {
        summary.errors.push_back(
            fmt::format("could not list the repositories of the GitHub "
                        "App's {}: {}",
                        account.installation, util::scrub(listed.error().message)));
        return;
      }
      take_listing(*listed, filters, i);
    };
    if (plan.repos.empty() && plan.owners.empty()) {
      for (std::size_t i = 0; i < accounts.list.size(); ++i) {
        list_account(i, plan.filters);
      }
    }
    for (const auto& source : plan.owners) {
      if (auto i = account_for(accounts, source.owner)) {
        list_account(*i, source.filters);
      } else {
        summary.errors.push_back(not_installed_message(accounts, source.owner));
      }
    }
    std::map<std::size_t, std::vector<core::RepoRef>> by_account;
    for (const auto& repo : plan.repos) {
      auto i = account_for(accounts, repo.owner);
      if (i && accounts.list[*i].unusable.empty()) {
        by_account[*i].push_back(repo);
        continue;
      }
      RepoOutcome failed;
      failed.full_name = repo.full_name();
      if (i) {
        failed.error = accounts.list[*i].unusable;
      } else if (accounts.list.empty() && !accounts.errors.empty()) {
        failed.error = "not collected: " + accounts.errors.front();
      } else {
        failed.error = not_installed_message(accounts, repo.owner);
      }
      summary.repos.push_back(std::move(failed));
    }
    for (const auto& [i, repos] : by_account) {
      graphql_available[i] = resolve_named(accounts, i, repos, targets, summary);
    }
  }

  // The same repository named twice (an owner and an explicit name) is collected once.
  std::map<core::RepoId, Target> unique;
  for (auto& t : targets) {
    auto [it, added] = unique.try_emplace(t.listing.meta.id, t);
    if (!added) {
      it->second.named = it->second.named || t.named;
    }
  }
  Resolved out;
  out.targets.reserve(unique.size());
  for (auto& [id, t] : unique) {
    out.targets.push_back(std::move(t));
  }
  out.graphql_available = std::move(graphql_available);
  return out;
}

// Downloads ride on the GraphQL metadata; listed repositories (and those read over REST)
// are asked for them in batches through their account, or with one request each where
// GraphQL is unavailable. Only the repositories a run collects are asked.
void add_downloads(const Accounts& accounts, const std::map<std::size_t, bool>& graphql_available,
                   std::vector<Target>& targets) {
  std::map<std::size_t, std::vector<std::size_t>> without_downloads;  // account → positions
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!targets[i].listing.downloads) {
      without_downloads[targets[i].account].push_back(i);
    }
  }
  for (const auto& [account, positions] : without_downloads) {
    std::vector<core::RepoRef> refs;
    for (auto i : positions) {
      refs.push_back(
          core::RepoRef::parse(targets[i].listing.meta.full_name).value_or(targets[i].requested));
    }
    auto graphql = graphql_available.find(account);
    auto downloads = github::fetch_downloads(*accounts.list[account].client, refs,
                                             graphql == graphql_available.end() || graphql->second);
    for (std::size_t i = 0; i < positions.size(); ++i) {
      targets[positions[i]].listing.downloads = std::move(downloads[i]);
    }
  }
}

bool Filters::accepts(const core::RepoMeta& meta) const {
  if (no_forks && meta.fork) {
    return false;
  }
  if (no_archived && meta.archived) {
    return false;
  }
  if (!include.empty() && !any_glob_matches(include, meta)) {
    return false;
  }
  return !any_glob_matches(exclude, meta);
}

}  // namespace ghtraffic::collect
