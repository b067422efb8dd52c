# Warnings for the project's own targets; third-party headers come in as SYSTEM.
add_library(ghtraffic_warnings INTERFACE)
target_compile_options(ghtraffic_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${GHTRAFFIC_WERROR}>:-Werror>)
