// Waits for what a working component does soon, without asserting how soon: polls `done`
// every 10 ms for up to `within` (a guard against hanging only) and returns its last answer.
#pragma once

#include <chrono>
#include <thread>

namespace ghtraffic::testing {

template <typename Done>
bool eventually(Done done, std::chrono::milliseconds within = std::chrono::seconds(10)) {
  const auto step = std::chrono::milliseconds(10);
  for (auto waited = std::chrono::milliseconds(0); waited < within && !done(); waited += step) {
    std::this_thread::sleep_for(step);
  }
  return done();
}

}  // namespace ghtraffic::testing
