#include "ghtraffic/collect/app_session.hpp"

#include <fmt/format.h>

#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::collect {

AppSession::AppSession(const AppAuth& app, const github::ClientOptions& base,
                       net::HttpTransport& transport, util::Clock& clock,
                       std::chrono::seconds renewal_margin)
    : m_app(std::make_unique<github::App>(app.credentials, base, transport, clock)) {
  m_accounts.app = true;
  m_accounts.app_id = app.credentials.app_id;
  if (app.installation_id) {
    auto installation = m_app->installation(*app.installation_id);
    if (!installation) {
      m_accounts.errors.push_back(util::scrub(installation.error().message));
      return;
    }
    add(*installation, renewal_margin);
    return;
  }
  auto installations = m_app->installations();
  if (!installations) {
    m_accounts.errors.push_back(
        util::scrub(fmt::format("could not list the installations of the GitHub App {}: {}",
                                app.credentials.app_id, installations.error().message)));
    return;
  }
  if (installations->empty()) {
    m_accounts.errors.push_back(fmt::format(
        "the GitHub App {} is not installed anywhere: install it on the organization or user "
        "whose repositories to collect (the App's page → Install App)",
        app.credentials.app_id));
  }
  for (const auto& installation : *installations) {
    add(installation, renewal_margin);
  }
}

void AppSession::add(const github::Installation& installation,
                     std::chrono::seconds renewal_margin) {
  m_clients.push_back(m_app->installation_client(installation, renewal_margin));
  Account account;
  account.client = m_clients.back().get();
  account.installation = installation.describe();
  account.login = installation.account;
  if (installation.suspended) {
    account.unusable = fmt::format(
        "the GitHub App's {} is suspended: its owner can unsuspend it under Settings → GitHub "
        "Apps → Configure",
        installation.describe());
  } else if (!installation.can_read_traffic()) {
    account.unusable = m_app->missing_administration_message(installation);
  }
  util::log_verbose("GitHub App {}: {}{}", m_accounts.app_id, installation.describe(),
                    account.unusable.empty() ? "" : " (cannot read traffic)");
  m_accounts.list.push_back(std::move(account));
}

RunAccounts::RunAccounts(const std::optional<AppAuth>& app, const github::ClientOptions& options,
                         net::HttpTransport& transport, util::Clock& clock) {
  if (app) {
    m_session = std::make_unique<AppSession>(*app, options, transport, clock);
    m_accounts = m_session->accounts();
  } else {
    m_client = std::make_unique<github::Client>(options, transport, clock);
    m_accounts.list.push_back(Account{m_client.get(), {}, {}, {}});
  }
}

}  // namespace ghtraffic::collect
