// Fuzz target of the configuration file (collect/config.hpp): any text is a ConfigFile or
// one util::Error naming the file, never a crash or another exception.
#include <string>

#include "fuzz_input.hpp"
#include "ghtraffic/collect/config.hpp"
#include "ghtraffic/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ghtraffic;
  try {
    auto config = collect::parse_config(std::string(fuzz::as_text(data, size)), "fuzz.toml");
    if (config.concurrency) {
      fuzz::require(*config.concurrency >= 1, "a concurrency below 1 is refused");
    }
    for (const auto& repo : config.repos) {
      fuzz::require(!repo.owner.empty() && !repo.name.empty(), "a repository has both parts");
    }
  } catch (const util::Error& e) {
    fuzz::require(std::string(e.what()).find("fuzz.toml") != std::string::npos,
                  "a config error names its file");
  }
  return 0;
}
