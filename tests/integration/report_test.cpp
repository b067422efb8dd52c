// `ghtraffic report` over a store filled by a real collect: one self-contained HTML file
// with no external reference, whose JSON islands parse and cannot be closed by a title.
#include <gmock/gmock.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <utility>

#include "fixture.hpp"
#include "ghtraffic/web/assets.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* k_hostile_title = "</script><script>alert(1)</script>";

// The JSON islands of a report by element id, and the page without them.
struct Islands {
  std::map<std::string, std::string> text;
  std::string page;
};

Islands islands_of(const std::string& html) {
  static const std::regex open(R"re(<script type="application/json" id="([a-z0-9-]+)">)re");
  Islands out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), open); it != std::sregex_iterator();
       ++it) {
    auto begin = static_cast<std::size_t>(it->position() + it->length());
    auto end = html.find("</script>", begin);
    EXPECT_NE(end, std::string::npos);
    out.page += html.substr(last, static_cast<std::size_t>(it->position()) - last);
    out.text[(*it)[1].str()] = html.substr(begin, end - begin);
    last = end + std::string("</script>").size();
  }
  out.page += html.substr(last);
  return out;
}

class report : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_repo("octo/alpha", 101);
    m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
    add_repo("octo/beta", 102);
    m_github.repo("octo/beta")->paths = {{"/octo/beta", k_hostile_title, 5, 3},
                                         {"/x", "https://evil.example/x.js", 1, 1}};
    auto r = run_collect({"octo/alpha", "octo/beta"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string write(std::vector<std::string> extra = {}) {
    auto out = m_dir + "/report-" + std::to_string(++m_count) + ".html";
    std::vector<std::string> args{"report", "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = ghtraffic(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("wrote " + out));
    EXPECT_THAT(r.out, HasSubstr(" s\n"));
    return read_file(out);
  }

  // The main island and each repository's, by full name.
  static std::pair<json, std::map<std::string, json>> data_of(const std::string& html) {
    auto islands = islands_of(html);
    auto main = json::parse(islands.text.at("ghtraffic-data"));
    std::map<std::string, json> repos;
    for (const auto& [name, index] : main["report:islands"].items()) {
      repos[name] = json::parse(islands.text.at("ghtraffic-repo-" + index.dump()));
    }
    return {main, repos};
  }

  int m_count = 0;
};

}  // namespace

TEST_F(report, the_islands_hold_the_overview_and_each_repositorys_answers) {
  auto [data, repos] = data_of(write());
  for (const char* key : {"/api/status", "/api/repos", "report:daily", "report:islands"}) {
    EXPECT_TRUE(data.contains(key)) << key;
  }
  EXPECT_EQ(data["/api/repos"]["repos"].size(), 2u);
  ASSERT_EQ(repos.size(), 2u);
  for (const char* key : {"/api/paths?repo=octo%2Falpha", "/api/referrers?repo=octo%2Falpha",
                          "/api/counters?repo=octo%2Falpha"}) {
    EXPECT_TRUE(repos["octo/alpha"].contains(key)) << key;
  }
  EXPECT_EQ(
      repos["octo/beta"]["/api/paths?repo=octo%2Fbeta"]["snapshots"][0]["entries"][0]["title"],
      k_hostile_title);
}

TEST_F(report, daily_columns_hold_each_stored_day_and_keep_gaps_null) {
  auto [data, repos] = data_of(write());
  const auto& alpha = data["report:daily"]["octo/alpha"];
  auto from = day(alpha["from"].get<std::string>().c_str());
  auto i = static_cast<std::size_t>((day("2026-03-18") - from).count());
  ASSERT_LT(i, alpha["views"].size());
  EXPECT_EQ(alpha["views"][i], 9);
  EXPECT_EQ(alpha["views_unique"][i], 4);
  for (const char* column : {"views_unique", "clones", "clones_unique"}) {
    EXPECT_EQ(alpha[column].size(), alpha["views"].size()) << column;
  }
  // Every stored day is in the columns and nothing else: as many as the store holds.
  auto stored =
      q("SELECT count(*) FROM traffic_days d JOIN repos r ON r.id = d.repo_id "
        "WHERE r.full_name = 'octo/alpha' AND d.kind = 'views'");
  ASSERT_EQ(stored.size(), 1u);
  std::size_t non_null = 0;
  for (const auto& v : alpha["views"]) {
    non_null += v.is_null() ? 0 : 1;
  }
  EXPECT_EQ(std::to_string(non_null), stored[0]);
}

TEST_F(report, a_title_cannot_close_the_script_element) {
  auto html = write();
  EXPECT_THAT(html, Not(HasSubstr(k_hostile_title)));
  auto islands = islands_of(html);
  // The islands are the only JSON scripts, each ends where it should and holds no '<'.
  EXPECT_EQ(islands.text.size(), 3u);
  for (const auto& [id, text] : islands.text) {
    EXPECT_THAT(text, Not(HasSubstr("<"))) << id;
    EXPECT_FALSE(json::parse(text, nullptr, false).is_discarded()) << id;
  }
  EXPECT_EQ(islands.page.find("type=\"application/json\""), std::string::npos);
}

TEST_F(report, makes_no_reference_outside_the_file) {
  auto page = islands_of(write()).page;  // data strings are not references
  page = std::regex_replace(page, std::regex(R"(/\*![^*]*\*/)"), "");  // license banners
  // Names that are never fetched: the SVG namespace and the base for parsing API paths.
  for (const char* name : {"http://www.w3.org/2000/svg", "http://report.invalid"}) {
    for (auto at = page.find(name); at != std::string::npos; at = page.find(name)) {
      page.erase(at, std::string(name).size());
    }
  }
  EXPECT_THAT(page, Not(HasSubstr("http://")));
  EXPECT_THAT(page, Not(HasSubstr("https://")));
  EXPECT_FALSE(std::regex_search(
      page, std::regex(R"(<(script|img|iframe)\b[^>]*\bsrc\s*=)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(<link\b[^>]*\bhref\s*=)", std::regex::icase)));
  EXPECT_THAT(page, HasSubstr("default-src 'none'"));  // and the browser is told so
  EXPECT_THAT(page, HasSubstr("uPlot"));               // the chart library is inline
}

// The dashboard is several classic scripts sharing one namespace, each relying on the
// ones before it: every script index.html loads is inline, in index.html's order.
TEST_F(report, inlines_the_pages_scripts_in_the_order_index_html_loads_them) {
  auto page = islands_of(write()).page;
  auto index = web::asset("index.html");
  ASSERT_TRUE(index.has_value());
  std::string html(index->content);
  static const std::regex script(R"re(<script\b[^>]*\bsrc="([^"]+)")re");
  std::size_t last = 0;
  int scripts = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script);
       it != std::sregex_iterator(); ++it, ++scripts) {
    auto js = web::asset((*it)[1].str());
    ASSERT_TRUE(js.has_value()) << (*it)[1];
    // Its opening, up to the first '<' (the inlining escapes some of those).
    auto opening =
        std::string(js->content.substr(0, std::min<std::size_t>(200, js->content.find('<'))));
    ASSERT_FALSE(opening.empty()) << (*it)[1];
    auto at = page.find(opening, last);
    ASSERT_NE(at, std::string::npos) << (*it)[1] << " is not inline after the scripts before it";
    last = at + opening.size();
  }
  EXPECT_GT(scripts, 2);
}

TEST_F(report, a_selection_holds_only_its_repositories_and_an_unknown_one_is_an_error) {
  auto [data, repos] = data_of(write({"--repo", "octo/beta"}));
  EXPECT_EQ(data["/api/repos"]["repos"].size(), 1u);
  EXPECT_EQ(data["report:daily"].size(), 1u);
  EXPECT_TRUE(data["report:daily"].contains("octo/beta"));
  EXPECT_EQ(repos.size(), 1u);
  EXPECT_TRUE(repos.count("octo/beta"));
  auto r = ghtraffic({"report", "--out", m_dir + "/x.html", "--repo", "octo/nobody"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("octo/nobody"));
  EXPECT_FALSE(std::filesystem::exists(m_dir + "/x.html"));
  EXPECT_FALSE(std::filesystem::exists(m_dir + "/x.html.tmp"));
}

TEST_F(report, top_snapshots_keeps_the_latest_ones) {
  // Two more collections on later days: three daily snapshots of the top 10.
  for (const char* now : {"2026-03-22T12:00:00Z", "2026-03-23T12:00:00Z"}) {
    m_github.set_now(at(now));
    auto r = run_collect({"octo/alpha", "octo/beta"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string key = "/api/paths?repo=octo%2Fbeta";
  auto all = data_of(write({"--top-snapshots", "all"})).second["octo/beta"][key]["snapshots"];
  ASSERT_EQ(all.size(), 3u);
  auto latest = data_of(write({"--top-snapshots", "2"})).second["octo/beta"][key]["snapshots"];
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0]["date"], all[1]["date"]);
  EXPECT_EQ(latest[1]["date"], all[2]["date"]);
  EXPECT_EQ(data_of(write()).second["octo/beta"][key]["snapshots"].size(), 3u);  // default 31

  for (const char* bad : {"0", "-1", "many", "36601"}) {
    auto r = ghtraffic({"report", "--out", m_dir + "/bad.html", "--top-snapshots", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_THAT(r.err, HasSubstr("--top-snapshots")) << bad;
  }
}

TEST_F(report, a_missing_folder_is_a_clear_error_and_a_failed_run_keeps_the_previous_report) {
  auto previous = write();
  auto out = m_dir + "/report-1.html";
  auto missing = ghtraffic({"report", "--out", m_dir + "/no/such/folder/r.html"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no/such/folder"));
  auto failed = ghtraffic({"report", "--out", out, "--repo", "octo/nobody"});
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_EQ(read_file(out), previous);
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
}
