#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/import_ids.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/import/ghrs.hpp"
#include "ghtraffic/import/import.hpp"
#include "ghtraffic/import/own_csv.hpp"
#include "ghtraffic/import/seed.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::cli {
namespace {

struct ImportOptions {
  std::string folder;
  bool json = false;
  std::string repo;  // seed: the repository the files belong to
  std::string date;  // seed: the day of the top paths snapshot; empty = today (UTC)
};

// R8: with a token, each repository the files name only is linked to GitHub's id before it
// is written; without one, at its first collection, as before.
collect::IdResolution resolve_ids(const GlobalOptions& global, const collect::ConfigFile& config,
                                  std::vector<imports::RepoImport>& repos) {
  std::vector<core::ImportedHistory*> by_name;
  for (auto& repo : repos) {
    if (repo.history && repo.history->id == 0) {
      by_name.push_back(&*repo.history);
    }
  }
  if (by_name.empty()) {
    return {};
  }
  auto settings = collect::resolve_client_settings(client_flags(global), config);
  auto token = collect::find_token(settings);
  if (!token) {
    util::log_verbose(
        "no GitHub token: the repositories imported by name are linked to GitHub's ids at "
        "their first collection");
    return {};
  }
  util::log_verbose("using the GitHub token from {}", token->source);
  auto transport = collect::make_github_transport();
  github::Client client(collect::client_options(settings, *token), *transport);
  auto resolution = collect::resolve_import_ids(client, by_name);
  for (const auto& warning : resolution.warnings) {
    util::log_warn("{}", warning);
  }
  util::log_verbose("linked {} to GitHub's ids with {}",
                    util::counted(resolution.resolved, "repository", "repositories"),
                    util::counted(resolution.requests, "request", "requests"));
  return resolution;
}

void print_json(const imports::ImportSummary& s, const collect::IdResolution& ids,
                const std::string& source, const std::string& folder, const std::string& store) {
  nlohmann::json doc = {{"ok", s.failed == 0},
                        {"source", source},
                        {"folder", folder},
                        {"store", store},
                        {"repos", s.repos},
                        {"new_repos", s.new_repos},
                        {"failed", s.failed},
                        {"new_days", s.new_days},
                        {"grown_days", s.grown_days},
                        {"new_windows", s.new_windows},
                        {"new_snapshots", s.new_snapshots},
                        {"new_events", s.new_events},
                        {"history_days", s.history_days},
                        {"ids_resolved", ids.resolved},
                        {"ids_unknown", ids.unknown + ids.failed},
                        {"requests", ids.requests}};
  std::fputs((util::scrub(doc.dump(2)) + "\n").c_str(), stdout);
}

template <typename ReadFolder>
int run_import(const GlobalOptions& global, const ImportOptions& opts, const std::string& source,
               ReadFolder read_folder) {
  auto config = load_config_file(global);
  auto repos = read_folder();
  auto store = store::make_store(resolve_store_url(global, config));
  const auto ids = resolve_ids(global, config, repos);
  auto summary = imports::import_histories(
      *store, repos, [](std::size_t done, std::size_t total, const std::string& name) {
        if (util::status_line_enabled()) {
          util::set_status_line(fmt::format("importing {}/{} · {}", done + 1,
                                            util::counted(total, "repository", "repositories"),
                                            name));
        }
      });
  util::clear_status_line();
  if (opts.json) {
    print_json(summary, ids, source, opts.folder, store->describe());
  } else {
    auto where = fmt::format(" from {} into {}", opts.folder, store->describe());
    std::fputs(util::scrub(imports::summary_line(summary, where) + "\n").c_str(), stdout);
  }
  if (repos.empty()) {
    util::log_warn("{} holds no repository to import", opts.folder);
  }
  return summary.failed == 0 ? util::k_exit_ok : util::k_exit_partial;
}

using ReadFolder = std::function<std::vector<imports::RepoImport>(const ImportOptions&)>;

// One source's subcommand: DIR, --json and the global flags; when chosen, the action reads
// the folder with `read` and imports what it found.
CLI::App* add_source(CLI::App& import, GlobalOptions& global, Action& action,
                     const std::string& name, const std::string& description,
                     const std::shared_ptr<ImportOptions>& opts, ReadFolder read) {
  auto* cmd = import.add_subcommand(name, description);
  cmd->add_option("DIR", opts->folder, "The folder to import")->required();
  cmd->add_flag("--json", opts->json, "Print the summary as JSON");
  add_global_options(*cmd, global);
  cmd->callback([&action, &global, opts, name, read] {
    action = [&global, opts, name, read] {
      return run_import(global, *opts, name, [&] { return read(*opts); });
    };
  });
  return cmd;
}

}  // namespace

