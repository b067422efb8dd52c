// DynamoDB calls as the store needs them: typed attribute values, paginated queries,
// batch writes that retry unprocessed items, table creation, and AWS errors turned into
// messages that name the table and what to check.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/aws/client.hpp"
#include "ghtraffic/net/transport.hpp"

namespace ghtraffic::store::dynamodb {

using Json = nlohmann::json;
using Item = nlohmann::json;  // {"name": {"S": "..."}, ...}

Json attr_s(std::string_view value);
Json attr_n(std::int64_t value);
Json attr_bool(bool value);
std::optional<std::string> get_s(const Item& item, const char* name);
std::optional<std::int64_t> get_n(const Item& item, const char* name);
// The whole number of an {"N": "..."} attribute; a util::Error when it holds none.
std::int64_t number_of(const Json& attribute);
bool get_bool(const Item& item, const char* name);
Json key(std::string_view pk, std::string_view sk);

class TableApi {
 public:
  TableApi(std::shared_ptr<net::HttpTransport> transport, aws::JsonServiceClient::Config config,
           std::string describe);

  const std::string& describe() const { return m_describe; }

  // One call; an error is a util::Error naming what was being done.
  Json call(const std::string& operation, const Json& body, std::string_view doing);
  // One call whose failure the caller handles (a failed condition).
  aws::Result<Json> try_call(const std::string& operation, const Json& body);

  // Every page of a Query.
  std::vector<Item> query(Json body, std::string_view doing);
  // Puts and deletes, 25 a request, retrying UnprocessedItems. requests: {"Table": [..]}.
  void batch_write(const std::vector<std::pair<std::string, Json>>& requests,
                   std::string_view doing);

  // Creates a pk/sk table with on-demand capacity when missing and waits until it is
  // ACTIVE; a missing table with create false is a util::Error.
  void ensure_table(const std::string& table, bool create);

 private:
  std::shared_ptr<net::HttpTransport> m_transport;
  aws::JsonServiceClient m_client;
  std::string m_describe;
};

bool is_condition_failure(const aws::AwsError& error);

}  // namespace ghtraffic::store::dynamodb

namespace ghtraffic::store::dynamodb {

struct Location;

// The API for the store at location: credentials, region and endpoint resolved as the AWS
// SDKs do, the location's own region and endpoint first.
std::unique_ptr<TableApi> open_table_api(const Location& location,
                                         std::shared_ptr<net::HttpTransport> transport);

}  // namespace ghtraffic::store::dynamodb
