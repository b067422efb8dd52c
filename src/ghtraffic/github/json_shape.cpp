#include "ghtraffic/github/json_shape.hpp"

#include <fmt/format.h>

#include "ghtraffic/github/api.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::github::json_shape {

const json& member(const json& object, const char* name, std::string_view where) {
  if (!object.is_object()) {
    throw ShapeError{fmt::format("{} is not a JSON object", where)};
  }
  auto it = object.find(name);
  if (it == object.end()) {
    throw ShapeError{fmt::format("{} has no \"{}\"", where, name)};
  }
  return *it;
}

std::int64_t count_member(const json& object, const char* name, std::string_view where) {
  const json& value = member(object, name, where);
  if (!value.is_number_integer()) {
    throw ShapeError{fmt::format("{}.{} is not an integer: {}", where, name, value.dump())};
  }
  auto n = value.get<std::int64_t>();
  if (n < 0) {
    throw ShapeError{fmt::format("{}.{} is negative: {}", where, name, n)};
  }
  return n;
}

std::string string_member(const json& object, const char* name, std::string_view where,
                          bool null_is_empty) {
  const json& value = member(object, name, where);
  if (null_is_empty && value.is_null()) {
    return {};
  }
  if (!value.is_string()) {
    throw ShapeError{fmt::format("{}.{} is not a string: {}", where, name, value.dump())};
  }
  return value.get<std::string>();
}

bool optional_bool(const json& object, const char* name, std::string_view where) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return false;
  }
  if (!it->is_boolean()) {
    throw ShapeError{fmt::format("{}.{} is not a boolean: {}", where, name, it->dump())};
  }
  return it->get<bool>();
}

json parse_body(const std::string& body) {
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    throw ShapeError{body.empty() ? std::string("the body is empty")
                                  : std::string("the body is not valid JSON (cut short?)")};
  }
  return parsed;
}

ApiError malformed(std::string detail) {
  return ApiError{ErrorKind::malformed, 200, util::scrub(detail), {}};
}

// Up to 100 repositories x 20 releases x 50 assets: 100,000 nodes, within GraphQL's limit.
std::string releases_fragment() {
  return fmt::format(
      "fragment releases on Repository {{ releases(first: {}, orderBy: {{field: CREATED_AT, "
      "direction: DESC}}) {{ nodes {{ tagName releaseAssets(first: {}) {{ nodes {{ name "
      "downloadCount }} }} }} }} }}",
      k_release_count, k_asset_count);
}

}  // namespace ghtraffic::github::json_shape
