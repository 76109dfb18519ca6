# write_if_changed(FILE CONTENT): for the generators run at build time (embed_web.cmake,
# build_info.cmake). The file is rewritten only when its content changes, so that an
# unchanged input recompiles and relinks nothing.
function(write_if_changed file content)
  set(old "")
  if(EXISTS "${file}")
    file(READ "${file}" old)
  endif()
  if(NOT old STREQUAL content)
    file(WRITE "${file}" "${content}")
  endif()
endfunction()
