// The one place secrets are scrubbed. Every secret the program learns (a GitHub token,
// an AWS key) is registered here; log lines, error messages and summaries pass through
// scrub() before they are written anywhere.
#pragma once

#include <string>
#include <string_view>

namespace ghtraffic::util {

void register_secret(std::string_view secret);
void forget_secrets();  // for tests

// Replaces every registered secret, anything shaped like a GitHub token (of any length), a
// bearer credential or a JSON web token, and the user-info of a URL (`https://user:secret@host`),
// with "[REDACTED]".
std::string scrub(std::string_view text);

// A token is sent in an HTTP header, so it is printable ASCII without spaces: a line break
// in it would add headers of its own. Anything else is a util::Error (exit code 2) that
// names `source` (where the token came from) and never the token.
void check_token(std::string_view token, std::string_view source);

}  // namespace ghtraffic::util
