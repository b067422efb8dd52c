// `ghtraffic report` over a store filled by a real collect: one self-contained HTML file
// with no external reference, whose JSON island parses and cannot be closed by a title.
#include <gmock/gmock.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* k_island_open = "<script type=\"application/json\" id=\"ghtraffic-data\">";
constexpr const char* k_hostile_title = "</script><script>alert(1)</script>";

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

  static std::string island(const std::string& html) {
    auto begin = html.find(k_island_open);
    EXPECT_NE(begin, std::string::npos);
    begin += std::string(k_island_open).size();
    auto end = html.find("</script>", begin);
    EXPECT_NE(end, std::string::npos);
    return html.substr(begin, end - begin);
  }

  int m_count = 0;
};

}  // namespace

TEST_F(report, the_json_island_parses_and_holds_the_api_answers_by_request_path) {
  auto data = json::parse(island(write()));
  for (const char* key : {"/api/status", "/api/repos", "/api/daily", "/api/daily?split=1",
                          "/api/daily?repo=octo%2Falpha", "/api/paths?repo=octo%2Falpha",
                          "/api/referrers?repo=octo%2Falpha", "/api/counters?repo=octo%2Falpha",
                          "/api/windows?repo=octo%2Falpha", "/api/paths?repo=octo%2Fbeta"}) {
    EXPECT_TRUE(data.contains(key)) << key;
  }
  EXPECT_EQ(data["/api/repos"]["repos"].size(), 2u);
  EXPECT_EQ(data["/api/daily?split=1"]["series"].size(), 2u);
  EXPECT_EQ(data["/api/paths?repo=octo%2Fbeta"]["snapshots"][0]["entries"][0]["title"],
            k_hostile_title);
  EXPECT_TRUE(data["/api/daily?repo=octo%2Falpha"]["days"][0]["views"].is_number());
}

TEST_F(report, a_title_cannot_close_the_script_element) {
  auto html = write();
  EXPECT_THAT(html, Not(HasSubstr(k_hostile_title)));
  EXPECT_THAT(island(html), Not(HasSubstr("<")));
  // The island is the only JSON script and ends where it should.
  EXPECT_EQ(json::parse(island(html)).size(), 2u * 5 + 4);
}

TEST_F(report, makes_no_reference_outside_the_file) {
  auto html = write();
  auto begin = html.find(k_island_open);
  auto end = html.find("</script>", begin);
  auto page = html.substr(0, begin) + html.substr(end);  // data strings are not references
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

TEST_F(report, a_selection_holds_only_its_repositories_and_an_unknown_one_is_an_error) {
  auto data = json::parse(island(write({"--repo", "octo/beta"})));
  EXPECT_EQ(data["/api/repos"]["repos"].size(), 1u);
  EXPECT_EQ(data["/api/daily"]["repos"], json({"octo/beta"}));
  EXPECT_FALSE(data.contains("/api/daily?repo=octo%2Falpha"));
  auto r = ghtraffic({"report", "--out", m_dir + "/x.html", "--repo", "octo/nobody"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("octo/nobody"));
}
