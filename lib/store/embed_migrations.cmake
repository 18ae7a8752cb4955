# Writes a C++ file holding every migrations/NNNN_name.sql as a raw string.
# Invoked at build time with -DOUT=<file.cpp> -DFILES=<list> -DFUNCTION=<name>.
set(body "")
foreach(f IN LISTS FILES)
  get_filename_component(base ${f} NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.+)$" _ ${base})
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name ${CMAKE_MATCH_2})
  file(READ ${f} sql)
  if(sql MATCHES "\\)weshopd_sql\"")
    message(FATAL_ERROR "${f} contains the raw-string delimiter")
  endif()
  string(APPEND body "    {${version}, \"${name}\", R\"weshopd_sql(${sql})weshopd_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from migrations by embed_migrations.cmake. Do not edit.
#include \"store/migration.hpp\"

namespace weshopd::store {

const std::vector<migration>& ${FUNCTION}()
{
  static const std::vector<migration> all{
${body}  };
  return all;
}

} // namespace weshopd::store
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
