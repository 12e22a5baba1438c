#ifndef CSIT_FUZZ_DRIVER_H
#define CSIT_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (its flags in argv) over `test_one_input`. SwiftPM names each
/// executable's entry point `<Target>_main`, so the fuzz targets call this from theirs
/// instead of linking libFuzzer's own main.
int csit_fuzz_run(int argc, char **argv, int (*test_one_input)(const uint8_t *data, size_t size));

#endif
