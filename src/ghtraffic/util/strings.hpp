// Small string helpers that the standard library lacks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ghtraffic::util {

std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
bool iequals(std::string_view a, std::string_view b);
// Shell-style glob: '*' any run, '?' one character, case-insensitive as GitHub names are.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace ghtraffic::util
