#include "dashboard.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child.hpp"
#include "fill.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/web/report.hpp"
#include "ghtraffic/web/snapshot.hpp"

namespace ghtraffic::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path make_scratch(const std::string& root) {
  auto pattern = (fs::path(root) / "ghtraffic-bench-dashboard-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(fmt::format("could not create a scratch folder under {}", root));
  }
  return pattern;
}

// The database and its WAL and shared-memory files.
std::int64_t store_bytes(const fs::path& db) {
  std::int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(db.parent_path(), ec)) {
    if (entry.is_regular_file(ec) &&
        entry.path().filename().string().starts_with(db.filename().string()) &&
        entry.path().extension() != ".json") {
      total += static_cast<std::int64_t>(entry.file_size(ec));
    }
  }
  return total;
}

// Fills the store unless it exists; its fill figures are kept beside it, so a rerun over
// a kept store reports the fill that made it.
void prepare_store(const DashboardOptions& o, const fs::path& db, DashboardResult& r) {
  const auto sidecar = fs::path(db.string() + ".fill.json");
  if (fs::exists(db)) {
    auto doc = nlohmann::json::parse(read_text(sidecar), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      throw std::runtime_error(fmt::format(
          "{} exists but {} does not describe its fill; remove the store to fill it again",
          db.string(), sidecar.string()));
    }
    r.store_reused = true;
    r.repos = doc.value("repos", 0);
    r.days = doc.value("days", 0);
    r.every_days = doc.value("every_days", 1);
    r.first_day = doc.value("first_day", "");
    r.last_day = doc.value("last_day", "");
    r.fill_s = doc.value("seconds", 0.0);
    r.fill_commits = doc.value("commits", std::int64_t{0});
    fmt::print(stderr, "dashboard: reusing {} (filled {}, history to {})\n", db.string(),
               doc.value("filled_at", "?"), r.last_day);
    return;
  }
  FillOptions fill;
  fill.store_url = "sqlite:" + db.string();
  fill.repos = o.repos;
  fill.days = o.days;
  fill.every_days = o.every_days;
  fill.last_day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  fmt::print(stderr, "dashboard: filling {} with {} repositories x {} days\n", db.string(), o.repos,
             o.days);
  auto stats = fill_store(fill);
  r.repos = o.repos;
  r.days = o.days;
  r.every_days = o.every_days;
  r.first_day = util::format_day(fill.last_day - std::chrono::days(o.days - 1));
  r.last_day = util::format_day(fill.last_day);
  r.fill_s = stats.seconds;
  r.fill_commits = stats.commits;
  nlohmann::json doc{{"repos", r.repos},
                     {"days", r.days},
                     {"every_days", r.every_days},
                     {"first_day", r.first_day},
                     {"last_day", r.last_day},
                     {"seconds", r.fill_s},
                     {"commits", r.fill_commits},
                     {"filled_at", util::format_iso8601(std::chrono::floor<std::chrono::seconds>(
                                       std::chrono::system_clock::now()))}};
  std::ofstream(sidecar) << doc.dump(2) << "\n";
}

// `ghtraffic serve --listen 127.0.0.1:0` says where it listens on its first line.
int wait_for_port(const BackgroundChild& server, const fs::path& out, std::chrono::seconds limit) {
  static const std::regex k_listening(R"(listening on http://[^:\s]+:(\d+))");
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    std::smatch match;
    auto text = read_text(out);
    if (std::regex_search(text, match, k_listening)) {
      return std::stoi(match[1].str());
    }
    if (!server.running()) {
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  throw std::runtime_error("ghtraffic serve did not say where it listens; see its output in " +
                           out.parent_path().string());
}

void wait_for_health(int port, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(1s);
    if (auto res = client.Get("/healthz"); res && res->status == 200) {
      return;
    }
    std::this_thread::sleep_for(5ms);
  }
  throw std::runtime_error("ghtraffic serve did not answer /healthz");
}

