# The `lambda-package` target: ghtraffic-lambda.zip for an AWS Lambda function on the
# provided.al2023 runtime, holding
#   bootstrap     the entry point Lambda runs: `ghtraffic lambda`
#   ghtraffic     the binary (stripped)
#   lib/          every shared library the binary loads, found with ldd, with the dynamic
#                 loader itself
# Amazon Linux 2023 has glibc 2.34, older than the Debian glibc the binary was linked
# against, so the package brings its own C library and loader and bootstrap starts the
# binary through that loader (--library-path lib). Nothing of the host leaks into child
# processes the way LD_LIBRARY_PATH would. The same target on an arm64 machine builds the
# arm64 package.
#
# Included from the top-level CMakeLists.txt it defines the target; run with `cmake -P` it
# does the packaging (BINARY, STAGE, ZIP_FILE, ZIP, STRIP).

if(NOT CMAKE_SCRIPT_MODE_FILE)
  find_program(GHTRAFFIC_ZIP_PROGRAM zip)
  add_custom_target(lambda-package
    COMMAND ${CMAKE_COMMAND}
      -DBINARY=$<TARGET_FILE:ghtraffic>
      -DSTAGE=${CMAKE_BINARY_DIR}/lambda-package
      -DZIP_FILE=${CMAKE_BINARY_DIR}/ghtraffic-lambda.zip
      -DZIP=${GHTRAFFIC_ZIP_PROGRAM}
      -DSTRIP=${CMAKE_STRIP}
      -P ${CMAKE_CURRENT_LIST_FILE}
    DEPENDS ghtraffic
    BYPRODUCTS ${CMAKE_BINARY_DIR}/ghtraffic-lambda.zip
    COMMENT "Packaging ghtraffic-lambda.zip for the Lambda runtime provided.al2023"
    VERBATIM)
  return()
endif()

if(NOT ZIP)
  message(FATAL_ERROR "lambda-package: the zip program is missing; run scripts/setup (or "
                      "apt-get install zip) and build the target again")
endif()

file(REMOVE_RECURSE ${STAGE})
file(MAKE_DIRECTORY ${STAGE}/lib)
file(REMOVE ${ZIP_FILE})

file(COPY_FILE ${BINARY} ${STAGE}/ghtraffic)
if(STRIP)
  execute_process(COMMAND ${STRIP} --strip-unneeded ${STAGE}/ghtraffic COMMAND_ERROR_IS_FATAL ANY)
endif()
file(CHMOD ${STAGE}/ghtraffic PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

execute_process(COMMAND ldd ${BINARY} OUTPUT_VARIABLE ldd_output COMMAND_ERROR_IS_FATAL ANY)
string(REPLACE "\n" ";" ldd_lines "${ldd_output}")
set(loader "")
foreach(line IN LISTS ldd_lines)
  string(STRIP "${line}" line)
  if(line MATCHES "not found")
    message(FATAL_ERROR "lambda-package: ldd cannot find a library of ${BINARY}: ${line}")
  elseif(line MATCHES "^([^ ]+) => (/[^ ]+) \\(")
    # libcurl.so.4 => /lib/x86_64-linux-gnu/libcurl.so.4 (0x...): kept under its soname.
    set(name ${CMAKE_MATCH_1})
    set(path ${CMAKE_MATCH_2})
  elseif(line MATCHES "^(/[^ ]+) \\(")
    # /lib64/ld-linux-x86-64.so.2 (0x...): the dynamic loader.
    set(path ${CMAKE_MATCH_1})
    get_filename_component(name ${path} NAME)
    set(loader ${name})
  else()
    continue()  # linux-vdso.so.1 and the like: provided by the kernel
  endif()
  file(REAL_PATH ${path} real_path)
  file(COPY_FILE ${real_path} ${STAGE}/lib/${name})
endforeach()
if(NOT loader)
  message(FATAL_ERROR "lambda-package: ldd named no dynamic loader for ${BINARY}; is it static?")
endif()
file(CHMOD ${STAGE}/lib/${loader} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

file(WRITE ${STAGE}/bootstrap "#!/bin/sh
# The entry point of the ghtraffic Lambda function (runtime provided.al2023). The binary
# runs with the C library and loader it was built with, from lib/.
set -eu
root=\"\${LAMBDA_TASK_ROOT:-\$(cd \"\$(dirname \"\$0\")\" && pwd)}\"
# Amazon Linux keeps its CA certificates where a Debian-built libcurl does not look.
if [ -z \"\${SSL_CERT_FILE:-}\" ] && [ -r /etc/pki/tls/certs/ca-bundle.crt ]; then
  export SSL_CERT_FILE=/etc/pki/tls/certs/ca-bundle.crt
fi
export CURL_CA_BUNDLE=\"\${CURL_CA_BUNDLE:-\${SSL_CERT_FILE:-}}\"
exec \"\$root/lib/${loader}\" --library-path \"\$root/lib\" \"\$root/ghtraffic\" lambda \"\$@\"
")
file(CHMOD ${STAGE}/bootstrap PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

execute_process(COMMAND ${ZIP} -q -r -X ${ZIP_FILE} bootstrap ghtraffic lib
                WORKING_DIRECTORY ${STAGE} COMMAND_ERROR_IS_FATAL ANY)
file(SIZE ${ZIP_FILE} zip_size)
math(EXPR zip_mb "${zip_size} / 1048576")
message(STATUS "lambda-package: wrote ${ZIP_FILE} (${zip_mb} MB, loader ${loader})")
