// A collection's Summary as JSON: what `ghtraffic collect --json` prints and what the
// Lambda function answers with. The field names are a contract.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ghtraffic/collect/job.hpp"

namespace ghtraffic::collect {

// Not scrubbed: callers scrub the serialized text before it leaves the process.
nlohmann::json summary_to_json(const Summary& summary, const std::string& store_description);

}  // namespace ghtraffic::collect