std::string get_ok(httplib::Client& client, const std::string& path) {
  auto res = client.Get(path);
  if (!res) {
    throw std::runtime_error(
        fmt::format("GET {} failed: {}", path, httplib::to_string(res.error())));
  }
  if (res->status != 200) {
    throw std::runtime_error(
        fmt::format("GET {} answered {}: {}", path, res->status, res->body.substr(0, 200)));
  }
  return std::move(res->body);
}

double percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) {
    return 0;
  }
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Latency measure_latency(httplib::Client& client, const std::string& name, const std::string& path,
                        const DashboardOptions& o) {
  Latency l;
  l.name = name;
  l.path = path;
  for (int i = 0; i < o.warmup; ++i) {
    get_ok(client, path);
  }
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(o.requests));
  for (int i = 0; i < o.requests; ++i) {
    auto start = Clock::now();
    auto body = get_ok(client, path);
    times.push_back(ms_since(start));
    l.body_bytes = static_cast<std::int64_t>(body.size());
  }
  l.requests = o.requests;
  l.p50_ms = percentile(times, 50);
  l.p99_ms = percentile(times, 99);
  l.max_ms = *std::max_element(times.begin(), times.end());
  double sum = 0;
  for (double t : times) {
    sum += t;
  }
  l.mean_ms = sum / static_cast<double>(times.size());
  fmt::print(stderr, "  {:<34} p50 {:7.2f} ms  p99 {:7.2f} ms  max {:7.2f} ms  {} bytes\n", name,
             l.p50_ms, l.p99_ms, l.max_ms, l.body_bytes);
  return l;
}

// The repository page measured: among those with the whole history, the most viewed in
// the last 30 days (the fullest top-10 lists).
std::string pick_repo_page(const nlohmann::json& repos) {
  std::string first_day;
  for (const auto& r : repos["repos"]) {
    if (r["first_day"].is_string()) {
      auto day = r["first_day"].get<std::string>();
      if (first_day.empty() || day < first_day) {
        first_day = day;
      }
    }
  }
  std::string best;
  std::int64_t best_views = -1;
  for (const auto& r : repos["repos"]) {
    if (r["first_day"].is_string() && r["first_day"].get<std::string>() == first_day &&
        r.value("views_30d", std::int64_t{0}) > best_views) {
      best_views = r.value("views_30d", std::int64_t{0});
      best = r["repo"].get<std::string>();
    }
  }
  return best;
}

// The three most viewed in 30 days, as the compare page picks them by default.
std::vector<std::string> compare_default(const nlohmann::json& repos) {
  std::vector<std::pair<std::int64_t, std::string>> ranked;
  for (const auto& r : repos["repos"]) {
    ranked.emplace_back(-r.value("views_30d", std::int64_t{0}), r["repo"].get<std::string>());
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min<std::size_t>(3, ranked.size()); ++i) {
    out.push_back(ranked[i].second);
  }
  return out;
}

double wrk_duration_ms(const std::string& value, const std::string& unit) {
  double v = std::stod(value);
  if (unit == "us") {
    return v / 1000.0;
  }
  if (unit == "s") {
    return v * 1000.0;
  }
  if (unit == "m") {
    return v * 60'000.0;
  }
  return v;
}

