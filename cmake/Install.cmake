# What `cmake --install` puts where (GNUInstallDirs, so --prefix /usr gives Debian's
# layout) and the .deb that `cpack -G DEB` builds from the same rules. Only the
# pricescrape binary is installed: demo-shop, chaos-proxy and the test programs are
# development tools that read files from the source tree.
include(GNUInstallDirs)

install(TARGETS pricescrape RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# --- pricescrape(1), from the built binary's --help (and each subcommand's) ---------
# One source: help2man reads the options from the binary; docs/pricescrape.h2m adds what
# --help cannot say (exit status, environment, files, examples). Part of `all`, so an
# install never lacks it and a changed option changes the page.
find_program(HELP2MAN_PROGRAM help2man)
set(PRICESCRAPE_MAN_PAGE "${PROJECT_BINARY_DIR}/man/pricescrape.1")
if(HELP2MAN_PROGRAM)
  add_custom_command(
    OUTPUT "${PRICESCRAPE_MAN_PAGE}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${PROJECT_BINARY_DIR}/man"
    # C.UTF-8: help2man turns non-ASCII (the € of parse-price's help) into ??? otherwise.
    COMMAND "${CMAKE_COMMAND}" -E env "PRICESCRAPE_BIN=$<TARGET_FILE:pricescrape>"
            "${HELP2MAN_PROGRAM}" --no-info --locale=C.UTF-8 --section=1
            "--include=${PROJECT_SOURCE_DIR}/docs/pricescrape.h2m"
            "--output=${PRICESCRAPE_MAN_PAGE}"
            "${PROJECT_SOURCE_DIR}/cmake/man-help.sh"
    DEPENDS pricescrape "${PROJECT_SOURCE_DIR}/docs/pricescrape.h2m"
            "${PROJECT_SOURCE_DIR}/cmake/man-help.sh"
    COMMENT "Generating pricescrape(1) with help2man"
    VERBATIM)
  add_custom_target(pricescrape_man ALL DEPENDS "${PRICESCRAPE_MAN_PAGE}")
  install(FILES "${PRICESCRAPE_MAN_PAGE}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
else()
  message(WARNING "help2man not found (scripts/install-deps.sh installs it): "
                  "no man page is built or installed")
endif()

# --- Shell completions, where Debian's bash-completion, zsh and fish look -----------
install(FILES completions/pricescrape.bash
        DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
        RENAME pricescrape)
install(FILES completions/_pricescrape
        DESTINATION "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions")
install(FILES completions/pricescrape.fish
        DESTINATION "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d")

# --- Documentation and examples ---------------------------------------------------------
# `copyright` is Debian's name for the licence file (policy 12.5), generated from LICENSE.
file(READ "${PROJECT_SOURCE_DIR}/LICENSE" PRICESCRAPE_LICENSE_TEXT)
string(REGEX REPLACE "\n\n" "\n.\n" PRICESCRAPE_LICENSE_DEB "${PRICESCRAPE_LICENSE_TEXT}")
string(REGEX REPLACE "\n([^\n])" "\n \\1" PRICESCRAPE_LICENSE_DEB "${PRICESCRAPE_LICENSE_DEB}")
configure_file(cmake/copyright.in "${PROJECT_BINARY_DIR}/copyright" @ONLY)
install(FILES README.md LICENSE "${PROJECT_BINARY_DIR}/copyright"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY examples/ DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")

# --- The .deb: cpack -G DEB in the build directory ------------------------------------
set(PRICESCRAPE_MAINTAINER "pricescrape maintainers <maintainers@pricescrape.invalid>"
    CACHE STRING "Maintainer field of the .deb (Name <email>)")
set(CPACK_PACKAGE_NAME pricescrape)
set(CPACK_PACKAGE_VENDOR "The pricescrape authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "fetch product pages concurrently and extract their prices")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # pricescrape_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PRICESCRAPE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The extended description; CPack puts the summary above it and indents each line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "pricescrape reads a list of URLs, fetches them concurrently over HTTP and HTTPS
(keep-alive, gzip/brotli, per-host politeness, robots.txt on request) and extracts
each page's price from structured data or the page itself. It writes one record per
URL, in input order, as JSON, JSON Lines or CSV, and can keep a SQLite history of
prices for nightly runs.")
# Depends: from the binary's own NEEDED libraries (dpkg-shlibdeps, from dpkg-dev), so the
# list follows what is linked (OpenSSL, SQLite, brotli, libdeflate, ...) and carries
# Debian's version floors, rather than a hand list that goes stale.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The system's CA certificates: without them no https URL verifies (curl does the same).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "jq, sqlite3")
set(CPACK_GENERATOR DEB)
include(CPack)
