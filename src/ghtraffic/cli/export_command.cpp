#include <cstdio>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/export/s3_sink.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"

namespace ghtraffic::cli {
namespace {

struct ExportCommandOptions {
  std::string out;
  std::string format = "csv";
  std::vector<std::string> repos;
};

int run_export(const GlobalOptions& global, const ExportCommandOptions& opts) {
  auto config = load_config_file(global);
  auto format = exports::export_format_from(opts.format);
  if (!format) {
    throw util::Error("unknown export format \"{}\"; use csv, seed or json", opts.format);
  }
  auto store = store::make_store(resolve_store_url(global, config), {.read_only = true});
  exports::ExportOptions options;
  options.format = *format;
  options.repos = opts.repos;
  // An s3:// destination gets the same files plus, for csv, the QuickSight manifests.
  auto s3_destination = exports::parse_s3_url(opts.out);
  auto sink = s3_destination ? exports::make_s3_sink_from_environment(
                                   *s3_destination, *format == exports::ExportOptions::Format::csv)
                             : exports::make_directory_sink(opts.out);
  auto stats = exports::export_store(*store, options, *sink);
  for (const auto& file : stats.files) {
    util::log_verbose("wrote {}/{} ({})", opts.out, file.path,
                      util::counted(file.rows, "row", "rows"));
  }
  util::log_info("exported {} to {} ({}, {} format)",
                 util::counted(stats.repos, "repository", "repositories"), opts.out,
                 util::counted(stats.files.size(), "file", "files"), opts.format);
  return util::k_exit_ok;
}

}  // namespace

void add_export_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<ExportCommandOptions>();
  auto* cmd = app.add_subcommand("export", "Write the stored history as CSV or JSON files.");
  cmd->add_option("--out", opts->out,
                  "Folder to write into (created if missing), or s3://BUCKET/PREFIX")
      ->required();
  cmd->add_option("--format", opts->format,
                  "csv (daily.csv, paths.csv, referrers.csv, windows.csv, repos.csv), seed (the "
                  "reference design's views_clones_stars.csv and top_paths.csv) or json")
      ->check(CLI::IsMember({"csv", "seed", "json"}));
  cmd->add_option("--repo", opts->repos, "Only this repository, OWNER/REPO (repeatable)");
  add_global_options(*cmd, global);
  cmd->footer(
      "Examples:\n"
      "  ghtraffic export --out traffic/\n"
      "  ghtraffic export --out seed/ --format seed --repo octocat/hello-world\n"
      "  ghtraffic export --out s3://my-bucket/traffic   (AWS credentials and region from the\n"
      "    environment; csv also writes QuickSight manifests, see docs/aws.md)\n"
      "Files and columns are described in docs/export.md.");
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_export(global, *opts); }; });
}

}  // namespace ghtraffic::cli
