# The Debian package (deploy/package.sh runs `cpack -G DEB` in the build
# directory): CPack's DEB generator packs what the install() rules install
# (both binaries in /usr/bin, the man pages, the bash completion), and
# stage.cmake adds the package-only files (unit, sysusers.d, tmpfiles.d,
# conffile, docs) to the staging tree before it is packed. Why CPack and not
# debhelper: see deploy/package.sh.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME weshopd)
set(CPACK_PACKAGE_VENDOR "weshopd")
# The Maintainer field and changelog signer; set WESHOPD_DEB_MAINTAINER at
# configure time to whoever ships the package.
if(DEFINED ENV{WESHOPD_DEB_MAINTAINER})
  set(CPACK_PACKAGE_CONTACT "$ENV{WESHOPD_DEB_MAINTAINER}")
else()
  set(CPACK_PACKAGE_CONTACT "weshopd maintainers <weshopd@users.noreply.github.com>")
endif()
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "durable local service in front of the WeShop Agent API")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"weshopd lets local programs use the WeShop Agent API without each of them
re-implementing uploads, retries, polling, callbacks and bookkeeping: it
validates and stores each job durably, uploads local images, submits the run,
follows it to the end and keeps the results. weshopctl is its command-line
client.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/weshopd/weshopd")
# A Debian revision (0.1.0-1): the package is not native, so its changelog is
# changelog.Debian.gz. WESHOPD_DEB_REVISION (package.sh --revision) bumps it.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends computed by dpkg-shlibdeps from the binaries, plus what the
# maintainer scripts call (deb-systemd-helper, systemd-sysusers/-tmpfiles).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54), systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles
  ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
  ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
  ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/deploy/debian/stage.cmake)
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/deploy/debian/cpack_project.cmake)
set(WESHOPD_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(CPACK_WESHOPD_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(CPACK_WESHOPD_BUILD_DIR ${CMAKE_BINARY_DIR})
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/package)
include(CPack)
