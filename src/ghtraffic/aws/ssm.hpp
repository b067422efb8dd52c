// SSM Parameter Store reads, for the GitHub token: GetParameter over the JSON protocol,
// decrypting SecureString parameters. Errors name the parameter and the permission that
// is missing (ssm:GetParameter, kms:Decrypt).
#pragma once

#include <optional>
#include <string>

#include "ghtraffic/aws/client.hpp"

namespace ghtraffic::aws {

// service "ssm", target prefix "AmazonSSM", application/x-amz-json-1.1, with credentials,
// region and endpoint from the environment.
JsonServiceClient::Config ssm_config_from_environment(
    const std::optional<std::string>& region = {});

// The parameter's value; it is registered as a secret before it is returned.
Result<std::string> get_parameter(JsonServiceClient& client, const std::string& name,
                                  bool with_decryption = true);

// get_parameter over libcurl with everything from the environment; a failure is a
// util::Error with the message for a person.
std::string read_parameter_from_environment(const std::string& name);

}  // namespace ghtraffic::aws
