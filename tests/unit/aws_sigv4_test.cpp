#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ghtraffic/aws/sigv4.hpp"
#include "ghtraffic/util/date.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

fs::path vectors_dir() {
  fs::path shared = GHTRAFFIC_SHARED_DIR;
  for (const auto& candidate : {shared / "testdata" / "aws-sigv4", shared / "aws-sigv4"}) {
    if (fs::is_directory(candidate)) {
      return candidate;
    }
  }
  return shared / "testdata" / "aws-sigv4";
}

struct ParsedRequest {
  SignableRequest request;
  std::string target;  // "/?a=b" as in the request line
  std::string body;
};

// request.txt: "METHOD TARGET HTTP/1.1", "Name:value" lines, then a blank line and the body.
ParsedRequest parse_request(const std::string& text) {
  ParsedRequest parsed;
  auto head_end = text.find("\n\n");
  std::string head = head_end == std::string::npos ? text : text.substr(0, head_end);
  if (head_end != std::string::npos) {
    parsed.body = text.substr(head_end + 2);
  }
  auto lines = util::split(head, '\n');
  auto request_line = util::split(lines.at(0), ' ');
  parsed.request.method = request_line.at(0);
  parsed.target = request_line.at(1);
  auto question = parsed.target.find('?');
  parsed.request.path = parsed.target.substr(0, question);
  if (question != std::string::npos) {
    for (const auto& pair : util::split(parsed.target.substr(question + 1), '&')) {
      auto eq = pair.find('=');
      parsed.request.query.emplace_back(
          uri_decode(pair.substr(0, eq)),
          eq == std::string::npos ? "" : uri_decode(pair.substr(eq + 1)));
    }
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      continue;
    }
    auto colon = lines[i].find(':');
    parsed.request.headers.emplace_back(lines[i].substr(0, colon), lines[i].substr(colon + 1));
  }
  return parsed;
}

SigningParams params_from(const nlohmann::json& context) {
  SigningParams params;
  const auto& creds = context.at("credentials");
  params.credentials.access_key_id = creds.at("access_key_id").get<std::string>();
  params.credentials.secret_access_key = creds.at("secret_access_key").get<std::string>();
  params.credentials.session_token = creds.value("token", "");
  params.region = context.at("region").get<std::string>();
  params.service = context.at("service").get<std::string>();
  params.time = *util::parse_iso8601(context.at("timestamp").get<std::string>());
  params.payload =
      context.value("sign_body", false) ? PayloadSigning::hash_header : PayloadSigning::hash_only;
  return params;
}

std::string render_signed_request(const ParsedRequest& parsed, const SigningResult& result) {
  std::string out = parsed.request.method + " " + parsed.target + " HTTP/1.1\n";
  for (const auto& [name, value] : parsed.request.headers) {
    out += name + ":" + value + "\n";
  }
  for (const auto& [name, value] : result.added_headers) {
    out += name + ":" + value + "\n";
  }
  out += "\n";
  out += parsed.body;
  return out;
}

TEST(aws_sigv4, reproduces_every_header_file_of_the_shared_test_vectors) {
  auto dir = vectors_dir();
  ASSERT_TRUE(fs::is_directory(dir)) << "missing SigV4 test vectors at " << dir;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory()) {
      continue;
    }
    SCOPED_TRACE(entry.path().filename().string());
    auto parsed = parse_request(read_file(entry.path() / "request.txt"));
    parsed.request.body = parsed.body;
    auto context = nlohmann::json::parse(read_file(entry.path() / "context.json"));
    auto result = sign(parsed.request, params_from(context));
    EXPECT_EQ(result.canonical_request, read_file(entry.path() / "header-canonical-request.txt"));
    EXPECT_EQ(result.string_to_sign, read_file(entry.path() / "header-string-to-sign.txt"));
    EXPECT_EQ(result.signature, read_file(entry.path() / "header-signature.txt"));
    EXPECT_EQ(render_signed_request(parsed, result),
              read_file(entry.path() / "header-signed-request.txt"));
    ++cases;
  }
  EXPECT_GE(cases, 6);
}

SigningParams s3_example_params() {
  SigningParams params;
  params.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  params.region = "us-east-1";
  params.service = "s3";
  params.time = *util::parse_iso8601("2013-05-24T00:00:00Z");
  params.payload = PayloadSigning::hash_header;
  params.s3_path = true;
  return params;
}

