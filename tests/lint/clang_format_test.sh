#!/usr/bin/env bash
# Fails when a C++ file under src/, tests/ or bench/ differs from what the repository's
# .clang-format makes of it, and names the files. Usage: clang_format_test.sh CLANG_FORMAT ROOT
set -uo pipefail
clang_format=$1
cd "$2" || exit 2

if ! command -v "$clang_format" >/dev/null; then
  echo "clang-format was not found: run scripts/setup, which installs it" >&2
  exit 1
fi

# Every file on disk, so that a new file is checked before it is committed.
mapfile -t files < <(find src tests bench -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
if ((${#files[@]} == 0)); then
  echo "no C++ files found under src/, tests/ or bench/ of $PWD" >&2
  exit 1
fi

output=$("$clang_format" --dry-run --Werror "${files[@]}" 2>&1)
status=$?
if ((status == 0)); then
  echo "${#files[@]} files match .clang-format"
  exit 0
fi

mapfile -t differing < <(grep -oE '^[^:]+:[0-9]+:[0-9]+: error: code should be clang-formatted' <<<"$output" |
  cut -d: -f1 | sort -u)
if ((${#differing[@]} == 0)); then
  # Not a formatting difference: clang-format itself failed (a bad .clang-format, say).
  echo "$output" >&2
  exit "$status"
fi
echo "${#differing[@]} of ${#files[@]} files differ from .clang-format:" >&2
printf '  %s\n' "${differing[@]}" >&2
echo "Format them with: clang-format -i ${differing[*]}" >&2
echo "The first differences:" >&2
head -n 30 <<<"$output" >&2
exit 1
