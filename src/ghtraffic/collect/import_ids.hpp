// GitHub's numeric ids for the repositories an import names (R8): with a token, `import`
// links each history the files give by name only to its id at once, instead of at the
// repository's first collection. Metadata in GraphQL batches of up to 100 (one request for
// 100 repositories; REST, one each, where GraphQL is unavailable).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/github/client.hpp"

namespace ghtraffic::collect {

struct IdResolution {
  int resolved = 0;                   // histories that now carry GitHub's id
  int unknown = 0;                    // GitHub does not know the name (404): imported by name
  int failed = 0;                     // GitHub could not be asked: imported by name
  std::int64_t requests = 0;          // spent, retries included
  std::vector<std::string> warnings;  // one for each repository left by name; scrubbed
};

// Sets the id of each history without one (id 0) to GitHub's, and its current name to
// GitHub's where the repository was renamed (the files' names stay its earlier names). A
// repository GitHub does not know, or one it could not be asked about, keeps id 0 and a
// warning says so: it is imported by name and linked at its first collection.
IdResolution resolve_import_ids(github::Client& client,
                                std::vector<core::ImportedHistory*> histories);

}  // namespace ghtraffic::collect
