#include "ghtraffic/web/report.hpp"

#include <fmt/format.h>

#include <regex>
#include <utility>

#include "ghtraffic/read/select.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/assets.hpp"

namespace ghtraffic::web {
namespace {

using nlohmann::json;

// Nothing but the inline code and data may load: a report never reaches the network.
constexpr const char* k_report_csp =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">";

std::string replace_all_icase(std::string text, std::string_view from, std::string_view to) {
  auto lower = util::to_lower(text);
  std::string out;
  std::size_t start = 0;
  for (auto at = lower.find(from); at != std::string::npos; at = lower.find(from, start)) {
    out.append(text, start, at - start);
    out += to;
    start = at + from.size();
  }
  out.append(text, start);
  return out;
}

std::optional<std::string> attribute(const std::string& tag, const std::string& name) {
  std::regex pattern("\\b" + name + "\\s*=\\s*(\"([^\"]*)\"|'([^']*)')", std::regex::icase);
  std::smatch match;
  if (!std::regex_search(tag, match, pattern)) {
    return std::nullopt;
  }
  return match[2].matched ? match[2].str() : match[3].str();
}

Asset embedded(const std::string& reference) {
  auto path = reference;
  if (path.starts_with("./")) {
    path.erase(0, 2);
  } else if (path.starts_with("/")) {
    path.erase(0, 1);
  }
  auto found = asset(path);
  if (!found) {
    throw util::Error(
        "the dashboard's index.html refers to {}, which is not built into "
        "ghtraffic; the report can inline only embedded files",
        reference);
  }
  return *found;
}

// <link rel="stylesheet" href="x.css"> becomes <style>; other links to files go.
std::string inline_links(const std::string& html) {
  static const std::regex link("<link\\b[^>]*>", std::regex::icase);
  std::string out;
  auto begin = std::sregex_iterator(html.begin(), html.end(), link);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    auto tag = it->str();
    out.append(html, last, static_cast<std::size_t>(it->position()) - last);
    last = static_cast<std::size_t>(it->position() + it->length());
    auto href = attribute(tag, "href");
    auto rel = util::to_lower(attribute(tag, "rel").value_or(""));
    if (!href) {
      out += tag;
    } else if (rel == "stylesheet") {
      auto css = replace_all_icase(std::string(embedded(*href).content), "</style", "<\\/style");
      out += "<style>\n" + css + "\n</style>";
    }
  }
  out.append(html, last);
  return out;
}

// <script src="x.js"></script> becomes the script inline; its type stays.
std::string inline_scripts(const std::string& html) {
  static const std::regex script("<script\\b([^>]*)>\\s*</script\\s*>", std::regex::icase);
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script);
       it != std::sregex_iterator(); ++it) {
    auto tag = it->str();
    out.append(html, last, static_cast<std::size_t>(it->position()) - last);
    last = static_cast<std::size_t>(it->position() + it->length());
    auto src = attribute(tag, "src");
    if (!src) {
      out += tag;
      continue;
    }
    auto js = std::string(embedded(*src).content);
    js = replace_all_icase(js, "</script", "<\\/script");
    js = replace_all_icase(js, "<!--", "<\\!--");
    auto type = attribute(tag, "type");
    out += type ? fmt::format("<script type=\"{}\">\n", *type) : std::string("<script>\n");
    out += js + "\n</script>";
  }
  out.append(html, last);
  return out;
}

std::string insert_after_head(const std::string& html, const std::string& text) {
  static const std::regex head("<head\\b[^>]*>", std::regex::icase);
  std::smatch match;
  if (!std::regex_search(html, match, head)) {
    return text + html;
  }
  auto at = static_cast<std::size_t>(match.position() + match.length());
  return html.substr(0, at) + text + html.substr(at);
}

}  // namespace

