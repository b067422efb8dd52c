#include <gtest/gtest.h>

#include "ghtraffic/net/transport.hpp"
#include "support/local_aws.hpp"

namespace ghtraffic::testing {
namespace {

TEST(local_aws, s3rver_answers_on_a_loopback_port) {
  auto server = LocalAwsServer::s3rver();
  EXPECT_TRUE(server.endpoint().starts_with("http://127.0.0.1:"));
  auto transport = net::make_curl_transport();
  net::HttpRequest request;
  request.url = server.endpoint() + "/";
  auto response = transport->send(request);
  ASSERT_TRUE(response.ok()) << response.error_message;
  EXPECT_GT(response.status, 0);
}

TEST(local_aws, dynalite_answers_on_a_loopback_port) {
  auto server = LocalAwsServer::dynalite();
  auto transport = net::make_curl_transport();
  net::HttpRequest request;
  request.url = server.endpoint() + "/";
  auto response = transport->send(request);
  ASSERT_TRUE(response.ok()) << response.error_message;
  EXPECT_GT(response.status, 0);
}

TEST(local_aws, a_stopped_server_refuses_connections) {
  auto server = LocalAwsServer::s3rver();
  auto endpoint = server.endpoint();
  server.stop();
  auto transport = net::make_curl_transport();
  net::HttpRequest request;
  request.url = endpoint + "/";
  auto response = transport->send(request);
  EXPECT_FALSE(response.ok());
}

}  // namespace
}  // namespace ghtraffic::testing
