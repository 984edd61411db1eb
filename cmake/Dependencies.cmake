# Every third-party library comes from Debian 12 packages (scripts/install-deps.sh).
# Nothing is downloaded at configure or build time.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS url)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 2 REQUIRED CONFIG)
find_package(spdlog 1.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(gumbo REQUIRED IMPORTED_TARGET gumbo)
pkg_check_modules(brotlidec REQUIRED IMPORTED_TARGET libbrotlidec)
pkg_check_modules(brotlienc REQUIRED IMPORTED_TARGET libbrotlienc)
# Whole-buffer gzip decoding, 3x faster than zlib on our pages (README, "Dependencies").
pkg_check_modules(libdeflate REQUIRED IMPORTED_TARGET libdeflate)
# International host names (IDNA 2008 with UTS 46): Debian 12's libidn2-dev.
pkg_check_modules(libidn2 REQUIRED IMPORTED_TARGET libidn2)
# The state store (`--state`): SQLite, Debian 12's libsqlite3-dev (3.40).
find_package(SQLite3 3.37 REQUIRED)
# The work queue's Redis protocol (command formatting, reply parsing): Debian 12's
# libhiredis-dev (0.14); the socket, deadlines and TLS are ours (hiredis 0.14 has no TLS).
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis)
if(PRICESCRAPE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
