// A request the API cannot answer: a bad parameter (400), an unknown repository (404).
// The message is for the person who wrote the request and names what was wrong.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace ghtraffic::web {

class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message)
      : std::runtime_error(message), m_status(status) {}

  int status() const { return m_status; }

 private:
  int m_status;
};

}  // namespace ghtraffic::web
