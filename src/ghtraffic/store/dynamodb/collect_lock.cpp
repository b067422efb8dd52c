// The collection lock of a DynamoDB store: one lease item, pk "LOCK", sk "collect", taken
// with a conditional put (free, or its lease ran out), renewed by a heartbeat while held and
// deleted on release. A holder that dies without releasing blocks others for one lease at
// most. Commits stay correct without the lock (every write is conditional, see
// docs/aws.md); it keeps two schedules from doing the same work twice.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"
#include "ghtraffic/store/dynamodb/table_api.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"

namespace ghtraffic::store::dynamodb {

namespace {

constexpr auto k_lease = std::chrono::minutes(10);
constexpr auto k_renew_every = std::chrono::minutes(2);

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string holder_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) {
    host[0] = '\0';
  }
  return fmt::format("{} pid {}", host[0] != '\0' ? host : "unknown host", ::getpid());
}

class DynamoCollectLock final : public CollectLock {
 public:
  DynamoCollectLock(std::unique_ptr<TableApi> api, std::string table, std::string holder)
      : m_api(std::move(api)), m_table(std::move(table)), m_holder(std::move(holder)) {
    m_heartbeat = std::thread([this] { renew_until_released(); });
  }
  DynamoCollectLock(const DynamoCollectLock&) = delete;
  DynamoCollectLock& operator=(const DynamoCollectLock&) = delete;

  ~DynamoCollectLock() override {
    {
      std::lock_guard lock(m_mutex);
      m_released = true;
    }
    m_wake.notify_all();
    m_heartbeat.join();
    auto result =
        m_api->try_call("DeleteItem", {{"TableName", m_table},
                                       {"Key", key("LOCK", "collect")},
                                       {"ConditionExpression", "holder = :h"},
                                       {"ExpressionAttributeValues", {{":h", attr_s(m_holder)}}}});
    if (!result && !is_condition_failure(result.error())) {
      util::log_error(
          "could not release the collection lock of {} ({}); it expires by itself "
          "within {} minutes",
          m_api->describe(), result.error().message,
          std::chrono::duration_cast<std::chrono::minutes>(k_lease).count());
    }
  }

 private:
  void renew_until_released() {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, k_renew_every, [this] { return m_released; })) {
      auto expires = epoch_seconds(std::chrono::system_clock::now() + k_lease);
      auto result = m_api->try_call(
          "UpdateItem",
          {{"TableName", m_table},
           {"Key", key("LOCK", "collect")},
           {"UpdateExpression", "SET expires = :e"},
           {"ConditionExpression", "holder = :h"},
           {"ExpressionAttributeValues", {{":h", attr_s(m_holder)}, {":e", attr_n(expires)}}}});
      if (!result) {
        util::log_error("could not renew the collection lock of {}: {}", m_api->describe(),
                        result.error().message);
      }
    }
  }

  std::unique_ptr<TableApi> m_api;
  std::string m_table;
  std::string m_holder;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_released = false;
  std::thread m_heartbeat;
};

}  // namespace

std::unique_ptr<CollectLock> lock_dynamodb_store(const std::string& location_text,
                                                 std::shared_ptr<net::HttpTransport> transport) {
  auto location = parse_location(location_text);
  auto api = open_table_api(location, std::move(transport));
  const auto table = location.table_prefix + "-data";
  api->ensure_table(table, true);
  const auto holder = holder_name();
  const auto now = std::chrono::system_clock::now();
  Json item = key("LOCK", "collect");
  item["holder"] = attr_s(holder);
  item["expires"] = attr_n(epoch_seconds(now + k_lease));
  item["ttl"] = attr_n(epoch_seconds(now + k_lease));  // for a table with TTL on "ttl"
  auto taken = api->try_call(
      "PutItem", {{"TableName", table},
                  {"Item", item},
                  {"ConditionExpression", "attribute_not_exists(pk) OR expires < :now"},
                  {"ExpressionAttributeValues", {{":now", attr_n(epoch_seconds(now))}}}});
  if (!taken) {
    if (!is_condition_failure(taken.error())) {
      throw util::Error("could not take the collection lock of {}: {}", api->describe(),
                        taken.error().message);
    }
    auto current = api->call("GetItem", {{"TableName", table}, {"Key", key("LOCK", "collect")}},
                             "read the collection lock");
    auto who = get_s(current.value("Item", Json::object()), "holder").value_or("unknown holder");
    throw util::Error(fmt::format("another ghtraffic collect ({}) is running on {}; wait for it "
                                  "to finish",
                                  who, api->describe()),
                      static_cast<int>(util::k_exit_busy));
  }
  return std::make_unique<DynamoCollectLock>(std::move(api), table, holder);
}

}  // namespace ghtraffic::store::dynamodb
