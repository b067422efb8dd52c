#include "ghtraffic/aws/ssm.hpp"

#include <fmt/format.h>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws {

JsonServiceClient::Config ssm_config_from_environment(const std::optional<std::string>& region) {
  JsonServiceClient::Config config;
  config.service = "ssm";
  config.target_prefix = "AmazonSSM";
  config.content_type = "application/x-amz-json-1.1";
  config.region = resolve_region(region);
  config.endpoint = resolve_endpoint("ssm", config.region);
  config.credentials = load_credentials();
  return config;
}

Result<std::string> get_parameter(JsonServiceClient& client, const std::string& name,
                                  bool with_decryption) {
  auto answer = client.call("GetParameter", {{"Name", name}, {"WithDecryption", with_decryption}});
  if (!answer) {
    auto error = answer.error();
    const auto& region = client.config().region;
    if (error.code == "ParameterNotFound") {
      error.message = fmt::format(
          "SSM parameter \"{}\" was not found in region {}; check its name (a path starts "
          "with '/') and the region (AWS_REGION)",
          name, region);
    } else if (error.code == "AccessDeniedException" &&
               util::to_lower(error.message).find("kms") != std::string::npos) {
      error.message += fmt::format(
          "; SSM parameter \"{}\" is a SecureString: the IAM identity also needs kms:Decrypt "
          "on the KMS key that encrypts it",
          name);
    } else if (error.code == "AccessDeniedException") {
      error.message += fmt::format(
          "; reading SSM parameter \"{}\" needs ssm:GetParameter on it, and kms:Decrypt on its "
          "KMS key when it is a SecureString",
          name);
    } else if (error.code.starts_with("KMS") || error.code == "InvalidKeyId") {
      error.message += fmt::format(
          "; SSM could not decrypt parameter \"{}\": check its KMS key and that the IAM "
          "identity has kms:Decrypt on it",
          name);
    }
    error.message = util::scrub(error.message);
    return std::unexpected(std::move(error));
  }
  const auto& parameter = (*answer)["Parameter"];
  if (!parameter.is_object() || !parameter.contains("Value") || !parameter["Value"].is_string()) {
    return std::unexpected(AwsError{200, "MalformedResponse",
                                    fmt::format("SSM GetParameter of \"{}\" answered without a "
                                                "Parameter.Value",
                                                name),
                                    false});
  }
  auto value = parameter["Value"].get<std::string>();
  util::register_secret(value);
  return value;
}

std::string read_parameter_from_environment(const std::string& name) {
  auto transport = net::make_curl_transport();
  JsonServiceClient client(ssm_config_from_environment(), *transport);
  auto value = get_parameter(client, name);
  if (!value) {
    throw util::Error(value.error().message);
  }
  return *value;
}

}  // namespace ghtraffic::aws
