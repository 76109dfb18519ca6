// inferno: one binary for every command (serve, run, debug, bench, models, pull, convert, db...).
#include "cli/commands.h"

int main(int argc, char** argv) { return inferno::cli::Main(argc, argv); }