// The GET Object example of the S3 SigV4 documentation.
TEST(aws_sigv4, signs_the_s3_documentation_get_object_example) {
  SignableRequest request;
  request.path = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  auto result = sign(request, s3_example_params());
  EXPECT_EQ(
      result.canonical_request,
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(result.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// The PUT Object example: a key with '$', encoded once.
TEST(aws_sigv4, signs_the_s3_documentation_put_object_example_with_a_dollar_in_the_key) {
  SignableRequest request;
  request.method = "PUT";
  request.path = "/" + uri_encode("test$file.text", true);
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  request.body = "Welcome to Amazon S3.";
  auto result = sign(request, s3_example_params());
  EXPECT_TRUE(result.canonical_request.starts_with("PUT\n/test%24file.text\n\n"));
  EXPECT_EQ(result.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(aws_sigv4, encodes_s3_keys_once_keeping_slashes) {
  EXPECT_EQ(uri_encode("a b+c$d/é.csv", true), "a%20b%2Bc%24d/%C3%A9.csv");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(uri_decode("a%20b%2Bc%24d/%C3%A9.csv"), "a b+c$d/é.csv");
  EXPECT_EQ(uri_decode("100%"), "100%");
}

TEST(aws_sigv4, s3_paths_are_signed_as_sent_and_other_services_paths_are_normalized) {
  SignableRequest request;
  request.path = "/bucket/" + uri_encode("dir//a b+é.csv", true);
  request.headers = {{"Host", "h"}};
  auto params = s3_example_params();
  auto s3 = sign(request, params);
  EXPECT_TRUE(s3.canonical_request.starts_with("GET\n/bucket/dir//a%20b%2B%C3%A9.csv\n"))
      << s3.canonical_request;

  params.s3_path = false;
  params.payload = PayloadSigning::hash_only;
  auto other = sign(request, params);
  EXPECT_TRUE(other.canonical_request.starts_with("GET\n/bucket/dir/a%2520b%252B%25C3%25A9.csv\n"))
      << other.canonical_request;

  request.path = "/a/./b/../c/";
  EXPECT_TRUE(sign(request, params).canonical_request.starts_with("GET\n/a/c/\n"));
}

TEST(aws_sigv4, sorts_encoded_query_parameters) {
  SignableRequest request;
  request.headers = {{"Host", "h"}};
  request.query = {{"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "x+y="}};
  auto result = sign(request, s3_example_params());
  EXPECT_NE(
      result.canonical_request.find("\ncontinuation-token=x%2By%3D&list-type=2&prefix=a%20b%2Fc\n"),
      std::string::npos)
      << result.canonical_request;
  EXPECT_EQ(encode_query(request.query),
            "prefix=a%20b%2Fc&list-type=2&continuation-token=x%2By%3D");
}

TEST(aws_sigv4, adds_the_session_token_and_signs_it) {
  SignableRequest request;
  request.headers = {{"Host", "h"}};
  auto params = s3_example_params();
  params.credentials.session_token = "SESSION";
  auto result = sign(request, params);
  ASSERT_EQ(result.added_headers.front().first, "X-Amz-Security-Token");
  EXPECT_EQ(result.added_headers.front().second, "SESSION");
  EXPECT_NE(result.canonical_request.find("x-amz-security-token:SESSION\n"), std::string::npos);
  EXPECT_NE(result.added_headers.back().second.find(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos);
}

TEST(aws_sigv4, unsigned_payload_is_sent_and_signed_as_the_literal) {
  SignableRequest request;
  request.method = "PUT";
  request.headers = {{"Host", "h"}};
  request.body = "data";
  auto params = s3_example_params();
  params.payload = PayloadSigning::unsigned_payload;
  auto result = sign(request, params);
  EXPECT_TRUE(result.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(
      std::find(result.added_headers.begin(), result.added_headers.end(),
                std::pair<std::string, std::string>{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}),
      result.added_headers.end());
}

TEST(aws_sigv4, does_not_sign_headers_that_clients_and_proxies_change) {
  SignableRequest request;
  request.headers = {{"Host", "h"},
                     {"User-Agent", "ghtraffic"},
                     {"Expect", ""},
                     {"X-Multi", "a"},
                     {"x-multi", "  b   c "}};
  auto result = sign(request, s3_example_params());
  EXPECT_EQ(result.canonical_request.find("user-agent"), std::string::npos);
  EXPECT_NE(result.canonical_request.find("x-multi:a,b c\n"), std::string::npos);
}

}  // namespace
}  // namespace ghtraffic::aws
