#include "ghtraffic/net/transport.hpp"

#include <algorithm>
#include <cctype>

namespace ghtraffic::net {
namespace {

// A-Z to a-z, every other byte as it is: what std::tolower does in the "C" locale this
// program runs in, without a call per byte.
constexpr unsigned char lower_ascii(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

}  // namespace

bool HeaderLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [](unsigned char x, unsigned char y) { return lower_ascii(x) < lower_ascii(y); });
}

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace ghtraffic::net
