// Where exported files go. A Sink receives whole files by relative path ("daily.csv",
// "octo-org/alpha/top_paths/top_paths.csv"); the directory sink writes them under a local
// folder, and other destinations (an S3 bucket) plug in behind the same interface.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace ghtraffic::exports {

class Sink {
 public:
  virtual ~Sink() = default;

  // Stores one whole file. relative_path uses '/' separators and never leaves the sink's
  // root; a path that would ("..", absolute) is a util::Fatal. A failed write is a
  // util::Error naming the file.
  virtual void write(const std::string& relative_path, const std::string& content) = 0;

  // Called once after the last write, for destinations that publish in a batch.
  virtual void finish() {}
};

// Writes under root, creating folders as needed. Each file is written atomically: to a
// temporary file in the same folder, flushed to disk, then renamed over the target, so an
// interrupted export leaves either the old file or the new one, never half of one.
std::unique_ptr<Sink> make_directory_sink(const std::filesystem::path& root);

// Keeps files in memory: for serving an export over HTTP, and for tests.
class MemorySink final : public Sink {
 public:
  void write(const std::string& relative_path, const std::string& content) override;
  const std::map<std::string, std::string>& files() const { return m_files; }

 private:
  std::map<std::string, std::string> m_files;
};

// Throws util::Fatal unless relative_path is a non-empty relative path of plain components.
void check_relative_path(const std::string& relative_path);

}  // namespace ghtraffic::exports
