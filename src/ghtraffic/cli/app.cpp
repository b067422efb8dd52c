#include "ghtraffic/cli/app.hpp"

#include <cstdio>

namespace ghtraffic::cli {

int run(int /*argc*/, char** /*argv*/) {
  std::fputs("ghtraffic: not built yet\n", stderr);
  return 2;
}

}  // namespace ghtraffic::cli
