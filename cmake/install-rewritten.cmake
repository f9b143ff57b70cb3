# install-rewritten.cmake - run at install time (cmake --install, cpack):
# copies SRC to $DESTDIR/DEST/NAME, with the examples' binary path
# /usr/local/sbin replaced by where this install puts the binaries
# (CMAKE_INSTALL_PREFIX/sbin: /usr/local/sbin for "cmake --install",
# /usr/sbin in the Debian package).  With KEEP set, an existing file is
# left alone (the configuration: an operator's edits are never overwritten).
#
# Variables: SRC, DEST (absolute), NAME, MODE (e.g. 644), KEEP (0/1).
set(out "$ENV{DESTDIR}${DEST}/${NAME}")
if(KEEP AND EXISTS "${out}")
  message(STATUS "Kept (not overwritten): ${out}")
  return()
endif()
file(READ "${SRC}" text)
string(REPLACE "/usr/local/sbin/" "${CMAKE_INSTALL_PREFIX}/sbin/" text "${text}")
file(MAKE_DIRECTORY "$ENV{DESTDIR}${DEST}")
file(WRITE "${out}.tmp" "${text}")
file(CHMOD "${out}.tmp" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(RENAME "${out}.tmp" "${out}")
message(STATUS "Installing: ${out}")
