# CPACK_PRE_BUILD_SCRIPTS: run by cpack after the install() rules have filled
# the staging root (the binaries in /usr/bin, the man pages, the completion)
# and before it is packed. Adds what only the package installs, where Debian
# wants it, and puts the man pages and changelog in Debian's shape (gzip -9n).
set(src ${CPACK_WESHOPD_SOURCE_DIR})
# file(INSTALL) below writes to the paths it is given, not under a DESTDIR.
set(ENV{DESTDIR} "")
set(root ${CPACK_TEMPORARY_INSTALL_DIRECTORY})
if(NOT EXISTS ${root}/usr/bin/weshopd)
  message(FATAL_ERROR "stage.cmake: no ${root}/usr/bin/weshopd: the install() rules did not run as expected")
endif()
set(doc ${root}/usr/share/doc/weshopd)
set(fmode PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The unit, ExecStart at the packaged binary (the source unit names
# /usr/local/bin/weshopd, where deploy/install.sh puts it by default).
file(READ ${src}/deploy/systemd/weshopd.service unit)
string(REPLACE "/usr/local/bin/weshopd" "/usr/bin/weshopd" unit "${unit}")
string(REPLACE "# weshopd under systemd: deploy/install.sh puts this in /etc/systemd/system/."
               "# weshopd under systemd, from the weshopd package." unit "${unit}")
file(MAKE_DIRECTORY ${root}/lib/systemd/system)
file(WRITE ${root}/lib/systemd/system/weshopd.service "${unit}")

file(INSTALL ${src}/deploy/systemd/weshopd.sysusers DESTINATION ${root}/usr/lib/sysusers.d ${fmode}
     RENAME weshopd.conf)
file(INSTALL ${src}/deploy/debian/tmpfiles.conf DESTINATION ${root}/usr/lib/tmpfiles.d ${fmode} RENAME weshopd.conf)
file(INSTALL ${src}/config/weshopd.conf DESTINATION ${root}/etc/weshopd ${fmode})
file(INSTALL ${src}/deploy/nginx/ DESTINATION ${doc}/examples/nginx ${fmode})
file(INSTALL ${src}/deploy/debian/copyright DESTINATION ${doc} ${fmode})
file(INSTALL ${src}/README.md DESTINATION ${doc} ${fmode})
file(INSTALL ${src}/deploy/debian/lintian-overrides DESTINATION ${root}/usr/share/lintian/overrides ${fmode}
     RENAME weshopd)

# changelog.Debian.gz names the version being packed.
string(TIMESTAMP date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${doc}/changelog.Debian
"weshopd (${CPACK_PACKAGE_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}) unstable; urgency=medium

  * Package weshopd ${CPACK_PACKAGE_VERSION} (see CHANGELOG.md upstream).

 -- ${CPACK_PACKAGE_CONTACT}  ${date}
")
file(GLOB pages ${root}/usr/share/man/man*/*.[0-9])
foreach(f ${doc}/changelog.Debian ${pages})
  execute_process(COMMAND gzip -9nf ${f} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "stage.cmake: gzip ${f} failed")
  endif()
endforeach()