WrkResult run_wrk(const DashboardOptions& o, int port, const fs::path& scratch) {
  WrkResult w;
  w.url = fmt::format("http://127.0.0.1:{}/api/repos", port);
  if (!fs::exists(o.wrk)) {
    w.error = "no wrk at " + o.wrk + " (apt-get install wrk)";
    return w;
  }
  auto run = run_child(
      {o.wrk, fmt::format("-t{}", o.wrk_threads), fmt::format("-c{}", o.wrk_connections),
       fmt::format("-d{}s", o.wrk_seconds), "--latency", w.url},
      inherited_environment(), scratch.string(), std::chrono::seconds(o.wrk_seconds + 60));
  if (run.exit_code != 0) {
    w.error = fmt::format("wrk exited {}: {}", run.exit_code, run.err);
    return w;
  }
  const auto& out = run.out;
  std::smatch m;
  static const std::regex k_rps(R"(Requests/sec:\s+([0-9.]+))");
  static const std::regex k_latency(
      R"(Latency\s+([0-9.]+)(us|ms|s|m)\s+[0-9.]+(?:us|ms|s|m)\s+([0-9.]+)(us|ms|s|m))");
  static const std::regex k_p50(R"(\s50%\s+([0-9.]+)(us|ms|s|m))");
  static const std::regex k_p99(R"(\s99%\s+([0-9.]+)(us|ms|s|m))");
  static const std::regex k_total(R"((\d+) requests in)");
  static const std::regex k_non2xx(R"(Non-2xx or 3xx responses:\s+(\d+))");
  static const std::regex k_socket(
      R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
  if (!std::regex_search(out, m, k_rps)) {
    w.error = "could not read wrk's output: " + out;
    return w;
  }
  w.ran = true;
  w.requests_per_s = std::stod(m[1].str());
  if (std::regex_search(out, m, k_latency)) {
    w.latency_avg_ms = wrk_duration_ms(m[1].str(), m[2].str());
    w.latency_max_ms = wrk_duration_ms(m[3].str(), m[4].str());
  }
  if (std::regex_search(out, m, k_p50)) {
    w.latency_p50_ms = wrk_duration_ms(m[1].str(), m[2].str());
  }
  if (std::regex_search(out, m, k_p99)) {
    w.latency_p99_ms = wrk_duration_ms(m[1].str(), m[2].str());
  }
  if (std::regex_search(out, m, k_total)) {
    w.requests = std::stoll(m[1].str());
  }
  if (std::regex_search(out, m, k_non2xx)) {
    w.errors += std::stoll(m[1].str());
  }
  if (std::regex_search(out, m, k_socket)) {
    for (int i = 1; i <= 4; ++i) {
      w.errors += std::stoll(m[i].str());
    }
  }
  fmt::print(stderr, "  wrk: {:.0f} requests/s, latency avg {:.1f} ms, p99 {:.1f} ms\n",
             w.requests_per_s, w.latency_avg_ms, w.latency_p99_ms);
  return w;
}

BrowserResult run_browser(const DashboardOptions& o, int port, const std::string& repo,
                          const fs::path& scratch) {
  BrowserResult b;
  auto run = run_child(
      {"/usr/bin/env", o.node, o.browser_script, "--url", fmt::format("http://127.0.0.1:{}", port),
       "--repo", repo, "--runs", std::to_string(o.browser_runs)},
      inherited_environment(), scratch.string(), std::chrono::seconds(300));
  auto doc = nlohmann::json::parse(run.out, nullptr, false);
  if (run.exit_code != 0 || doc.is_discarded()) {
    b.error = fmt::format("the browser script exited {}: {}", run.exit_code,
                          run.err.empty() ? run.out : run.err);
    return b;
  }
  b.ran = true;
  b.raw = std::move(doc);
  return b;
}

ReportRun run_report(const DashboardOptions& o, const fs::path& db, const fs::path& scratch,
                     const std::vector<std::string>& repos, int total_repos) {
  ReportRun r;
  r.repos = repos.empty() ? total_repos : static_cast<int>(repos.size());
  r.what = repos.empty() ? "every repository" : fmt::format("{} repositories", repos.size());
  auto out = scratch / fmt::format("report-{}.html", r.repos);
  // The cap keeps a report that outgrows memory from taking the machine with it.
  std::vector<std::string> argv{"/usr/bin/prlimit",
                                fmt::format("--as={}", o.report_memory_mb * 1024 * 1024),
                                o.binary,
                                "report",
                                "--out",
                                out.string(),
                                "--store",
                                "sqlite:" + db.string()};
  for (const auto& name : repos) {
    argv.insert(argv.end(), {"--repo", name});
  }
  fmt::print(stderr, "  report of {}...\n", r.what);
  auto run = run_child(argv, inherited_environment(), scratch.string(), std::chrono::seconds(900));
  r.exit_code = run.exit_code;
  r.signal = run.signal;
  r.wall_s = std::chrono::duration<double>(run.wall).count();
  r.cpu_s = std::chrono::duration<double>(run.user_cpu + run.system_cpu).count();
  r.peak_rss_mb = static_cast<double>(run.max_rss_kib) / 1024.0;
  std::error_code ec;
  r.bytes = fs::exists(out, ec) ? static_cast<std::int64_t>(fs::file_size(out, ec)) : 0;
  if (run.exit_code != 0) {
    auto end = run.err.find('\n');
    r.error = run.timed_out ? "timed out" : run.err.substr(0, end);
    if (r.error.empty() && run.signal != 0) {
      r.error = fmt::format("killed by signal {}", run.signal);
    }
  }
  fs::remove(out, ec);
  fmt::print(stderr, "    {:.2f} s, {:.1f} MB, peak RSS {:.0f} MB{}\n", r.wall_s,
             static_cast<double>(r.bytes) / 1e6, r.peak_rss_mb,
             r.error.empty() ? "" : ", failed: " + r.error);
  return r;
}

std::string machine_text() {
  utsname name{};
  ::uname(&name);
  return fmt::format("{} {} {}, {} cores online", name.sysname, name.release, name.machine,
                     ::sysconf(_SC_NPROCESSORS_ONLN));
}

// What serve reads at start and after a collection, timed in-process. The collection is
// simulated without writing: every repository's previous record is the stored one a day
// earlier, so each is read again from 16 days before that on, as after a real collection.
void measure_snapshot(const fs::path& db, DashboardResult& r) {
  auto store = store::make_store("sqlite:" + db.string(), {.read_only = true});
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  auto started = Clock::now();
  auto recent =
      web::load_recent_snapshot(*store, today - std::chrono::days{web::k_recent_days - 1});
  r.load_recent_ms = ms_since(started);
  started = Clock::now();
  auto whole = web::load_snapshot(*store, nullptr);
  r.load_whole_ms = ms_since(started);
  web::Snapshot day_before = *whole;
  for (auto& repo : day_before.repos) {
    auto earlier = std::make_shared<web::RepoData>(*repo);
    if (earlier->record.last_collected) {
      *earlier->record.last_collected -= std::chrono::days{1};
    }
    repo = std::move(earlier);
  }
  started = Clock::now();
  auto again = web::load_snapshot(*store, &day_before);
  r.reload_after_collection_ms = ms_since(started);
  fmt::print(stderr,
             "dashboard: snapshot in-process: recent {:.0f} ms, whole {:.0f} ms, after a "
             "collection of every repository {:.0f} ms ({} repositories)\n",
             r.load_recent_ms, r.load_whole_ms, r.reload_after_collection_ms, again->repos.size());
}

void measure_server(const DashboardOptions& o, const fs::path& db, const fs::path& scratch,
                    DashboardResult& r) {
  const auto out = scratch / "serve.out";
  const auto started = Clock::now();
  BackgroundChild server({o.binary, "serve", "--store", "sqlite:" + db.string(), "--collect-every",
                          "off", "--listen", "127.0.0.1:0"},
                         inherited_environment(), scratch.string(), "serve");
  int port = wait_for_port(server, out, 30s);
  wait_for_health(port, 30s);
  r.server_start_ms = ms_since(started);

  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // as browsers do
  client.set_read_timeout(120s);
  auto cold = Clock::now();
  auto repos_body = get_ok(client, "/api/repos");
  r.cold_first_ms = ms_since(cold);
  fmt::print(stderr, "dashboard: server up in {:.0f} ms, first /api/repos {:.0f} ms\n",
             r.server_start_ms, r.cold_first_ms);

  get_ok(client, "/api/daily");
  r.first_whole_ms = ms_since(started);
  fmt::print(stderr, "dashboard: first /api/daily (the whole snapshot) {:.0f} ms after spawn\n",
             r.first_whole_ms);

  auto repos = nlohmann::json::parse(repos_body);
  r.repo_page = pick_repo_page(repos);
  const auto q = "repo=" + web::encode_uri_component(r.repo_page);
  const auto today = repos.value("today", r.last_day);
  const auto year_ago = util::format_day(*util::parse_day(today) - std::chrono::days(364));
  std::string compare = "/api/daily?split=1";
  for (const auto& name : compare_default(repos)) {
    compare += "&repo=" + web::encode_uri_component(name);
  }
  struct Endpoint {
    std::string name;
    std::string path;
    bool page = true;
  };
  const std::vector<Endpoint> endpoints{
      {"overview: table", "/api/repos"},
      {"overview: summed chart, all days", "/api/daily"},
      {"status strip", "/api/status"},
      {"repo page: daily, all days", "/api/daily?" + q},
      {"repo page: daily, 1 year", fmt::format("/api/daily?{}&from={}&to={}", q, year_ago, today)},
      {"repo page: paths, last 31", "/api/paths?" + q + "&last=31"},
      {"repo page: referrers, last 31", "/api/referrers?" + q + "&last=31"},
      {"repo page: counters", "/api/counters?" + q},
      {"compare: 3 repos split", compare},
      {"windows (not on a page)", "/api/windows?" + q, false},
      {"paths, every snapshot (not on a page)", "/api/paths?" + q, false},
      {"referrers, every snapshot (not on a page)", "/api/referrers?" + q, false},
  };
  fmt::print(stderr, "dashboard: {} sequential requests per endpoint after {} warm-up\n",
             o.requests, o.warmup);
  for (const auto& e : endpoints) {
    auto l = measure_latency(client, e.name, e.path, o);
    l.page = e.page;
    r.latencies.push_back(std::move(l));
  }
  client.stop();

  if (!o.skip_wrk) {
    fmt::print(stderr, "dashboard: wrk -t{} -c{} -d{}s on /api/repos\n", o.wrk_threads,
               o.wrk_connections, o.wrk_seconds);
    r.wrk = run_wrk(o, port, scratch);
  }
  if (!o.skip_browser) {
    fmt::print(stderr, "dashboard: chromium, {} runs of the overview and of {}\n", o.browser_runs,
               r.repo_page);
    r.browser = run_browser(o, port, r.repo_page, scratch);
    if (!r.browser.error.empty()) {
      fmt::print(stderr, "  {}\n", r.browser.error);
    }
  }
  auto run = server.stop(10s);
  r.server_cpu_s = std::chrono::duration<double>(run.user_cpu + run.system_cpu).count();
  r.server_peak_rss_mb = static_cast<double>(run.max_rss_kib) / 1024.0;
}

}  // namespace

