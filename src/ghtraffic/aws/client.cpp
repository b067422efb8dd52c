#include "ghtraffic/aws/client.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "ghtraffic/aws/request.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

fs::path home_file(const char* override_variable, const char* relative) {
  if (auto path = env(override_variable)) {
    return *path;
  }
  auto home = env("HOME");
  return fs::path(home ? *home : std::string(".")) / relative;
}

using IniSection = std::map<std::string, std::string>;

// The shared credentials and config files: "[section]" lines and "key = value" lines.
std::map<std::string, IniSection> read_ini(const fs::path& path) {
  std::map<std::string, IniSection> sections;
  std::ifstream in(path);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    auto text = util::trim(line);
    if (text.empty() || text.front() == '#' || text.front() == ';') {
      continue;
    }
    if (text.front() == '[' && text.back() == ']') {
      current = std::string(util::trim(text.substr(1, text.size() - 2)));
      sections[current];
      continue;
    }
    auto eq = text.find('=');
    if (eq == std::string_view::npos || current.empty()) {
      continue;
    }
    sections[current][util::to_lower(util::trim(text.substr(0, eq)))] =
        std::string(util::trim(text.substr(eq + 1)));
  }
  return sections;
}

// In the config file a profile's section is "[profile NAME]", except "[default]".
const IniSection* config_section(const std::map<std::string, IniSection>& config,
                                 const std::string& profile) {
  for (const auto& name : {"profile " + profile, profile}) {
    if (auto it = config.find(name); it != config.end()) {
      return &it->second;
    }
  }
  return nullptr;
}

std::string profile_name() {
  return env("AWS_PROFILE").value_or("default");
}

std::optional<Credentials> credentials_from(const IniSection& section) {
  auto id = section.find("aws_access_key_id");
  auto secret = section.find("aws_secret_access_key");
  if (id == section.end() || secret == section.end() || id->second.empty() ||
      secret->second.empty()) {
    return std::nullopt;
  }
  Credentials creds{id->second, secret->second, ""};
  if (auto token = section.find("aws_session_token"); token != section.end()) {
    creds.session_token = token->second;
  }
  return creds;
}

void register_credentials(const Credentials& creds) {
  util::register_secret(creds.access_key_id);
  util::register_secret(creds.secret_access_key);
  util::register_secret(creds.session_token);
}

std::string upper(std::string text) {
  for (auto& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

std::string strip_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

// The resource a JSON request is about, for messages: "table X", "parameter Y".
std::string resource_of(const nlohmann::json& body) {
  if (!body.is_object()) {
    return {};
  }
  if (auto it = body.find("TableName"); it != body.end() && it->is_string()) {
    return "table " + it->get<std::string>();
  }
  if (auto it = body.find("Name"); it != body.end() && it->is_string()) {
    return "parameter " + it->get<std::string>();
  }
  if (auto it = body.find("RequestItems"); it != body.end() && it->is_object()) {
    std::string names;
    for (const auto& [name, items] : it->items()) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return "tables " + names;
  }
  return {};
}

}  // namespace

Credentials load_credentials() {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id || secret) {
    if (!id || !secret) {
      throw util::Error(
          "{} is set but {} is not; set both, or neither to use the shared credentials file",
          id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
          id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    }
    Credentials creds{*id, *secret, env("AWS_SESSION_TOKEN").value_or("")};
    register_credentials(creds);
    return creds;
  }

  auto profile = profile_name();
  auto credentials_file = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  auto config_file = home_file("AWS_CONFIG_FILE", ".aws/config");
  auto shared = read_ini(credentials_file);
  if (auto it = shared.find(profile); it != shared.end()) {
    if (auto creds = credentials_from(it->second)) {
      register_credentials(*creds);
      return *creds;
    }
  }
  auto config = read_ini(config_file);
  if (const auto* section = config_section(config, profile)) {
    if (auto creds = credentials_from(*section)) {
      register_credentials(*creds);
      return *creds;
    }
  }
  throw util::Error(
      "no AWS credentials found: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, and "
      "neither {} nor {} has aws_access_key_id and aws_secret_access_key for profile \"{}\" "
      "(chosen by AWS_PROFILE). Set the variables, or run `aws configure`{}",
      credentials_file.string(), config_file.string(), profile,
      profile == "default" ? "" : " --profile " + profile);
}

std::string resolve_region(const std::optional<std::string>& explicit_region) {
  if (explicit_region && !explicit_region->empty()) {
    return *explicit_region;
  }
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto region = env(name)) {
      return *region;
    }
  }
  auto config = read_ini(home_file("AWS_CONFIG_FILE", ".aws/config"));
  if (const auto* section = config_section(config, profile_name())) {
    if (auto it = section->find("region"); it != section->end() && !it->second.empty()) {
      return it->second;
    }
  }
  throw util::Error(
      "no AWS region: set AWS_REGION (for example AWS_REGION=us-east-1), give ?region=R in "
      "the store URL, or set region in the AWS config file for the profile");
}

