#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/cli/show_summary.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"

namespace ghtraffic::cli {
namespace {

struct ShowCommandOptions {
  std::string repo;
  bool no_color = false;
  bool json = false;
};

int run_show(const GlobalOptions& global, const ShowCommandOptions& opts) {
  auto config = load_config_file(global);
  auto store = store::make_store(resolve_store_url(global, config), {.read_only = true});
  ShowOptions options;
  if (!opts.repo.empty()) {
    options.repo = opts.repo;
  }
  options.today = util::day_of(util::system_clock().now());
  options.color =
      !opts.no_color && ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  if (opts.json) {
    std::fputs((summary_json(*store, options).dump(2) + "\n").c_str(), stdout);
    return util::k_exit_ok;
  }
  auto text = render_summary(*store, options);
  std::fputs(text.c_str(), stdout);
  return util::k_exit_ok;
}

}  // namespace

void add_show_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<ShowCommandOptions>();
  auto* cmd =
      app.add_subcommand("show",
                         "Summarise the stored history: views, unique visitors, clones, stars, top "
                         "referrers and paths, and the gaps.");
  cmd->add_option("repo", opts->repo, "Only this repository, OWNER/REPO");
  cmd->add_flag("--no-color", opts->no_color, "Plain text even on a terminal (also NO_COLOR)");
  cmd->add_flag("--json", opts->json,
                "The same as JSON for scripts: a period no collection covered is null, and "
                "each sum says how many of its days were covered");
  add_global_options(*cmd, global);
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_show(global, *opts); }; });
}

}  // namespace ghtraffic::cli
