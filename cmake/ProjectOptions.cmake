# Project-wide settings. Warnings and sanitizers live in CMakePresets.json, so a plain
# `cmake -B build` stays quiet and the presets say what each build is for.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

option(PRICESCRAPE_BUILD_TESTS "Build the GoogleTest suites" ON)
option(PRICESCRAPE_BUILD_BENCH "Build the micro-benchmarks in bench/" OFF)

# ccache, when present. PCH and ccache only cooperate with this sloppiness.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
    "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;${CCACHE_PROGRAM}")
endif()

# g++ 12 reports impossible sizes in inlined std::string code at -O2 (GCC bugs 105329,
# 105651): false positives that -Werror would turn into failed builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  add_compile_options(-Wno-restrict -Wno-stringop-overflow -Wno-stringop-overread)
endif()
