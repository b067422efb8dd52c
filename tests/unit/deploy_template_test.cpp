// deploy/aws/template.yaml grants exactly what the code calls: every DynamoDB operation
// the store sends, the S3 calls of the export sink, GetParameter for the token, on the
// template's own tables, bucket prefix and parameter, and nothing else. The template is
// read with a small reader for the block-style YAML subset it is written in (mappings,
// sequences, scalars, and the CloudFormation tags !Ref, !Sub, !GetAtt as tagged scalars).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Node {
  enum class Kind { scalar, map, seq };
  Kind kind = Kind::scalar;
  std::string tag;  // "!Ref", "!Sub", "!GetAtt" or empty
  std::string value;
  std::vector<std::pair<std::string, Node>> entries;
  std::vector<Node> items;

  const Node& operator[](const std::string& key) const {
    for (const auto& [k, v] : entries) {
      if (k == key) {
        return v;
      }
    }
    throw std::runtime_error("no key " + key);
  }
  bool has(const std::string& key) const {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const auto& e) { return e.first == key; });
  }
  // A scalar, or each scalar of a sequence.
  std::vector<const Node*> scalars() const {
    std::vector<const Node*> out;
    if (kind == Kind::scalar) {
      out.push_back(this);
    }
    for (const auto& item : items) {
      out.push_back(&item);
    }
    return out;
  }
  std::string text() const { return tag.empty() ? value : tag + " " + value; }
};

struct Line {
  int indent = 0;
  std::string text;
  int number = 0;
};

std::string strip_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
      return line.substr(0, i);
    }
  }
  return line;
}

class MiniYaml {
 public:
  explicit MiniYaml(const std::string& text) {
    std::istringstream in(text);
    std::string raw;
    int number = 0;
    while (std::getline(in, raw)) {
      ++number;
      if (raw.find('\t') != std::string::npos) {
        throw std::runtime_error("tab on line " + std::to_string(number));
      }
      auto line = strip_comment(raw);
      line.erase(line.find_last_not_of(' ') + 1);
      auto first = line.find_first_not_of(' ');
      if (first == std::string::npos) {
        continue;
      }
      m_lines.push_back({static_cast<int>(first), line.substr(first), number});
    }
  }

  Node parse() {
    size_t i = 0;
    auto root = block(i, 0);
    if (i != m_lines.size()) {
      fail(i, "unexpected indentation");
    }
    return root;
  }

 private:
  [[noreturn]] void fail(size_t i, const std::string& what) const {
    throw std::runtime_error("template line " + std::to_string(m_lines[i].number) + ": " + what);
  }

  static bool is_item(const std::string& text) { return text == "-" || text.starts_with("- "); }

  // "key: value" or "key:"; nullopt for anything else (a scalar).
  static std::optional<std::pair<std::string, std::string>> split_key(const std::string& text) {
    static const std::regex key_re(R"(^([A-Za-z0-9_.:/\-]+?):(?: +(.*))?$)");
    std::smatch m;
    if (!std::regex_match(text, m, key_re)) {
      return std::nullopt;
    }
    return std::pair<std::string, std::string>{m[1], m[2]};
  }

