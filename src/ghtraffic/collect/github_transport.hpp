// The HTTP transport of every command's GitHub client: libcurl, with one debug line per
// request (`-vv`): method, URL, status, time taken and the rate limit left.
#pragma once

#include <memory>

#include "ghtraffic/net/transport.hpp"

namespace ghtraffic::collect {

std::unique_ptr<net::HttpTransport> make_github_transport();

}  // namespace ghtraffic::collect
