# Precompiled headers: nlohmann/json, fmt, GoogleTest and the standard headers most files
# include take a third of each compile to parse, once per file; precompiled they are parsed
# once per target. GHTRAFFIC_PCH=OFF builds without them (to check that every file
# includes what it uses, for instance).
option(GHTRAFFIC_PCH "Precompile the most used library headers" ON)

set(GHTRAFFIC_PCH_HEADERS
  <algorithm> <chrono> <cstdint> <functional> <map> <memory> <mutex> <optional> <string>
  <string_view> <utility> <vector>
  <fmt/format.h> <nlohmann/json.hpp>)

# ghtraffic_precompile_headers(TARGET [EXTRA_HEADER ...])
function(ghtraffic_precompile_headers target)
  if(GHTRAFFIC_PCH)
    target_precompile_headers(${target} PRIVATE ${GHTRAFFIC_PCH_HEADERS} ${ARGN})
  endif()
endfunction()