std::string endpoint_variable(const std::string& service) {
  return "AWS_ENDPOINT_URL_" + upper(service);
}

Endpoint resolve_endpoint(const std::string& service, const std::string& region) {
  if (auto url = env(endpoint_variable(service).c_str())) {
    return {strip_trailing_slashes(*url), true};
  }
  if (auto url = env("AWS_ENDPOINT_URL")) {
    return {strip_trailing_slashes(*url), true};
  }
  std::string suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return {fmt::format("https://{}.{}.{}", service, region, suffix), false};
}

JsonServiceClient::JsonServiceClient(Config config, net::HttpTransport& transport,
                                     util::Clock& clock)
    : m_config(std::move(config)), m_transport(transport), m_clock(clock) {
  register_credentials(m_config.credentials);
}

Result<nlohmann::json> JsonServiceClient::call(const std::string& operation,
                                               const nlohmann::json& body) {
  ServiceTarget target{m_config.service,     m_config.region,           m_config.endpoint.url,
                       m_config.credentials, PayloadSigning::hash_only, false};
  auto resource = resource_of(body);
  auto what = fmt::format("{} {}{}", service_title(m_config.service), operation,
                          resource.empty() ? "" : " on " + resource);
  ServiceRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", m_config.content_type},
                     {"X-Amz-Target", m_config.target_prefix + "." + operation}};
  request.body = body.dump();
  request.what = what;

  auto classify = [&](const net::HttpResponse& response) -> std::optional<AwsError> {
    if (response.status >= 200 && response.status < 300) {
      return std::nullopt;
    }
    AwsError error;
    error.status = response.status;
    std::string aws_message;
    auto parsed = nlohmann::json::parse(response.body, nullptr, false);
    if (parsed.is_object()) {
      auto type = parsed.value("__type", std::string());
      error.code = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
      for (const char* key : {"message", "Message"}) {
        if (auto it = parsed.find(key); it != parsed.end() && it->is_string()) {
          aws_message = it->get<std::string>();
        }
      }
    }
    if (error.code.empty()) {
      if (auto header = response.header("x-amzn-ErrorType")) {
        error.code = header->substr(0, header->find(':'));
      } else {
        error.code = fmt::format("HTTP{}", response.status);
      }
    }
    error.retryable =
        response.status >= 500 || response.status == 429 || is_throttling_code(error.code);
    auto action = fmt::format("{}:{}", m_config.service, operation);
    auto advice = advice_for(error.code, action, resource, m_config.region);
    error.message = fmt::format("{} failed: {}{}{}{}", what, error.code,
                                aws_message.empty() ? "" : ": " + aws_message,
                                advice.empty() ? "" : " — ", advice);
    return error;
  };

  auto response =
      send_with_retries(target, request, m_transport, m_clock, m_config.retry, classify);
  if (!response) {
    return std::unexpected(response.error());
  }
  if (response->body.empty()) {
    return nlohmann::json::object();
  }
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return std::unexpected(AwsError{response->status, "MalformedResponse",
                                    scrub_aws(what + " failed: the answer is not JSON"), false});
  }
  return parsed;
}

}  // namespace ghtraffic::aws