std::string encode_uri_component(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || std::string_view("-_.!~*'()").find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string script_safe_json(const json& value) {
  auto text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  // Outside strings JSON has none of these characters, so escaping them everywhere is safe.
  for (char c : text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// The repositories of the report, in the snapshot's order, each once.
Snapshot select_repos(const Snapshot& all, const std::vector<std::string>& names,
                      const std::string& store_name) {
  auto indices = read::select_by_names(
      all.repos, names,
      [](const std::shared_ptr<const RepoData>& repo) -> const store::RepoRecord& {
        return repo->record;
      });
  if (!indices) {
    throw util::Error(read::miss_message(indices.error(), store_name));
  }
  Snapshot selection;
  selection.last_run = all.last_run;
  for (auto i : *indices) {
    selection.repos.push_back(all.repos[i]);
  }
  return selection;
}

json figure_or_null(std::int32_t value) {
  return value >= 0 ? json(value) : json(nullptr);
}

// The page builds index.html's HTML around the islands: everything up to </head>, then
// the rest.
std::pair<std::string, std::string> page_halves() {
  auto index = asset("index.html");
  if (!index) {
    throw util::Fatal("index.html is not embedded");
  }
  auto html = inline_scripts(inline_links(std::string(index->content)));
  html = insert_after_head(html, std::string("\n") + k_report_csp);
  auto at = util::to_lower(html).find("</head");
  if (at == std::string::npos) {
    return {"", html};
  }
  return {html.substr(0, at), html.substr(at)};
}

// Every repository's daily cells as columns: {name: {"from": day or null, "views": [...],
// "views_unique": [...], "clones": [...], "clones_unique": [...]}}, null for a gap (R3).
json daily_columns(const Snapshot& snapshot) {
  json out = json::object();
  for (const auto& repo : snapshot.repos) {
    json views = json::array();
    json views_unique = json::array();
    json clones = json::array();
    json clones_unique = json::array();
    for (const auto& cell : repo->cells) {
      // null for a gap, and for a covered day whose uniques are unknown (never 0).
      views.push_back(figure_or_null(cell.views));
      views_unique.push_back(figure_or_null(cell.views >= 0 ? cell.views_unique : -1));
      clones.push_back(figure_or_null(cell.clones));
      clones_unique.push_back(figure_or_null(cell.clones >= 0 ? cell.clones_unique : -1));
    }
    out[repo->record.full_name] = {
        {"from", repo->cells.empty() ? json(nullptr) : json(util::format_day(repo->first))},
        {"views", std::move(views)},
        {"views_unique", std::move(views_unique)},
        {"clones", std::move(clones)},
        {"clones_unique", std::move(clones_unique)}};
  }
  return out;
}

}  // namespace

ReportSummary write_report(store::Store& store, const ReportOptions& options, std::ostream& out) {
  auto all = load_snapshot(store, nullptr);
  auto selection = select_repos(*all, options.repos, store.describe());
  auto [head, tail] = page_halves();
  ReportSummary summary;
  summary.repos = selection.repos.size();
  auto put = [&](std::string_view text) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) {
      throw util::Error("writing the report failed after {} bytes (is the disk full?)",
                        summary.bytes);
    }
    summary.bytes += text.size();
  };
  auto island = [&](std::string_view id, const json& value) {
    put(fmt::format("<script type=\"application/json\" id=\"{}\">", id));
    put(script_safe_json(value));
    put("</script>\n");
  };

  auto today = util::day_of(options.generated_at);
  StatusInfo status;
  status.store = store.describe();
  status.today = today;
  status.scheduler.disabled_reason = "static report";
  if (selection.last_run) {
    status.last_run = run_report_from(*selection.last_run);
  }
  // The banner of the report: the repositories it shows that were at risk when it was made.
  for (auto& repo : needing_attention(read::store_freshness(store, today))) {
    if (selection.find(repo.full_name)) {
      status.attention.push_back(std::move(repo));
    }
  }
  json overview = json::object();
  auto status_answer = status_json(status);
  status_answer["generated_at"] = util::format_iso8601(options.generated_at);
  overview["/api/status"] = std::move(status_answer);
  overview["/api/repos"] = repos_json(selection, today);
  overview["report:daily"] = daily_columns(selection);
  json islands = json::object();
  for (std::size_t i = 0; i < selection.repos.size(); ++i) {
    islands[selection.repos[i]->record.full_name] = i;
  }
  overview["report:islands"] = std::move(islands);

  put(head);
  island("ghtraffic-data", overview);
  overview = json();
  for (std::size_t i = 0; i < selection.repos.size(); ++i) {
    const auto& name = selection.repos[i]->record.full_name;
    auto query = "?repo=" + encode_uri_component(name);
    Params params{{"repo", name}};
    Params top = params;
    if (options.top_snapshots) {
      top.emplace("last", std::to_string(*options.top_snapshots));
    }
    json answers = json::object();
    answers["/api/paths" + query] = paths_json(store, selection, top);
    answers["/api/referrers" + query] = referrers_json(store, selection, top);
    answers["/api/counters" + query] = counters_json(store, selection, params);
    island(fmt::format("ghtraffic-repo-{}", i), answers);
    if (options.on_progress) {
      options.on_progress(i + 1, selection.repos.size());
    }
  }
  put(tail);
  out.flush();
  if (!out) {
    throw util::Error("writing the report failed after {} bytes (is the disk full?)",
                      summary.bytes);
  }
  return summary;
}

}  // namespace ghtraffic::web
