#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/web/report.hpp"

namespace ghtraffic::cli {
namespace {

struct ReportCommandOptions {
  std::string out;
  std::vector<std::string> repos;
};

std::string human_size(std::size_t bytes) {
  if (bytes >= 1024 * 1024) {
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  if (bytes >= 1024) {
    return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1024.0);
  }
  return fmt::format("{} bytes", bytes);
}

// Written next to the target and renamed over it: a reader never sees half a report.
void write_atomically(const std::filesystem::path& path, const std::string& content) {
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw util::Error(
          "could not write the report to {}; check that its folder exists and "
          "is writable",
          path.string());
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw util::Error("could not write the report to {}: {}", path.string(), error.message());
  }
}

int run_report(const GlobalOptions& global, const ReportCommandOptions& opts) {
  auto started = std::chrono::steady_clock::now();
  auto config = load_config_file(global);
  auto store = store::make_store(resolve_store_url(global, config), {.read_only = true});
  web::ReportOptions options;
  options.repos = opts.repos;
  options.generated_at = util::system_clock().now();
  auto answers = web::report_answers(*store, options);
  auto html = web::render_report(answers);
  write_atomically(opts.out, html);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto repos = answers["/api/repos"]["repos"].size();
  std::fputs(fmt::format("wrote {}: {}, {} repositor{}, in {:.2f} s\n", opts.out,
                         human_size(html.size()), repos, repos == 1 ? "y" : "ies", seconds)
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
  add_global_options(*cmd, global);
  cmd->footer(
      "Examples:\n"
      "  ghtraffic report --out report.html\n"
      "  ghtraffic report --out site/index.html --repo acme/site --repo acme/docs");
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_report(global, *opts); }; });
}

}  // namespace ghtraffic::cli
