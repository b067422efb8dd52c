// The driver of a fuzz target where libFuzzer is not available (tests/fuzz/README.md):
// runs every file of the corpus folders given, then --runs N inputs made by mutating them
// at random (bytes flipped, inserted, deleted, copied from another input; seeded by
// --seed, so a failure is reproducible). An input that throws, aborts (a failed check) or
// crashes ends the run after its bytes are written to fuzz-crash-SEED-RUN, so it can be
// replayed alone.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ghtraffic/util/number.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string mutate(std::string input, const std::vector<std::string>& corpus, std::mt19937& rng) {
  auto pick = [&](std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  // Characters that matter to JSON, so mutations reach past the first syntax error.
  static const std::string k_interesting = "{}[]\":,0123456789-.eE \\ntrufalsn";
  int steps = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < steps; ++i) {
    switch (pick(5)) {
      case 0:  // flip a bit
        if (!input.empty()) {
          input[pick(input.size())] ^= static_cast<char>(1 << pick(8));
        }
        break;
      case 1:  // insert a character
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(pick(input.size() + 1)),
                     k_interesting[pick(k_interesting.size())]);
        break;
      case 2:  // delete a run
        if (!input.empty()) {
          auto at = pick(input.size());
          input.erase(at, 1 + pick(std::min<std::size_t>(16, input.size() - at)));
        }
        break;
      case 3:  // replace a character
        if (!input.empty()) {
          input[pick(input.size())] = k_interesting[pick(k_interesting.size())];
        }
        break;
      default: {  // splice a piece of another input
        const auto& other = corpus[pick(corpus.size())];
        if (!other.empty()) {
          auto from = pick(other.size());
          auto length = 1 + pick(other.size() - from);
          input.insert(pick(input.size() + 1), other.substr(from, length));
        }
      }
    }
  }
  return input;
}

// The input being run, for the signal handler: written out when it aborts or crashes.
const std::string* g_input = nullptr;
const std::string* g_name = nullptr;

extern "C" void write_input_and_die(int sig) {
  if (g_input != nullptr && g_name != nullptr) {
    int fd = ::open(g_name->c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      [[maybe_unused]] auto written = ::write(fd, g_input->data(), g_input->size());
      ::close(fd);
    }
    static const char k_note[] = "the input is in ";
    [[maybe_unused]] auto noted = ::write(STDERR_FILENO, k_note, sizeof k_note - 1);
    noted = ::write(STDERR_FILENO, g_name->data(), g_name->size());
    noted = ::write(STDERR_FILENO, "\n", 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

bool run_one(const std::string& input, const std::string& name) {
  g_input = &input;
  g_name = &name;
  try {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: threw %s\n", name.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: threw a non-standard exception\n", name.c_str());
  }
  std::ofstream(name, std::ios::binary) << input;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  for (int sig : {SIGABRT, SIGSEGV, SIGFPE, SIGBUS, SIGILL}) {
    std::signal(sig, write_input_and_die);
  }
  long runs = 0;
  unsigned seed = 1;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = ghtraffic::util::parse_int<long>(argv[++i], 0).value_or(0);
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = ghtraffic::util::parse_int<unsigned>(argv[++i]).value_or(1);
    } else if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        corpus.push_back(read_file(entry.path()));
      }
    } else {
      corpus.push_back(read_file(arg));
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: %s [--runs N] [--seed S] CORPUS_DIR|FILE...\n", argv[0]);
    return 2;
  }
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    if (!run_one(corpus[i], "fuzz-crash-corpus-" + std::to_string(i))) {
      return 1;
    }
  }
  std::mt19937 rng(seed);
  for (long run = 0; run < runs; ++run) {
    auto input = mutate(corpus[run % static_cast<long>(corpus.size())], corpus, rng);
    if (!run_one(input, "fuzz-crash-" + std::to_string(seed) + "-" + std::to_string(run))) {
      return 1;
    }
  }
  std::printf("%zu corpus inputs and %ld mutations ran cleanly (seed %u)\n", corpus.size(), runs,
              seed);
  return 0;
}
