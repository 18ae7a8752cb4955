# The frozen-migrations check must refuse what it exists to refuse: on a copy
# of the migrations (in WORK), a landed file with one byte changed, a landed
# file removed, and a new file not in CHECKSUMS each fail it, naming the file;
# the untouched copy passes (so a failure is the change's, not the copy's).
#   cmake -DCHECK=tests/migrations/check_frozen.cmake -DDIR=migrations -DWORK=<scratch> -P this
cmake_minimum_required(VERSION 3.25)
function(fresh_copy)
  file(REMOVE_RECURSE ${WORK})
  file(COPY ${DIR}/ DESTINATION ${WORK})
endfunction()

# Runs the check on WORK; `expected` empty: it must pass, else it must fail
# with an error matching `expected`.
function(expect what expected)
  execute_process(COMMAND ${CMAKE_COMMAND} -DDIR=${WORK} -P ${CHECK}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expected STREQUAL "" AND NOT result EQUAL 0)
    message(FATAL_ERROR "${what}: the check refused an unchanged copy:\n${out}${err}")
  elseif(NOT expected STREQUAL "" AND result EQUAL 0)
    message(FATAL_ERROR "${what}: the check accepted it:\n${out}${err}")
  elseif(NOT expected STREQUAL "" AND NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${what}: the check failed, but not naming it (wanted '${expected}'):\n${out}${err}")
  endif()
  message(STATUS "${what}: as expected\n${err}")
endfunction()

fresh_copy()
expect("unchanged copy" "")

# One byte of a landed migration changed (its first character).
file(READ ${WORK}/postgres/0001_jobs.sql sql)
string(SUBSTRING "${sql}" 1 -1 rest)
file(WRITE ${WORK}/postgres/0001_jobs.sql "X${rest}")
expect("one byte changed" "postgres/0001_jobs.sql: changed after it landed")

fresh_copy()
file(REMOVE ${WORK}/0003_retry_of.sql)
expect("landed file removed" "0003_retry_of.sql: listed in CHECKSUMS but missing")

fresh_copy()
file(WRITE ${WORK}/0999_unlisted.sql "CREATE TABLE unlisted(x INTEGER);\n")
expect("new file not listed" "0999_unlisted.sql: not in CHECKSUMS")

file(REMOVE_RECURSE ${WORK})
