#include "ghtraffic/cli/app.hpp"

#include <cstdio>
#include <exception>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::cli {
namespace {

constexpr const char* k_description =
    "ghtraffic keeps GitHub repository traffic forever.\n\n"
    "GitHub shows views, unique visitors, clones, top paths and top referrers for 14 days\n"
    "and then forgets them. Run `ghtraffic collect` on a schedule (daily is enough) and\n"
    "the history accumulates in a local SQLite file; `show` summarises it, `export`\n"
    "writes CSV or JSON for spreadsheets and dashboards, `serve` shows it in a web\n"
    "dashboard (and collects on its own schedule), `report` writes a static HTML page.\n\n"
    "See it first, without a token: `ghtraffic demo`.\n\n"
    "Quick start:\n"
    "  export GITHUB_TOKEN=...              # needs push access to the repositories\n"
    "  ghtraffic collect OWNER/REPO         # or --owner ORG, or nothing: all you can push to\n"
    "  ghtraffic show\n"
    "  ghtraffic status                     # days left before GitHub forgets; exit 1 at risk\n"
    "  ghtraffic export --out traffic/\n"
    "  ghtraffic import csv traffic/        # bring exported history back in\n"
    "  ghtraffic backfill                   # star and fork history back to the first day\n"
    "  ghtraffic serve                      # then open http://127.0.0.1:8080/\n\n"
    "Exit codes: 0 success, 1 some repositories failed, 2 usage or configuration error,\n"
    "3 the store is busy with another collection.";

void print_error(const std::string& message) {
  auto clean = util::scrub(message);
  std::fprintf(stderr, "ghtraffic: %s\n", clean.c_str());
}

std::string command_names(const CLI::App& app) {
  std::string names;
  for (const auto* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + command->get_name();
  }
  return names;
}

// CLI11 answers "A subcommand is required" both for no command and for a word that is no
// command (it keeps the word as an unexpected argument); a person needs to hear which.
std::string usage_error(const CLI::App& app, const CLI::ParseError& error) {
  if (app.get_subcommands().empty()) {
    auto words = app.remaining();
    if (!words.empty() && !words.front().starts_with('-')) {
      return fmt::format(
          "\"{}\" is not a ghtraffic command; the commands are {} (run `ghtraffic --help` for "
          "what each does)",
          words.front(), command_names(app));
    }
    if (!words.empty()) {
      return fmt::format(
          "unknown option {} and no command; the commands are {} (run `ghtraffic --help` for "
          "what each does)",
          words.front(), command_names(app));
    }
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && words.empty()) {
      return fmt::format("a command is required: {} (run `ghtraffic --help` for what each does)",
                         command_names(app));
    }
  }
  return std::string(error.what()) + " (run `ghtraffic --help` for usage)";
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app(k_description, "ghtraffic");
  app.require_subcommand(1);
  app.set_version_flag("--version", "ghtraffic " GHTRAFFIC_VERSION);
  app.footer("Run `ghtraffic COMMAND --help` for a command's options. Docs: README.md, docs/.");

  GlobalOptions options;
  Action action;
  add_global_options(app, options);
  add_collect_command(app, options, action);
  add_show_command(app, options, action);
  add_status_command(app, options, action);
  add_export_command(app, options, action);
  add_import_command(app, options, action);
  add_backfill_command(app, options, action);
  add_serve_command(app, options, action);
  add_report_command(app, options, action);
  add_lambda_command(app, options, action);
  add_demo_command(app, options, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(usage_error(app, e));
    return util::k_exit_usage;
  }

  try {
    apply_log_level(options);
    return action ? action() : util::k_exit_usage;
  } catch (const util::Error& e) {
    util::clear_status_line();
    print_error(e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    util::clear_status_line();
    print_error(std::string("internal error: ") + e.what() +
                " (this is a bug in ghtraffic; please report it)");
    return 70;
  }
}

}  // namespace ghtraffic::cli
