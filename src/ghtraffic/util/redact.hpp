// The one place secrets are scrubbed. Every secret the program learns (a GitHub token,
// an AWS key) is registered here; log lines, error messages and summaries pass through
// scrub() before they are written anywhere.
#pragma once

#include <string>
#include <string_view>

namespace ghtraffic::util {

void register_secret(std::string_view secret);
void forget_secrets();  // for tests

// Replaces every registered secret, and anything shaped like a GitHub token or a bearer
// credential, with "[REDACTED]".
std::string scrub(std::string_view text);

}  // namespace ghtraffic::util
