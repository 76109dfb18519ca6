# Cross-compiling for 64-bit ARM Linux on Debian 12 (scripts/install-arm64-deps): the aarch64
# GCC, and the arm64 multiarch libraries in /usr/lib/aarch64-linux-gnu (headers are shared in
# /usr/include). The programs run under qemu-user; CMAKE_CROSSCOMPILING_EMULATOR makes ctest
# and gtest_discover_tests start them through it (scripts/qemu-arm64 picks the CPU model).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries and packages of the target architecture only; programs (ccache, git) of the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/../scripts/qemu-arm64")
