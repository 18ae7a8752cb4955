# scdoc < IN > OUT (scdoc reads only its standard input); OUT is not left
# half-written when scdoc refuses the source.
get_filename_component(dir "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
execute_process(COMMAND "${SCDOC}" INPUT_FILE "${IN}" OUTPUT_FILE "${OUT}.tmp" ERROR_VARIABLE problem
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUT}.tmp")
  message(FATAL_ERROR "scdoc refused ${IN}: ${problem}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
