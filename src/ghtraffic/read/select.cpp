#include "ghtraffic/read/select.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::read {
namespace {

bool name_order(const store::RepoRecord& a, const store::RepoRecord& b) {
  auto la = util::to_lower(a.full_name);
  auto lb = util::to_lower(b.full_name);
  return la != lb ? la < lb
                  : (a.full_name != b.full_name ? a.full_name < b.full_name : a.id < b.id);
}

// What to tell a person to run: their own name when it has the OWNER/REPO shape.
std::string collect_hint(std::string_view name) {
  auto slash = name.find('/');
  bool owner_repo = slash != std::string_view::npos && slash > 0 && slash + 1 < name.size() &&
                    name.find('/', slash + 1) == std::string_view::npos;
  return fmt::format("ghtraffic collect {}", owner_repo ? name : "OWNER/REPO");
}

}  // namespace

std::string miss_message(const NameMiss& miss, std::string_view store_description) {
  if (miss.reason == NameMiss::Reason::ambiguous) {
    return fmt::format(
        "{} is an earlier name of several repositories in the store {} ({}); use the current "
        "name",
        miss.name, store_description, fmt::join(miss.candidates, ", "));
  }
  return fmt::format(
      "repository {} is not in the store {}; check the name (OWNER/REPO, current or earlier), "
      "or collect it first with `{}`",
      miss.name, store_description, collect_hint(miss.name));
}

bool is_current_name(const store::RepoRecord& record, std::string_view name) {
  return util::iequals(record.full_name, name);
}

bool is_earlier_name(const store::RepoRecord& record, std::string_view name) {
  return std::any_of(record.names.begin(), record.names.end(),
                     [&](const std::string& old) { return util::iequals(old, name); });
}

std::vector<store::RepoRecord> select_repositories(store::Store& store,
                                                   const std::vector<std::string>& names) {
  auto all = store.repositories();
  auto indices = select_by_names(all, names);
  if (!indices) {
    throw util::Error(miss_message(indices.error(), store.describe()));
  }
  std::vector<store::RepoRecord> selected;
  for (auto i : *indices) {
    selected.push_back(std::move(all[i]));
  }
  std::sort(selected.begin(), selected.end(), name_order);
  return selected;
}

}  // namespace ghtraffic::read
