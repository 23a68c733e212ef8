# Fails unless README.md contains examples/readme.cpp and examples/readme.py verbatim.
file(READ ${README} readme)
foreach(f ${CPP} ${PY})
  file(READ ${f} code)
  string(FIND "${readme}" "${code}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "README.md does not contain ${f} verbatim: copy the file into its code block")
  endif()
endforeach()