  static Node scalar(std::string text) {
    Node node;
    if (text.starts_with('!')) {
      auto space = text.find(' ');
      node.tag = text.substr(0, space);
      text = space == std::string::npos ? "" : text.substr(space + 1);
    }
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
        text.back() == text.front()) {
      char quote = text.front();
      std::string out;
      for (size_t i = 1; i + 1 < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\' && i + 2 < text.size()) {
          out += text[++i];
        } else {
          out += text[i];
        }
      }
      text = out;
    } else if (text.starts_with('[') || text.starts_with('{') || text.starts_with('|') ||
               text.starts_with('>')) {
      throw std::runtime_error("flow or block scalars are not in the subset: " + text);
    }
    node.value = text;
    return node;
  }

  Node block(size_t& i, int indent) {
    if (i >= m_lines.size() || m_lines[i].indent < indent) {
      return scalar("");
    }
    indent = m_lines[i].indent;
    Node node;
    if (is_item(m_lines[i].text)) {
      node.kind = Node::Kind::seq;
      while (i < m_lines.size() && m_lines[i].indent == indent && is_item(m_lines[i].text)) {
        auto rest = m_lines[i].text.size() > 2 ? m_lines[i].text.substr(2) : "";
        if (rest.empty()) {
          ++i;
          node.items.push_back(block(i, indent + 1));
        } else if (split_key(rest)) {
          // "- key: value" starts a mapping two columns in.
          m_lines[i].indent = indent + 2;
          m_lines[i].text = rest;
          node.items.push_back(block(i, indent + 2));
        } else {
          node.items.push_back(scalar(rest));
          ++i;
        }
      }
      return node;
    }
    node.kind = Node::Kind::map;
    while (i < m_lines.size() && m_lines[i].indent == indent && !is_item(m_lines[i].text)) {
      auto kv = split_key(m_lines[i].text);
      if (!kv) {
        fail(i, "expected key: value");
      }
      ++i;
      if (!kv->second.empty()) {
        node.entries.emplace_back(kv->first, scalar(kv->second));
      } else if (i < m_lines.size() &&
                 (m_lines[i].indent > indent ||
                  (m_lines[i].indent == indent && is_item(m_lines[i].text)))) {
        node.entries.emplace_back(kv->first, block(i, m_lines[i].indent));
      } else {
        node.entries.emplace_back(kv->first, scalar(""));
      }
    }
    if (i < m_lines.size() && m_lines[i].indent > indent) {
      fail(i, "unexpected indentation");
    }
    return node;
  }

  std::vector<Line> m_lines;
};

