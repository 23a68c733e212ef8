# Installs the already-built klik into a fresh prefix, then configures, builds
# and runs examples/ as a separate project that only knows find_package(klik).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${KLIK_BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
if(NOT EXISTS ${WORK_DIR}/prefix/lib/cmake/klik/klikConfig.cmake AND
   NOT EXISTS ${WORK_DIR}/prefix/lib64/cmake/klik/klikConfig.cmake)
  file(GLOB_RECURSE found ${WORK_DIR}/prefix/*klikConfig.cmake)
  if(NOT found)
    message(FATAL_ERROR "no klikConfig.cmake installed")
  endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${KLIK_SOURCE_DIR}/examples -B ${WORK_DIR}/build -G ${GENERATOR}
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring examples/ against the installed klik failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2 RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building examples/ against the installed klik failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/klik_example_readme RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc)
  message(FATAL_ERROR "the installed example failed to run: ${rc}")
endif()
message(STATUS "installed example printed:\n${out}")
