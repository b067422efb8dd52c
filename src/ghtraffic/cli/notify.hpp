// Alerts to a chat webhook (Slack, Mattermost, Microsoft Teams, Discord): `status`, `serve`
// and `lambda` post the same one-message JSON when repositories need collecting.
#pragma once

#include <string>

#include "ghtraffic/net/transport.hpp"

namespace ghtraffic::cli {

// {"text": message, "content": message}: "text" is what Slack, Mattermost and Teams
// incoming webhooks read, "content" what Discord reads.
std::string webhook_body(const std::string& message);

// POSTs message to url. A failure is not an error of the command: it is logged as one
// warning line that names only the webhook's origin (a webhook URL's path is a secret)
// and false is returned.
bool post_webhook(net::HttpTransport& transport, const std::string& url,
                  const std::string& message);

}  // namespace ghtraffic::cli
