// A run through a GitHub App: the App (its JWT), its installations, or the one named, and a
// client for each, with its own token and rate budget. Alive for one run.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/github/app_auth.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::collect {

class AppSession {
 public:
  // Lists the App's installations (GET /app/installations), or reads the one named; what
  // fails is in accounts().errors, for the run's summary. A key that is not an RSA private
  // key is a util::Error.
  AppSession(const AppAuth& app, const github::ClientOptions& base, net::HttpTransport& transport,
             util::Clock& clock = util::system_clock(),
             std::chrono::seconds renewal_margin = github::k_token_renewal_margin);

  const Accounts& accounts() const { return m_accounts; }
  github::App& app() { return *m_app; }

 private:
  void add(const github::Installation& installation, std::chrono::seconds renewal_margin);

  std::unique_ptr<github::App> m_app;
  std::vector<std::unique_ptr<github::Client>> m_clients;
  Accounts m_accounts;
};

// The accounts of one run, whichever way it authenticates: the GitHub App's installations
// when `app` is set, else one client with the options' token.
class RunAccounts {
 public:
  RunAccounts(const std::optional<AppAuth>& app, const github::ClientOptions& options,
              net::HttpTransport& transport, util::Clock& clock = util::system_clock());

  const Accounts& accounts() const { return m_accounts; }

 private:
  std::unique_ptr<github::Client> m_client;
  std::unique_ptr<AppSession> m_session;
  Accounts m_accounts;
};

}  // namespace ghtraffic::collect
