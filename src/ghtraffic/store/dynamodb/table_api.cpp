#include "ghtraffic/store/dynamodb/table_api.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>
#include <utility>

#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

constexpr std::size_t k_batch_limit = 25;
constexpr int k_unprocessed_attempts = 8;
constexpr auto k_table_wait = std::chrono::minutes(5);
constexpr auto k_table_poll = std::chrono::milliseconds(200);

bool code_is(const aws::AwsError& error, std::string_view code) {
  // Some servers send the code with its namespace ("com.amazonaws...#Code").
  return error.code == code || error.code.ends_with(fmt::format("#{}", code));
}

}  // namespace

Json attr_s(std::string_view value) {
  return Json{{"S", std::string(value)}};
}
Json attr_n(std::int64_t value) {
  return Json{{"N", std::to_string(value)}};
}
Json attr_bool(bool value) {
  return Json{{"BOOL", value}};
}

std::optional<std::string> get_s(const Item& item, const char* name) {
  auto it = item.find(name);
  if (it == item.end() || !it->contains("S")) {
    return std::nullopt;
  }
  return (*it)["S"].get<std::string>();
}

std::int64_t number_of(const Json& attribute) {
  const auto& text = attribute["N"].get_ref<const std::string&>();
  auto number = util::parse_int<std::int64_t>(text);
  if (!number) {
    throw util::Error("unreadable number in the store: {}", number.error().message);
  }
  return *number;
}

std::optional<std::int64_t> get_n(const Item& item, const char* name) {
  auto it = item.find(name);
  if (it == item.end() || !it->contains("N")) {
    return std::nullopt;
  }
  return number_of(*it);
}

bool get_bool(const Item& item, const char* name) {
  auto it = item.find(name);
  return it != item.end() && it->contains("BOOL") && (*it)["BOOL"].get<bool>();
}

Json key(std::string_view pk, std::string_view sk) {
  return Json{{"pk", attr_s(pk)}, {"sk", attr_s(sk)}};
}

bool is_condition_failure(const aws::AwsError& error) {
  return code_is(error, "ConditionalCheckFailedException");
}

TableApi::TableApi(std::shared_ptr<net::HttpTransport> transport,
                   aws::JsonServiceClient::Config config, std::string describe)
    : m_transport(std::move(transport)),
      m_client(std::move(config), *m_transport),
      m_describe(std::move(describe)) {}

aws::Result<Json> TableApi::try_call(const std::string& operation, const Json& body) {
  return m_client.call(operation, body);
}

Json TableApi::call(const std::string& operation, const Json& body, std::string_view doing) {
  auto result = m_client.call(operation, body);
  if (!result) {
    throw util::Error("could not {} in {}: {}", doing, m_describe,
                      util::scrub(result.error().message));
  }
  return std::move(*result);
}

std::vector<Item> TableApi::query(Json body, std::string_view doing) {
  std::vector<Item> items;
  while (true) {
    auto page = call("Query", body, doing);
    for (auto& item : page.value("Items", Json::array())) {
      items.push_back(std::move(item));
    }
    if (!page.contains("LastEvaluatedKey")) {
      return items;
    }
    body["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  }
}

void TableApi::batch_write(const std::vector<std::pair<std::string, Json>>& requests,
                           std::string_view doing) {
  for (std::size_t start = 0; start < requests.size(); start += k_batch_limit) {
    Json items = Json::object();
    for (std::size_t i = start; i < std::min(requests.size(), start + k_batch_limit); ++i) {
      items[requests[i].first].push_back(requests[i].second);
    }
    for (int attempt = 0;; ++attempt) {
      auto answer = call("BatchWriteItem", Json{{"RequestItems", items}}, doing);
      auto unprocessed = answer.value("UnprocessedItems", Json::object());
      if (unprocessed.empty()) {
        break;
      }
      if (attempt + 1 >= k_unprocessed_attempts) {
        throw util::Error(
            "could not {} in {}: DynamoDB left items unprocessed {} times in a row (throttled); "
            "run again later",
            doing, m_describe, k_unprocessed_attempts);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50) * (1 << attempt));
      items = std::move(unprocessed);
    }
  }
}

void TableApi::ensure_table(const std::string& table, bool create) {
  const Json describe_body{{"TableName", table}};
  auto described = try_call("DescribeTable", describe_body);
  if (!described && code_is(described.error(), "ResourceNotFoundException")) {
    if (!create) {
      throw util::Error(
          "no store at {} yet (table {} does not exist) — run `ghtraffic collect` first",
          m_describe, table);
    }
    Json body{
        {"TableName", table},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"AttributeDefinitions", Json::array({{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                                              {{"AttributeName", "sk"}, {"AttributeType", "S"}}})},
        {"KeySchema", Json::array({{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                                   {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}})}};
    auto created = try_call("CreateTable", body);
    // Another process creating it at the same moment is fine: wait for it like for ours.
    if (!created && !code_is(created.error(), "ResourceInUseException")) {
      throw util::Error("could not create the table {} for {}: {}", table, m_describe,
                        util::scrub(created.error().message));
    }
    described = try_call("DescribeTable", describe_body);
  }
  const auto deadline = std::chrono::steady_clock::now() + k_table_wait;
  while (true) {
    if (!described) {
      throw util::Error("could not open the table {} of {}: {}", table, m_describe,
                        util::scrub(described.error().message));
    }
    const auto& description = (*described)["Table"];
    for (const auto& element : description.value("KeySchema", Json::array())) {
      const auto name = element.value("AttributeName", "");
      const auto type = element.value("KeyType", "");
      if ((type == "HASH" && name != "pk") || (type == "RANGE" && name != "sk")) {
        throw util::Error(
            "the table {} of {} has another key schema than a ghtraffic store (partition key "
            "pk, sort key sk); choose another table prefix",
            table, m_describe);
      }
    }
    if (description.value("TableStatus", "") == "ACTIVE") {
      return;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw util::Error(
          "the table {} of {} did not become ACTIVE within 5 minutes; check it in "
          "the AWS console and run again",
          table, m_describe);
    }
    std::this_thread::sleep_for(k_table_poll);
    described = try_call("DescribeTable", describe_body);
  }
}

std::unique_ptr<TableApi> open_table_api(const Location& location,
                                         std::shared_ptr<net::HttpTransport> transport) {
  aws::JsonServiceClient::Config config;
  config.service = "dynamodb";
  config.target_prefix = "DynamoDB_20120810";
  config.content_type = "application/x-amz-json-1.0";
  config.region = aws::resolve_region(location.region);
  config.endpoint = location.endpoint ? aws::Endpoint{*location.endpoint, true}
                                      : aws::resolve_endpoint("dynamodb", config.region);
  while (config.endpoint.url.ends_with('/')) {
    config.endpoint.url.pop_back();
  }
  config.credentials = aws::load_credentials();
  if (!transport) {
    transport = net::make_curl_transport();
  }
  auto describe = fmt::format("dynamodb:{}?region={}", location.table_prefix, config.region);
  return std::make_unique<TableApi>(std::move(transport), std::move(config), std::move(describe));
}

}  // namespace ghtraffic::store::dynamodb
