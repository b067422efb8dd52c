// Files that hold a user's data or secrets: the store, its folder, exports and reports are
// created without access for other users (0600 files, 0700 folders) whatever the umask,
// and a secret read from a file others can read draws a warning, as ssh does for keys.
// Files and folders that exist already keep the mode their owner gave them.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace ghtraffic::util {

inline constexpr mode_t k_private_file_mode = 0600;
inline constexpr mode_t k_private_folder_mode = 0700;

// Creates the folders of `path` that do not exist yet, each 0700. Throws util::Error that
// names `what` ("the store", "the export") and the folder that could not be created.
void create_private_folders(const std::string& path, const std::string& what);

// Creates `path` empty with mode 0600 when it does not exist (a no-op when it does).
// Returns false with errno set when it could not.
bool create_private_file(const std::string& path);

// Opens `temporary` for writing with O_CREAT|O_EXCL, to be renamed over `target`: its
// mode is that of `target` when it exists (a replaced file keeps its mode), else 0600,
// whatever the umask. -1 with errno set on failure.
int open_replacement_file(const std::string& temporary, const std::string& target);

// The warning for a secret file that group or other users can access, or nothing when
// only its owner can (or it cannot be examined: reading it reports that). The text names
// the file, its mode and the chmod that fixes it, never what it holds.
std::optional<std::string> exposed_secret_warning(const std::string& path, const std::string& what);

}  // namespace ghtraffic::util
