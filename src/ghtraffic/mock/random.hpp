// The mock's random numbers: splitmix64, small, fast and the same on every platform, so
// synthetic data is stable for a seed.
#pragma once

#include <cstdint>

namespace ghtraffic::mock {

class Random {
 public:
  explicit Random(std::uint64_t seed) : m_state(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // In [0, bound).
  std::int64_t below(std::int64_t bound) {
    return bound <= 0 ? 0 : static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(bound));
  }
  bool chance(int percent) { return below(100) < percent; }

 private:
  std::uint64_t m_state;
};

}  // namespace ghtraffic::mock
