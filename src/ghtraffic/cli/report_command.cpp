#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/private_files.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/report.hpp"

namespace ghtraffic::cli {
namespace {

struct ReportCommandOptions {
  std::string out;
  std::vector<std::string> repos;
  std::string top_snapshots = std::to_string(web::k_report_top_snapshots);
};

std::string human_size(std::size_t bytes) {
  if (bytes >= 1024 * 1024) {
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  if (bytes >= 1024) {
    return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1024.0);
  }
  return util::counted(bytes, "byte", "bytes");
}

// Written next to the target and renamed over it: a reader never sees half a report, and a
// failed run (a full disk, a kill) leaves the previous one.
web::ReportSummary write_atomically(const std::filesystem::path& path,
                                    const std::function<web::ReportSummary(std::ostream&)>& write) {
  auto temporary = path;
  temporary += ".tmp";
  web::ReportSummary summary;
  try {
    // A report holds the traffic of private repositories: a new one is for its owner only
    // (0600), one written over keeps the mode it was given.
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);  // left by a run that was killed
    int fd = util::open_replacement_file(temporary.string(), path.string());
    if (fd >= 0) {
      ::close(fd);
    }
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (fd < 0 || !out) {
      throw util::Error(
          "could not write the report to {}; check that its folder exists and is writable",
          path.string());
    }
    summary = write(out);
    out.close();
    if (!out) {
      throw util::Error("could not finish writing the report to {} (is the disk full?)",
                        path.string());
    }
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw util::Error("could not write the report to {}: {}", path.string(), error.message());
  }
  return summary;
}

std::optional<std::size_t> parse_top_snapshots(const std::string& text) {
  if (text == "all") {
    return std::nullopt;
  }
  auto n = util::parse_int<std::size_t>(text, 1, web::k_max_range_days);
  if (!n) {
    throw util::Error("--top-snapshots: {}, or all", n.error().message);
  }
  return *n;
}

int run_report(const GlobalOptions& global, const ReportCommandOptions& opts) {
  auto started = std::chrono::steady_clock::now();
  std::error_code error;
  if (std::filesystem::is_directory(opts.out, error)) {
    throw util::Error("--out {} is a folder; give the report's file name, for example --out {}",
                      opts.out, (std::filesystem::path(opts.out) / "report.html").string());
  }
  auto top_snapshots = parse_top_snapshots(opts.top_snapshots);
  auto config = load_config_file(global);
  auto store = store::make_store(resolve_store_url(global, config), {.read_only = true});
  web::ReportOptions options;
  options.repos = opts.repos;
  options.generated_at = util::system_clock().now();
  options.top_snapshots = top_snapshots;
  if (util::status_line_enabled()) {
    options.on_progress = [](std::size_t done, std::size_t total) {
      util::set_status_line(
          fmt::format("report: {}/{}", done, util::counted(total, "repository", "repositories")));
    };
  }
  auto summary = write_atomically(
      opts.out, [&](std::ostream& out) { return web::write_report(*store, options, out); });
  util::clear_status_line();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fputs(fmt::format("wrote {}: {}, {}, in {:.2f} s\n", opts.out, human_size(summary.bytes),
                         util::counted(summary.repos, "repository", "repositories"), seconds)
                 .c_str(),
             stdout);
  return util::k_exit_ok;
}

}  // namespace

void add_report_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<ReportCommandOptions>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write the dashboard as one self-contained HTML file, data included, that opens from "
      "disk with no network access (for GitHub Pages or an email attachment).");
  cmd->add_option("--out", opts->out, "The HTML file to write")->required();
  cmd->add_option("--repo", opts->repos,
                  "Only this repository, OWNER/REPO (repeatable; default: every one)");
  cmd->add_option("--top-snapshots", opts->top_snapshots,
                  "Top-10 paths and referrers snapshots kept per repository, the latest; 'all' "
                  "keeps every one (a daily snapshot of three years adds about 1.5 MB per "
                  "repository)")
      ->capture_default_str();
  add_global_options(*cmd, global);
  cmd->footer(
      "Examples:\n"
      "  ghtraffic report --out report.html\n"
      "  ghtraffic report --out site/index.html --repo acme/site --repo acme/docs\n"
      "  ghtraffic report --out full.html --top-snapshots all\n"
      "\n"
      "The report keeps every day of views, clones, stars and forks; of the top-10 paths\n"
      "and referrers it keeps the latest snapshots only (--top-snapshots), which is what the\n"
      "repository page shows unless its range ends earlier.");
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_report(global, *opts); }; });
}

}  // namespace ghtraffic::cli
