#include <gtest/gtest.h>

#include <algorithm>

#include "ghtraffic/store/common.hpp"
#include "ghtraffic/util/error.hpp"
#include "store_test_support.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store;
using ghtraffic::store::testing::day;

TEST(store_common, an_open_range_reaches_before_and_after_every_stored_day) {
  EXPECT_EQ(range_from({}), "0000-01-01");
  EXPECT_EQ(range_to({}), "9999-12-31");
  EXPECT_EQ(range_from({day("2026-08-03"), std::nullopt}), "2026-08-03");
  EXPECT_EQ(range_to({std::nullopt, day("2026-08-31")}), "2026-08-31");
}

TEST(store_common, lists_repositories_by_name_ignoring_case_then_by_id) {
  std::vector<RepoRecord> repos;
  for (auto [id, name] : {std::pair<core::RepoId, const char*>{3, "octo/b"},
                          {2, "Octo/A"},
                          {1, "octo/a"},
                          {4, "Octo/A"}}) {
    RepoRecord record;
    record.id = id;
    record.full_name = name;
    repos.push_back(record);
  }
  std::sort(repos.begin(), repos.end(), listed_before);
  std::vector<core::RepoId> ids;
  for (const auto& r : repos) {
    ids.push_back(r.id);
  }
  EXPECT_EQ(ids, (std::vector<core::RepoId>{2, 4, 1, 3}));
}

TEST(store_common, stores_github_name_else_the_last_one_the_run_reached) {
  core::RepoObservation observation;
  observation.meta.id = 42;
  EXPECT_EQ(current_name(observation), "");
  EXPECT_EQ(name_for_messages(observation), "repository 42");
  observation.names = {"octo/old", "octo/kitten"};
  EXPECT_EQ(current_name(observation), "octo/kitten");
  observation.meta.full_name = "octo/cat";
  EXPECT_EQ(current_name(observation), "octo/cat");
  EXPECT_EQ(name_for_messages(observation), "octo/cat");
}

TEST(store_common, refuses_writes_to_a_read_only_store_and_observations_without_an_id) {
  EXPECT_NO_THROW(require_writable(false, "sqlite:/tmp/x.db"));
  try {
    require_writable(true, "sqlite:/tmp/x.db");
    FAIL() << "a read-only store took a write";
  } catch (const util::Error& e) {
    EXPECT_STREQ(e.what(), "sqlite:/tmp/x.db was opened read-only; this command cannot change it");
  }
  core::RepoObservation observation;
  observation.meta.full_name = "octo/cat";
  EXPECT_THROW(require_repository_id(observation), util::Fatal);
}