std::string read(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path k_source = GHTRAFFIC_SOURCE_DIR;

Node load_template() {
  return MiniYaml(read(k_source / "deploy/aws/template.yaml")).parse();
}

// Every string literal passed as the operation of call()/try_call() in these files.
std::set<std::string> operations_called(const std::vector<fs::path>& files) {
  static const std::regex call_re(R"((?:try_)?call\(\s*"([A-Za-z]+)\")");
  std::set<std::string> out;
  for (const auto& file : files) {
    auto text = read(file);
    for (std::sregex_iterator it(text.begin(), text.end(), call_re), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

std::vector<fs::path> sources_under(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(k_source / folder)) {
    if (entry.path().extension() == ".cpp") {
      out.push_back(entry.path());
    }
  }
  return out;
}

// The DynamoDB operations the store sends. CreateTable is the one left out of the role:
// the template creates both tables, and the store creates only tables that are missing.
const std::set<std::string> k_dynamodb_operations = {"BatchWriteItem", "CreateTable", "DeleteItem",
                                                     "DescribeTable",  "GetItem",     "PutItem",
                                                     "Query",          "UpdateItem"};
const std::set<std::string> k_dynamodb_not_granted = {"CreateTable"};

// S3Client methods the export sink may call, and the IAM action each needs.
const std::map<std::string, std::string> k_s3_actions = {{"put_object", "s3:PutObject"},
                                                         {"get_object", "s3:GetObject"},
                                                         {"head_object", "s3:GetObject"},
                                                         {"list_objects", "s3:ListBucket"},
                                                         {"create_bucket", "s3:CreateBucket"}};

struct Statement {
  std::set<std::string> actions;
  std::vector<std::string> resources;  // tag and value, "!GetAtt DataTable.Arn"
  const Node* node = nullptr;
};

std::vector<Statement> role_statements(const Node& doc) {
  std::vector<Statement> out;
  const auto& role = doc["Resources"]["FunctionRole"];
  EXPECT_EQ(role["Type"].value, "AWS::IAM::Role");
  for (const auto& policy : role["Properties"]["Policies"].items) {
    for (const auto& statement : policy["PolicyDocument"]["Statement"].items) {
      Statement s;
      s.node = &statement;
      EXPECT_EQ(statement["Effect"].value, "Allow");
      EXPECT_FALSE(statement.has("NotAction"));
      EXPECT_FALSE(statement.has("NotResource"));
      for (const auto* a : statement["Action"].scalars()) {
        s.actions.insert(a->value);
      }
      for (const auto* r : statement["Resource"].scalars()) {
        s.resources.push_back(r->text());
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::set<std::string> granted(const std::vector<Statement>& statements,
                              const std::string& service) {
  std::set<std::string> out;
  for (const auto& s : statements) {
    for (const auto& a : s.actions) {
      if (a.starts_with(service + ":")) {
        out.insert(a);
      }
    }
  }
  return out;
}

std::vector<std::string> resources_of(const std::vector<Statement>& statements,
                                      const std::string& service) {
  std::vector<std::string> out;
  for (const auto& s : statements) {
    if (std::any_of(s.actions.begin(), s.actions.end(),
                    [&](const std::string& a) { return a.starts_with(service + ":"); })) {
      EXPECT_TRUE(std::all_of(s.actions.begin(), s.actions.end(), [&](const std::string& a) {
        return a.starts_with(service + ":");
      })) << "one statement per service";
      out.insert(out.end(), s.resources.begin(), s.resources.end());
    }
  }
  return out;
}

TEST(deploy_template, reader_handles_the_subset) {
  auto doc = MiniYaml(
                 "a: 1  # comment\n"
                 "b:\n"
                 "  - x\n"
                 "  - k: !Sub \"s3://${B}/p # not a comment\"\n"
                 "    j: !GetAtt T.Arn\n"
                 "c:\n"
                 "- y\n"
                 "d: 'q'\n")
                 .parse();
  EXPECT_EQ(doc["a"].value, "1");
  ASSERT_EQ(doc["b"].items.size(), 2u);
  EXPECT_EQ(doc["b"].items[0].value, "x");
  EXPECT_EQ(doc["b"].items[1]["k"].tag, "!Sub");
  EXPECT_EQ(doc["b"].items[1]["k"].value, "s3://${B}/p # not a comment");
  EXPECT_EQ(doc["b"].items[1]["j"].text(), "!GetAtt T.Arn");
  EXPECT_EQ(doc["c"].items[0].value, "y");
  EXPECT_EQ(doc["d"].value, "q");
  EXPECT_THROW(MiniYaml("a: [1, 2]\n").parse(), std::runtime_error);
}

TEST(deploy_template, the_code_calls_the_dynamodb_operations_this_test_knows) {
  EXPECT_EQ(operations_called(sources_under("src/ghtraffic/store/dynamodb")), k_dynamodb_operations)
      << "update k_dynamodb_operations and the role in deploy/aws/template.yaml";
}

TEST(deploy_template, grants_exactly_the_dynamodb_operations_on_the_two_tables) {
  auto doc = load_template();
  auto statements = role_statements(doc);
  std::set<std::string> expected;
  for (const auto& op : operations_called(sources_under("src/ghtraffic/store/dynamodb"))) {
    if (!k_dynamodb_not_granted.contains(op)) {
      expected.insert("dynamodb:" + op);
    }
  }
  EXPECT_EQ(granted(statements, "dynamodb"), expected);
  auto resources = resources_of(statements, "dynamodb");
  std::sort(resources.begin(), resources.end());
  EXPECT_EQ(resources,
            (std::vector<std::string>{"!GetAtt CacheTable.Arn", "!GetAtt DataTable.Arn"}));

  // The tables the store opens: PREFIX-data and PREFIX-cache, pk/sk strings, on demand.
  auto store_source = read(k_source / "src/ghtraffic/store/dynamodb/dynamodb_store.cpp");
  for (const auto& [resource, suffix] : std::vector<std::pair<std::string, std::string>>{
           {"DataTable", "-data"}, {"CacheTable", "-cache"}}) {
    EXPECT_NE(store_source.find("\"" + suffix + "\""), std::string::npos) << suffix;
    const auto& table = doc["Resources"][resource];
    EXPECT_EQ(table["Type"].value, "AWS::DynamoDB::Table");
    EXPECT_EQ(table["DeletionPolicy"].value, "Retain");
    const auto& props = table["Properties"];
    EXPECT_EQ(props["TableName"].text(), "!Sub ${TablePrefix}" + suffix);
    EXPECT_EQ(props["BillingMode"].value, "PAY_PER_REQUEST");
    ASSERT_EQ(props["KeySchema"].items.size(), 2u);
    EXPECT_EQ(props["KeySchema"].items[0]["AttributeName"].value, "pk");
    EXPECT_EQ(props["KeySchema"].items[0]["KeyType"].value, "HASH");
    EXPECT_EQ(props["KeySchema"].items[1]["AttributeName"].value, "sk");
    EXPECT_EQ(props["KeySchema"].items[1]["KeyType"].value, "RANGE");
    for (const auto& attribute : props["AttributeDefinitions"].items) {
      EXPECT_EQ(attribute["AttributeType"].value, "S");
    }
  }
  // The collection lease carries a "ttl" attribute.
  EXPECT_NE(read(k_source / "src/ghtraffic/store/dynamodb/collect_lock.cpp").find("\"ttl\""),
            std::string::npos);
  EXPECT_EQ(
      doc["Resources"]["DataTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"].value,
      "ttl");
}

TEST(deploy_template, grants_exactly_the_s3_calls_of_the_export_on_its_prefix) {
  auto doc = load_template();
  auto statements = role_statements(doc);
  auto sink = read(k_source / "src/ghtraffic/export/s3_sink.cpp");
  std::set<std::string> expected;
  static const std::regex method_re(
      R"(\b(put_object|get_object|head_object|list_objects|create_bucket)\()");
  for (std::sregex_iterator it(sink.begin(), sink.end(), method_re), end; it != end; ++it) {
    expected.insert(k_s3_actions.at((*it)[1]));
  }
  EXPECT_EQ(expected, (std::set<std::string>{"s3:PutObject"}));
  EXPECT_EQ(granted(statements, "s3"), expected);
  EXPECT_EQ(resources_of(statements, "s3"),
            (std::vector<std::string>{
                "!Sub arn:${AWS::Partition}:s3:::${ExportBucket}/${ExportPrefix}/*"}));

  const auto& bucket = doc["Resources"]["ExportBucket"];
  EXPECT_EQ(bucket["Type"].value, "AWS::S3::Bucket");
  const auto& props = bucket["Properties"];
  for (const auto* key :
       {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"}) {
    EXPECT_EQ(props["PublicAccessBlockConfiguration"][key].value, "true") << key;
  }
  EXPECT_EQ(props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                .items.at(0)["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
                .value,
            "AES256");
  EXPECT_EQ(props["VersioningConfiguration"]["Status"].value, "Enabled");
  EXPECT_EQ(props["LifecycleConfiguration"]["Rules"]
                .items.at(0)["NoncurrentVersionExpiration"]["NoncurrentDays"]
                .text(),
            "!Ref ReplacedExportDays");
}

TEST(deploy_template, grants_get_parameter_on_the_token_and_decrypt_only_through_ssm) {
  auto doc = load_template();
  auto statements = role_statements(doc);
  auto ssm_ops = operations_called({k_source / "src/ghtraffic/aws/ssm.cpp"});
  EXPECT_EQ(ssm_ops, (std::set<std::string>{"GetParameter"}));
  EXPECT_EQ(granted(statements, "ssm"), (std::set<std::string>{"ssm:GetParameter"}));
  const std::string parameter_arn =
      "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${TokenParameterName}";
  EXPECT_EQ(resources_of(statements, "ssm"), (std::vector<std::string>{"!Sub " + parameter_arn}));
  EXPECT_EQ(doc["Parameters"]["TokenParameterName"]["AllowedPattern"].value.substr(0, 2), "^/")
      << "the ARN above needs the name to start with /";

  EXPECT_EQ(granted(statements, "kms"), (std::set<std::string>{"kms:Decrypt"}));
  for (const auto& s : statements) {
    if (s.actions.contains("kms:Decrypt")) {
      const auto& equals = (*s.node)["Condition"]["StringEquals"];
      EXPECT_EQ(equals["kms:ViaService"].text(), "!Sub ssm.${AWS::Region}.amazonaws.com");
      EXPECT_EQ(equals["kms:EncryptionContext:PARAMETER_ARN"].text(), "!Sub " + parameter_arn);
    }
  }
}

TEST(deploy_template, grants_nothing_else_and_no_wildcards) {
  auto doc = load_template();
  auto statements = role_statements(doc);
  std::set<std::string> services;
  for (const auto& s : statements) {
    for (const auto& a : s.actions) {
      services.insert(a.substr(0, a.find(':')));
      EXPECT_EQ(a.find('*'), std::string::npos) << a;
    }
    for (const auto& r : s.resources) {
      // Objects under the export prefix, and the SSM key whose id is not known in advance
      // (its use is limited to SSM and to this parameter by the statement's condition).
      bool allowed = r.ends_with("${ExportBucket}/${ExportPrefix}/*") ||
                     (r.ends_with(":key/*") && s.actions == std::set<std::string>{"kms:Decrypt"} &&
                      s.node->has("Condition"));
      if (!allowed) {
        EXPECT_EQ(r.find('*'), std::string::npos) << r;
      }
    }
  }
  EXPECT_EQ(services, (std::set<std::string>{"dynamodb", "kms", "logs", "s3", "ssm"}));
  EXPECT_EQ(granted(statements, "logs"),
            (std::set<std::string>{"logs:CreateLogStream", "logs:PutLogEvents"}));
  EXPECT_EQ(resources_of(statements, "logs"),
            (std::vector<std::string>{"!GetAtt FunctionLogGroup.Arn"}));
  EXPECT_FALSE(doc["Resources"]["CollectorFunction"]["Properties"].has("Policies"))
      << "the role above is the function's only source of permissions";
}

TEST(deploy_template, describes_the_function_schedule_and_log) {
  auto doc = load_template();
  EXPECT_EQ(doc["Transform"].value, "AWS::Serverless-2016-10-31");
  const auto& fn = doc["Resources"]["CollectorFunction"];
  EXPECT_EQ(fn["Type"].value, "AWS::Serverless::Function");
  const auto& props = fn["Properties"];
  EXPECT_EQ(props["Runtime"].value, "provided.al2023");
  EXPECT_EQ(props["Handler"].value, "bootstrap");
  EXPECT_EQ(props["CodeUri"].value, "ghtraffic-lambda.zip");
  EXPECT_EQ(props["Timeout"].value, "900");
  EXPECT_EQ(props["MemorySize"].value, "512");
  EXPECT_EQ(props["Role"].text(), "!GetAtt FunctionRole.Arn");
  EXPECT_EQ(props["Architectures"].items.at(0).text(), "!Ref Architecture");
  EXPECT_EQ(doc["Parameters"]["Architecture"]["Default"].value, "x86_64");

  const auto& events = props["Events"];
  ASSERT_EQ(events.entries.size(), 1u);
  EXPECT_EQ(events.entries[0].second["Type"].value, "Schedule");
  EXPECT_EQ(events.entries[0].second["Properties"]["Schedule"].text(), "!Ref ScheduleExpression");
  EXPECT_EQ(doc["Parameters"]["ScheduleExpression"]["Default"].value, "rate(1 day)");

  const auto& env = props["Environment"]["Variables"];
  EXPECT_EQ(env["GHTRAFFIC_STORE"].text(), "!Sub dynamodb:${TablePrefix}?region=${AWS::Region}");
  EXPECT_EQ(env["GHTRAFFIC_EXPORT_URL"].text(), "!Sub s3://${ExportBucket}/${ExportPrefix}");
  EXPECT_EQ(env["GHTRAFFIC_TOKEN_SSM_PARAMETER"].text(), "!Ref TokenParameterName");
  EXPECT_EQ(env["GHTRAFFIC_REPOS"].text(), "!Ref Repositories");
  EXPECT_EQ(env["GHTRAFFIC_OWNERS"].text(), "!Ref Owners");
  EXPECT_EQ(env["GITHUB_API_URL"].text(), "!Ref GitHubApiUrl");
  // Every variable the function reads is one `ghtraffic lambda` knows.
  auto command = read(k_source / "src/ghtraffic/cli/lambda_command.cpp") +
                 read(k_source / "src/ghtraffic/cli/common.cpp") +
                 read(k_source / "src/ghtraffic/collect/config.cpp") +
                 read(k_source / "src/ghtraffic/collect/settings.cpp") +
                 read(k_source / "src/ghtraffic/github/urls.cpp");
  for (const auto& [name, value] : env.entries) {
    EXPECT_NE(command.find("\"" + name + "\""), std::string::npos) << name;
  }

  EXPECT_EQ(props["LoggingConfig"]["LogGroup"].text(), "!Ref FunctionLogGroup");
  const auto& log = doc["Resources"]["FunctionLogGroup"];
  EXPECT_EQ(log["Type"].value, "AWS::Logs::LogGroup");
  EXPECT_EQ(log["Properties"]["RetentionInDays"].text(), "!Ref LogRetentionDays");
  EXPECT_EQ(doc["Parameters"]["LogRetentionDays"]["Default"].value, "30");
}

}  // namespace
