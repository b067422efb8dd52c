#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "ghtraffic/util/memory.hpp"
#include "support/eventually.hpp"

namespace ghtraffic::util {
namespace {

using namespace std::chrono_literals;

using ghtraffic::testing::eventually;

TEST(util_memory, periodic_release_calls_only_after_work) {
  std::atomic<int> calls{0};
  PeriodicRelease release(5ms, [&] { ++calls; });
  std::this_thread::sleep_for(60ms);  // a dozen periods without work
  EXPECT_EQ(calls.load(), 0);

  release.note_work();
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }));
  std::this_thread::sleep_for(60ms);  // no more work: no more calls
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(release.releases(), 1u);

  release.note_work();
  release.note_work();  // work noted twice in one period is one release
  ASSERT_TRUE(eventually([&] { return calls.load() >= 2; }));
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(calls.load(), 2);
}

TEST(util_memory, periodic_release_of_zero_never_calls) {
  std::atomic<int> calls{0};
  {
    PeriodicRelease release(0ms, [&] { ++calls; });
    release.note_work();
    std::this_thread::sleep_for(30ms);
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(util_memory, periodic_release_ends_promptly_with_a_long_period) {
  std::atomic<int> calls{0};
  {
    // The destructor wakes the thread instead of waiting out the hour (or ctest's timeout
    // ends the test).
    PeriodicRelease release(std::chrono::hours(1), [&] { ++calls; });
    release.note_work();
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(util_memory, resident_bytes_reads_this_process) {
  const auto before = resident_bytes();
  ASSERT_GT(before, 0u);
  // 32 MB written page by page is resident while it is held.
  std::vector<char> block(32u << 20);
  for (std::size_t i = 0; i < block.size(); i += 4096) {
    block[i] = 1;
  }
  EXPECT_GE(resident_bytes(), before + (24u << 20));
}

// The sanitizers' allocators are not glibc's: there is nothing of malloc_trim's to test.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
TEST(util_memory, release_free_memory_gives_back_what_a_burst_freed) {
  // A burst of small blocks (below the mmap threshold, so they live in the heap), of which
  // one in 64 outlives it: the heap cannot shrink from the top, and glibc keeps the rest.
  std::vector<std::unique_ptr<char[]>> blocks;
  constexpr std::size_t k_blocks = 40000;
  constexpr std::size_t k_size = 2000;
  blocks.reserve(k_blocks);
  for (std::size_t i = 0; i < k_blocks; ++i) {
    blocks.emplace_back(new char[k_size]);
    for (std::size_t j = 0; j < k_size; j += 512) {
      blocks.back()[j] = static_cast<char>(i);
    }
  }
  for (std::size_t i = 0; i < k_blocks; ++i) {
    if (i % 64 != 0) {
      blocks[i].reset();
    }
  }
  const auto held = resident_bytes();
  release_free_memory();
  const auto released = resident_bytes();
  // About 78 MB was freed; at least half of it goes back.
  EXPECT_LT(released + (k_blocks * k_size / 2), held)
      << "resident " << held << " bytes before, " << released << " after";
}
#endif

}  // namespace
}  // namespace ghtraffic::util
