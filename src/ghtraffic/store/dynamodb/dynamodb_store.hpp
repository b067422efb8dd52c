// The DynamoDB backend: `dynamodb:PREFIX[?region=R&endpoint=URL]` keeps the store in two
// tables, PREFIX-data and PREFIX-cache, created on first use (on-demand capacity) unless a
// template made them. docs/aws.md ("DynamoDB store") describes the layout and how a commit
// stays atomic (R7) and max-merging (R2) with several writers and no transactions.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"

namespace ghtraffic::store::dynamodb {

// The backend's part of a store URL: "PREFIX?region=R&endpoint=URL".
struct Location {
  std::string table_prefix;
  std::optional<std::string> region;    // else AWS_REGION / AWS_DEFAULT_REGION
  std::optional<std::string> endpoint;  // else AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL
};
// A malformed location (no prefix, a character DynamoDB refuses in a table name, an
// unknown parameter) is a util::Error.
Location parse_location(const std::string& location);

// transport: the HTTP transport to send requests with; none = libcurl. Tests pass a
// wrapper that counts or fails requests.
std::unique_ptr<Store> make_dynamodb_store(const std::string& location, const StoreOptions& options,
                                           std::shared_ptr<net::HttpTransport> transport = {});

// The collection lock: a lease item in PREFIX-data taken with a conditional write, renewed
// while held, released on destruction; a crashed holder's lease runs out by itself.
std::unique_ptr<CollectLock> lock_dynamodb_store(
    const std::string& location, std::shared_ptr<net::HttpTransport> transport = {});

}  // namespace ghtraffic::store::dynamodb
