# The Debian package (`cpack -G DEB` in the build folder, or scripts/package):
# jobforge_<version>_amd64.deb with the binary, /etc/jobforge/jobforge.json
# and the e-mail templates as conffiles, the systemd units, and the
# maintainer scripts of packaging/debian/ (the jobforge user, the data
# directory /var/lib/jobforge). Only the `server` component goes in, so that
# other install rules (a client library's, say) do not land in this package.
# tests/package/package_test.sh checks what it holds and runs it.

include(GNUInstallDirs)

# The packaged configuration: the repository's defaults with the paths of an
# installed system (relative ones would follow the service's working folder).
file(READ ${PROJECT_SOURCE_DIR}/config/jobforge.json JOBFORGE_PACKAGED_CONFIG)
foreach(setting
    "\"data_dir\": \"data\"|\"data_dir\": \"/var/lib/jobforge\""
    "\"templates_dir\": \"config/templates\"|\"templates_dir\": \"/etc/jobforge/templates\"")
  string(REPLACE "|" ";" pair "${setting}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  string(FIND "${JOBFORGE_PACKAGED_CONFIG}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "cmake/packaging.cmake: config/jobforge.json no longer has ${from}")
  endif()
  string(REPLACE "${from}" "${to}" JOBFORGE_PACKAGED_CONFIG "${JOBFORGE_PACKAGED_CONFIG}")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/packaging/jobforge.json "${JOBFORGE_PACKAGED_CONFIG}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/config/jobforge.json)

install(TARGETS jobforge RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(FILES ${CMAKE_BINARY_DIR}/packaging/jobforge.json DESTINATION /etc/jobforge
        COMPONENT server)
file(GLOB JOBFORGE_TEMPLATES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/config/templates/*)
install(FILES ${JOBFORGE_TEMPLATES} DESTINATION /etc/jobforge/templates COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/jobforge.service
              ${PROJECT_SOURCE_DIR}/packaging/jobforge-worker@.service
        DESTINATION /lib/systemd/system COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/config/alerts.yml
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT server)

# conffiles: dpkg keeps an administrator's edits on upgrades and deletes
# these on purge. CPack does not list them itself.
set(JOBFORGE_CONFFILES "/etc/jobforge/jobforge.json\n")
foreach(template ${JOBFORGE_TEMPLATES})
  get_filename_component(name ${template} NAME)
  string(APPEND JOBFORGE_CONFFILES "/etc/jobforge/templates/${name}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "${JOBFORGE_CONFFILES}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME jobforge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "jobforge maintainers <jobforge@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "asynchronous job processor on the actor model")
set(CPACK_PACKAGE_DESCRIPTION
    "jobforge runs jobs submitted over HTTP: retries with backoff, priorities, dependencies,\n timeouts, rate limits, a dashboard, Prometheus metrics and worker nodes.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};jobforge;server;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # jobforge_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries come from dpkg-shlibdeps; Chart.js is read at run
# time (the dashboard's charts), and useradd makes the user in postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libjs-chart.js, passwd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
