# Warnings for the project's own targets; third-party headers come in as SYSTEM.
add_library(ghtraffic_warnings INTERFACE)
target_compile_options(ghtraffic_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wimplicit-fallthrough
  # Designated initializers that leave members at their defaults are intended.
  -Wno-missing-field-initializers
  $<$<BOOL:${GHTRAFFIC_WERROR}>:-Werror>)
