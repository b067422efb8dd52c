// The command-line front end: parses arguments, dispatches to one command, turns
// util::Error into one line on stderr and an exit code.
#pragma once

namespace ghtraffic::cli {

int run(int argc, char** argv);

}  // namespace ghtraffic::cli