void add_import_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto* import = app.add_subcommand(
      "import",
      "Bring history in from files: our own CSV export, a github-repo-stats data branch, or the\n"
      "reference design's CSV pair. Merges like a collection: never lowers or deletes.");
  import->require_subcommand(1);
  add_global_options(*import, global);
  import->footer(
      "Every source merges into the store as a collection would: a day keeps the larger of\n"
      "what is stored and what is imported, days the files do not list stay gaps, and\n"
      "importing the same files twice changes nothing. No token is needed; with one (found as\n"
      "collect finds it: GITHUB_TOKEN, GH_TOKEN, --token-file, ...) a repository the files\n"
      "name only is linked to its GitHub id at once, else at its first collection. A malformed\n"
      "file is an error naming the file and line; nothing of that repository is imported and\n"
      "the others go on. See docs/import.md.\n"
      "Exit codes: 0 all imported, 1 some repositories failed, 2 usage error.");

  auto csv = std::make_shared<ImportOptions>();
  auto* cmd =
      add_source(*import, global, action, "csv",
                 "Import a folder that `ghtraffic export --format csv` wrote (repos.csv, "
                 "daily.csv, paths.csv, referrers.csv, windows.csv).",
                 csv, [](const ImportOptions& o) { return imports::read_export_folder(o.folder); });
  cmd->footer(
      "Repositories keep the GitHub ids repos.csv gives; paths, referrers and star/fork\n"
      "counts keep the day they were taken. Export, import into an empty store, export\n"
      "again: the same files.\n"
      "Examples:\n"
      "  ghtraffic export --out traffic/ && ghtraffic import csv traffic/ --store other.db\n"
      "  ghtraffic import csv data-branch/traffic/ --json");

  auto ghrs = std::make_shared<ImportOptions>();
  cmd =
      add_source(*import, global, action, "ghrs",
                 "Import a checkout of a github-repo-stats data branch (OWNER/REPO/ghrs-data/ for "
                 "each repository), or one OWNER/REPO folder of it.",
                 ghrs, [](const ImportOptions& o) { return imports::read_ghrs_folder(o.folder); });
  cmd->footer(
      "Reads ghrs-data/views_clones_aggregate.csv, the series fragments not merged yet and\n"
      "the top paths and referrers snapshots (the latest of each day). Its files cannot tell\n"
      "a gap from a zero, so only the days they list are stored; an empty cell is a 0.\n"
      "Repositories are imported by name and linked to GitHub's id at once with a token,\n"
      "else at their first collection.\n"
      "Examples:\n"
      "  git clone --branch github-repo-stats --depth 1 URL data && ghtraffic import ghrs data\n"
      "  ghtraffic import ghrs data/octocat/hello-world");

  auto seed = std::make_shared<ImportOptions>();
  cmd =
      add_source(*import, global, action, "seed",
                 "Import the reference design's CSV pair of one repository: "
                 "views_clones_stars/views_clones_stars.csv and top_paths/top_paths.csv.",
                 seed, [](const ImportOptions& o) {
                   return imports::read_seed_folder(o.folder, o.repo, day_option(o.date, "--date"));
                 });
  cmd->add_option("--repo", seed->repo, "The repository the files belong to")
      ->type_name("OWNER/REPO")
      ->required();
  cmd->add_option("--date", seed->date,
                  "The UTC day top_paths.csv was taken on (default: today); its 14 days end "
                  "there")
      ->type_name("YYYY-MM-DD");
  cmd->footer(
      "views_clones_stars.csv (timestamp,clones,views,stars,forks) gives one row a day: an\n"
      "empty views or clones cell is a day that kind was not covered, and stars and forks\n"
      "are that day's counts. top_paths.csv (path,views) is a 14-day top 10 of --date. The\n"
      "files have no unique visitors or cloners: those stay unknown (empty, null, \"–\"),\n"
      "never 0. The repository is imported by name and linked to GitHub's id at once with a\n"
      "token, else at its first collection.\n"
      "Examples:\n"
      "  ghtraffic import seed s3-download/ --repo octocat/hello-world\n"
      "  ghtraffic import seed seed/ --repo octocat/hello-world --date 2026-03-01");
}

}  // namespace ghtraffic::cli
