# Writes a C++ file holding every file of ui/ as a raw string, so the
# dashboard ships inside the binary (nothing to install, nothing fetched).
# Invoked at build time with -DOUT=<file.cpp> -DBASE=<ui dir> -DFILES=<list>.
set(body "")
foreach(f IN LISTS FILES)
  file(RELATIVE_PATH name ${BASE} ${f})
  file(READ ${f} text)
  if(text MATCHES "\\)weshopd_ui\"")
    message(FATAL_ERROR "${f} contains the raw-string delimiter")
  endif()
  string(APPEND body "    {\"${name}\", R\"weshopd_ui(${text})weshopd_ui\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from ui/ by embed_ui.cmake. Do not edit.
#include \"ui/assets.hpp\"

namespace weshopd::ui {

const std::vector<asset>& assets()
{
  static const std::vector<asset> all{
${body}  };
  return all;
}

} // namespace weshopd::ui
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
