// What the fuzz targets share: an input cut into the parts one target feeds to several
// inputs of a parser (a header and a body, the files of a folder), and the check that
// stops a run when a parser breaks a promise without crashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace ghtraffic::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input cut at each separator line "\n--\n", at most `parts` pieces (the last keeps
// the rest); missing pieces are empty.
inline std::vector<std::string> split_parts(std::string_view input, std::size_t parts) {
  constexpr std::string_view k_separator = "\n--\n";
  std::vector<std::string> out;
  while (out.size() + 1 < parts) {
    auto at = input.find(k_separator);
    if (at == std::string_view::npos) {
      break;
    }
    out.emplace_back(input.substr(0, at));
    input.remove_prefix(at + k_separator.size());
  }
  out.emplace_back(input);
  out.resize(parts);
  return out;
}

// A promise broken: printed and aborted, so that libFuzzer and the plain driver both keep
// the input that did it.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

}  // namespace ghtraffic::fuzz