DashboardResult run_dashboard(const DashboardOptions& o) {
  DashboardResult r;
  r.machine = machine_text();
  r.date =
      util::format_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  auto scratch = make_scratch(o.scratch_root);
  const fs::path db = o.store_path.empty() ? scratch / "dashboard.db" : fs::path(o.store_path);
  r.store_path = db.string();
  try {
    prepare_store(o, db, r);
    r.store_bytes = store_bytes(db);
    measure_server(o, db, scratch, r);
    measure_snapshot(db, r);
    if (!o.skip_report) {
      fmt::print(stderr, "dashboard: ghtraffic report\n");
      std::vector<std::string> some;
      for (int i = 0; i < std::min(o.report_repos_small, r.repos); ++i) {
        some.push_back(bench_repo_name(i * std::max(r.repos / o.report_repos_small, 1)));
      }
      r.reports.push_back(run_report(o, db, scratch, some, r.repos));
      r.reports.push_back(run_report(o, db, scratch, {}, r.repos));
    }
  } catch (...) {
    fmt::print(stderr, "dashboard: the scratch folder {} is kept for a look\n", scratch.string());
    throw;
  }
  if (o.keep) {
    fmt::print(stderr, "dashboard: kept {}\n", scratch.string());
  } else {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
  return r;
}

}  // namespace ghtraffic::bench
