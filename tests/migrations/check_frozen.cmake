# Landed migrations are frozen: every migration file under DIR (DIR/*.sql and
# DIR/postgres/*.sql) must be listed in DIR/CHECKSUMS (`sha256sum` lines) with
# its hash. Fails naming each changed, missing or unlisted file.
#   cmake -DDIR=migrations -P tests/migrations/check_frozen.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT DIR OR NOT EXISTS ${DIR}/CHECKSUMS)
  message(FATAL_ERROR "no CHECKSUMS in '${DIR}' (pass -DDIR=<the migrations folder>)")
endif()

file(STRINGS ${DIR}/CHECKSUMS lines)
set(problems "")
set(listed "")
foreach(line IN LISTS lines)
  if(line MATCHES "^#" OR line MATCHES "^[ \t]*$")
    continue()
  endif()
  # sha256sum's format: the hash, two spaces (or a space and '*'), the path.
  set(length 0)
  if(line MATCHES "^([0-9a-f]+) [ *](.+)$")
    set(expected ${CMAKE_MATCH_1})
    set(path ${CMAKE_MATCH_2})
    string(LENGTH "${expected}" length)
  endif()
  if(NOT length EQUAL 64)
    string(APPEND problems "  CHECKSUMS: not a sha256sum line: ${line}\n")
    continue()
  endif()
  list(APPEND listed ${path})
  if(NOT EXISTS ${DIR}/${path})
    string(APPEND problems "  ${path}: listed in CHECKSUMS but missing (a landed migration is never removed)\n")
    continue()
  endif()
  file(SHA256 ${DIR}/${path} actual)
  if(NOT actual STREQUAL expected)
    string(APPEND problems "  ${path}: changed after it landed (sha256 ${actual}, CHECKSUMS has ${expected});"
                           " a landed migration is never edited: restore it and change the schema in a new one\n")
  endif()
endforeach()

file(GLOB present RELATIVE ${DIR} ${DIR}/*.sql ${DIR}/postgres/*.sql)
list(SORT present)
foreach(path IN LISTS present)
  if(NOT path IN_LIST listed)
    string(APPEND problems "  ${path}: not in CHECKSUMS; a new migration adds its line in the same commit"
                           " (cd migrations && sha256sum ${path} >> CHECKSUMS)\n")
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "migrations are frozen, and ${DIR} breaks that:\n${problems}")
endif()
list(LENGTH listed count)
message(STATUS "migrations frozen: ${count} files match CHECKSUMS")
