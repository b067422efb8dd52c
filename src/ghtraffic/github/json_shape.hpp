// The strict readers of GitHub's JSON answers that the parsers of github/ share: each reads
// one member of the shape it must have, or throws a ShapeError naming what was wrong, which
// the parser turns into a malformed-response ApiError at its boundary. Internal to github/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ghtraffic/github/client.hpp"

namespace ghtraffic::github::json_shape {

using nlohmann::json;

// Repositories asked in one GraphQL request.
inline constexpr std::size_t k_graphql_batch = 100;

struct ShapeError {
  std::string detail;
};

// The member `name` of `object`, which must be an object that has it; `where` names the
// object in the message.
const json& member(const json& object, const char* name, std::string_view where);
// A member that is a non-negative integer.
std::int64_t count_member(const json& object, const char* name, std::string_view where);
// A member that is a string (or null, read as "", when `null_is_empty`).
std::string string_member(const json& object, const char* name, std::string_view where,
                          bool null_is_empty = false);
// A member that is a boolean, absent or null: false.
bool optional_bool(const json& object, const char* name, std::string_view where);
// The body as JSON; an empty or cut body is a ShapeError.
json parse_body(const std::string& body);
// The error a parser returns for a ShapeError's detail (scrubbed).
ApiError malformed(std::string detail);

// The GraphQL fragment `releases` that reads the latest releases' assets and their download
// counts (github/api.hpp's k_release_count and k_asset_count).
std::string releases_fragment();

}  // namespace ghtraffic::github::json_shape
