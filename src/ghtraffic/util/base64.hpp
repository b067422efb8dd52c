// base64url without padding (RFC 7515, RFC 4648 §5): the encoding of JSON web tokens,
// which the GitHub App's JWT and the mock server that checks it share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ghtraffic::util {

std::string base64url(std::string_view bytes);
// nullopt for text that is not base64url (another alphabet, padding, a lone last character).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace ghtraffic::util
