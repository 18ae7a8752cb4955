# The layer check must refuse a wrong-way include: runs lib/check_layers.cmake
# over tests/layers/wrong_way (a store/ that includes "api/...") and fails
# unless that check fails, naming the file and the folder it may not use.
#   cmake -DCHECK=lib/check_layers.cmake -DTREE=tests/layers/wrong_way -P tests/layers/expect_refusal.cmake
execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${TREE} -P ${CHECK}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(result EQUAL 0)
  message(FATAL_ERROR "the layer check accepted store/ including api/:\n${out}${err}")
endif()
if(NOT err MATCHES "store/includes_api.hpp: includes \"api/...\" but store does not link api")
  message(FATAL_ERROR "the layer check failed, but not for the wrong-way include:\n${out}${err}")
endif()
if(err MATCHES "includes \"job/")
  message(FATAL_ERROR "the layer check also refused store including job/, which it links:\n${err}")
endif()
message(STATUS "wrong-way include refused:\n${err}")
