# Read by cpack at packaging time (CPACK_PROJECT_CONFIG_FILE): the Debian
# revision may be bumped without reconfiguring (package.sh --revision N), so
# the package test can upgrade the package over itself.
if(DEFINED ENV{WESHOPD_DEB_REVISION} AND NOT "$ENV{WESHOPD_DEB_REVISION}" STREQUAL "")
  set(CPACK_DEBIAN_PACKAGE_RELEASE "$ENV{WESHOPD_DEB_REVISION}")
endif()
