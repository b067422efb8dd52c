// Choosing repositories by name, the way every view does it: a name matches a repository's
// current name first, then any earlier one (R8), ignoring case. A name that matches no
// repository, or only earlier names of several, is a NameMiss value; each reader turns it
// into its own kind of error (one line for the command line, 404 or 400 for the API).
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/store/store.hpp"

namespace ghtraffic::read {

struct NameMiss {
  enum class Reason { none, ambiguous };
  Reason reason = Reason::none;
  std::string name;                     // as asked for
  std::vector<std::string> candidates;  // ambiguous: the current names that once had it
};

// The one message for the command line: names the store and says how to fill it.
std::string miss_message(const NameMiss& miss, std::string_view store_description);

bool is_current_name(const store::RepoRecord& record, std::string_view name);
bool is_earlier_name(const store::RepoRecord& record, std::string_view name);

// The index in repos of the repository that name selects; record_of(repos[i]) is its
// store::RepoRecord. Linear, and allocates only for a miss.
template <typename Repos, typename RecordOf = std::identity>
std::expected<std::size_t, NameMiss> find_by_name(const Repos& repos, std::string_view name,
                                                  RecordOf record_of = {}) {
  for (std::size_t i = 0; i < repos.size(); ++i) {
    if (is_current_name(std::invoke(record_of, repos[i]), name)) {
      return i;
    }
  }
  std::vector<std::size_t> earlier;
  for (std::size_t i = 0; i < repos.size(); ++i) {
    if (is_earlier_name(std::invoke(record_of, repos[i]), name)) {
      earlier.push_back(i);
    }
  }
  if (earlier.size() == 1) {
    return earlier.front();
  }
  NameMiss miss{earlier.empty() ? NameMiss::Reason::none : NameMiss::Reason::ambiguous,
                std::string(name),
                {}};
  for (auto i : earlier) {
    miss.candidates.push_back(std::invoke(record_of, repos[i]).full_name);
  }
  return std::unexpected(std::move(miss));
}

// The indices of the repositories that names select, each once, in the order of repos;
// every index when names is empty. The first name that selects nothing is the error.
template <typename Repos, typename RecordOf = std::identity>
std::expected<std::vector<std::size_t>, NameMiss> select_by_names(
    const Repos& repos, const std::vector<std::string>& names, RecordOf record_of = {}) {
  std::vector<std::size_t> out;
  if (names.empty()) {
    for (std::size_t i = 0; i < repos.size(); ++i) {
      out.push_back(i);
    }
    return out;
  }
  std::set<std::size_t> wanted;
  for (const auto& name : names) {
    auto found = find_by_name(repos, name, record_of);
    if (!found) {
      return std::unexpected(std::move(found.error()));
    }
    wanted.insert(*found);
  }
  out.assign(wanted.begin(), wanted.end());
  return out;
}

// The repositories of the store that names select (all when empty), sorted by name
// case-insensitively. A name that selects nothing is a util::Error (miss_message).
std::vector<store::RepoRecord> select_repositories(store::Store& store,
                                                   const std::vector<std::string>& names);

}  // namespace ghtraffic::read
