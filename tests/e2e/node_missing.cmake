# Run by ctest in place of the browser tests when node is not installed.
message(FATAL_ERROR "the browser tests need node, chromium and node_modules: run scripts/setup")
