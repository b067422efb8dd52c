// Helpers for the AWS unit tests: environment variables set for one test and restored.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace ghtraffic::testing {

class EnvGuard {
 public:
  EnvGuard() = default;
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    for (const auto& [name, value] : m_saved) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }
  // Clears every variable the AWS code reads, so the developer's own setup cannot leak in.
  void clear_aws() {
    for (const char* name :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
          "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
          "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SSM",
          "AWS_ENDPOINT_URL_DYNAMODB", "GHTRAFFIC_TOKEN_SSM_PARAMETER"}) {
      unset(name);
    }
  }

 private:
  void save(const std::string& name) {
    if (m_saved.contains(name)) {
      return;
    }
    const char* value = std::getenv(name.c_str());
    m_saved[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }

  std::map<std::string, std::optional<std::string>> m_saved;
};

}  // namespace ghtraffic::testing
