// inferno: one binary for run, tokenize, inspect (and later serve, bench, pull, models).
#include "cli/commands.h"

int main(int argc, char** argv) { return inferno::cli::Main(argc, argv); }
