#include "ghtraffic/cli/app.hpp"

int main(int argc, char** argv) {
  return ghtraffic::cli::run(argc, argv);
}
