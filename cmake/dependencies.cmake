# Every dependency is a Debian package installed by scripts/setup.sh.
find_package(Threads REQUIRED)

# CAF 0.17.6 from Debian ships no CMake config and no .pc file.
# JOBFORGE_CAF_PREFIX names another build of it (the TSan one of
# scripts/caf-tsan.sh); then only that prefix is searched, so that its
# headers and libraries are never mixed with the system's.
if(JOBFORGE_CAF_PREFIX)
  set(JOBFORGE_CAF_SEARCH PATHS "${JOBFORGE_CAF_PREFIX}" PATH_SUFFIXES include lib NO_DEFAULT_PATH)
  # The tests and the server load the libraries from there, not /usr/lib.
  list(APPEND CMAKE_BUILD_RPATH "${JOBFORGE_CAF_PREFIX}/lib")
else()
  set(JOBFORGE_CAF_SEARCH)
endif()
find_path(CAF_INCLUDE_DIR caf/all.hpp ${JOBFORGE_CAF_SEARCH} REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core ${JOBFORGE_CAF_SEARCH} REQUIRED)
find_library(CAF_IO_LIBRARY caf_io ${JOBFORGE_CAF_SEARCH} REQUIRED)
find_library(CAF_OPENSSL_LIBRARY caf_openssl ${JOBFORGE_CAF_SEARCH} REQUIRED)
find_package(OpenSSL REQUIRED)
if(NOT TARGET caf::core)
  add_library(caf::core UNKNOWN IMPORTED)
  set_target_properties(caf::core PROPERTIES IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}" INTERFACE_LINK_LIBRARIES Threads::Threads)
  add_library(caf::io UNKNOWN IMPORTED)
  set_target_properties(caf::io PROPERTIES IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
    INTERFACE_LINK_LIBRARIES caf::core)
  add_library(caf::openssl UNKNOWN IMPORTED)
  set_target_properties(caf::openssl PROPERTIES IMPORTED_LOCATION "${CAF_OPENSSL_LIBRARY}"
    INTERFACE_LINK_LIBRARIES "caf::io;OpenSSL::SSL;OpenSSL::Crypto")
endif()

find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(valijson REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# JSON Schema patterns, matched in linear time (src/model/ecma_pattern.hpp).
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
# libpq, not libpqxx: Debian 12's libpqxx 6.4 lacks pipeline mode.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
find_package(prometheus-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Catch2 REQUIRED)
find_package(benchmark REQUIRED)
# IANA time zones for cron schedules: Howard Hinnant's date library as Debian
# builds it (libhowardhinnant-date-dev), reading the system's tzdata
# (/usr/share/zoneinfo) with no download.
find_package(date CONFIG REQUIRED)

# jemalloc for the programs (the jobforge binary, the benchmarks, the thread
# stress tests): glibc's malloc serialises the executor threads and the CAF
# workers on its arena locks and keeps trimming and re-faulting its heap;
# jemalloc took the pre-queued noop drain from ~45,000 to ~73,000 jobs/s
# (bench/README.md). Not with the sanitizers, which bring their own.
add_library(jobforge_allocator INTERFACE)
if(NOT JOBFORGE_SANITIZE AND NOT JOBFORGE_TSAN)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  target_link_libraries(jobforge_allocator INTERFACE PkgConfig::JEMALLOC)
endif()
