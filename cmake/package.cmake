# `cmake --install` and the Debian package (cpack -G DEB, or scripts/package): the binary
# (templates and migrations are compiled in), the systemd template unit starter@.service
# (starter@serve, starter@worker), the settings file /etc/starter/starter.env, the
# starter system user (sysusers.d) and the documentation. docs/operations.md explains them.
include(GNUInstallDirs)

install(TARGETS starter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/starter@.service DESTINATION lib/systemd/system)
install(FILES packaging/sysusers.conf DESTINATION lib/sysusers.d RENAME starter.conf)
# /etc/starter with the /usr prefix a package uses (scripts/package), $PREFIX/etc/starter otherwise.
install(FILES packaging/starter.env DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/starter
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES README.md LICENSE CHANGELOG.md SECURITY.md docs/api.md docs/architecture.md docs/operations.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME starter)
set(CPACK_PACKAGE_VENDOR "The starter authors")
set(CPACK_PACKAGE_CONTACT "The starter authors <security@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Authentication and user backend (HTTP API, second factor, passkeys)")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "Registration with emailed codes, login, sessions with device and location, password reset, "
       "a second factor and passkeys, social sign-in, exact rate limits and an email outbox, on "
       "SQLite or PostgreSQL.")
# Configure with -DCMAKE_INSTALL_PREFIX=/usr to package (scripts/package does).
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)                  # library dependencies from the binary
# The libraries loaded on first use (CMakeLists.txt) are not seen by shlibdeps: their packages.
set(STARTER_LOADED_PACKAGES "")
foreach(file IN LISTS STARTER_LOADED_FILES)
  execute_process(COMMAND dpkg-query --search "${file}" OUTPUT_VARIABLE owner RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND owner MATCHES "^([^:]+):")
    string(APPEND STARTER_LOADED_PACKAGES ", ${CMAKE_MATCH_1}")
  endif()
endforeach()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser${STARTER_LOADED_PACKAGES}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "uap-core")        # device names from User-Agents
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
