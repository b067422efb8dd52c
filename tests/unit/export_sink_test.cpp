#include <gtest/gtest.h>

#include "export_support.hpp"
#include "ghtraffic/export/sink.hpp"
#include "ghtraffic/util/error.hpp"

using namespace export_test;
using ghtraffic::exports::make_directory_sink;
using ghtraffic::exports::MemorySink;

TEST(export_sink, directory_sink_creates_folders_and_writes_whole_files) {
  TempDir temp;
  auto sink = make_directory_sink(temp.path() / "out");
  sink->write("a.csv", "x\n");
  sink->write("octo-org/alpha/top_paths/top_paths.csv", "path,views\n");
  sink->finish();
  auto files = read_tree(temp.path() / "out");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files["a.csv"], "x\n");
  EXPECT_EQ(files["octo-org/alpha/top_paths/top_paths.csv"], "path,views\n");
}

TEST(export_sink, directory_sink_replaces_a_file_and_leaves_no_temporary_files) {
  TempDir temp;
  auto sink = make_directory_sink(temp.path());
  sink->write("daily.csv", "old, and longer than the new content\n");
  sink->write("daily.csv", "new\n");
  auto files = read_tree(temp.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files["daily.csv"], "new\n");
}

TEST(export_sink, write_error_names_the_file_and_leaves_no_temporary_file) {
  TempDir temp;
  auto sink = make_directory_sink(temp.path());
  // A folder where the file should go: the rename over it fails.
  fs::create_directories(temp.path() / "daily.csv");
  try {
    sink->write("daily.csv", "content\n");
    FAIL() << "expected an error";
  } catch (const util::Error& e) {
    EXPECT_NE(std::string(e.what()).find("daily.csv"), std::string::npos) << e.what();
  }
  for (const auto& entry : fs::directory_iterator(temp.path())) {
    EXPECT_EQ(entry.path().filename(), "daily.csv");
  }
}

TEST(export_sink, unwritable_root_is_an_error_naming_the_folder) {
  TempDir temp;
  write_file(temp.path() / "file", "not a folder");
  try {
    make_directory_sink(temp.path() / "file" / "out");
    FAIL() << "expected an error";
  } catch (const util::Error& e) {
    EXPECT_NE(std::string(e.what()).find("file/out"), std::string::npos) << e.what();
  }
}

TEST(export_sink, paths_that_leave_the_root_are_refused) {
  MemorySink sink;
  EXPECT_THROW(sink.write("../escape.csv", ""), util::Fatal);
  EXPECT_THROW(sink.write("/etc/passwd", ""), util::Fatal);
  EXPECT_THROW(sink.write("a//b.csv", ""), util::Fatal);
  EXPECT_THROW(sink.write("", ""), util::Fatal);
  sink.write("a/b.csv", "ok");
  EXPECT_EQ(sink.files().at("a/b.csv"), "ok");
}
