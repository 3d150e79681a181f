# add_unikernel(NAME src... [CFLAGS flag...])
# add_unikernel(NAME SOURCES src... [CFLAGS flag...])
#
# Builds NAME, a unikernel ELF, with the compiler driver unikvm-cc, which
# holds every guest compile and link flag. The sources follow NAME, as with
# add_executable, or the SOURCES keyword (or both: those before the first
# keyword and those after SOURCES). Header dependencies come from the
# driver's depfile. UNIKVM_CFLAGS (a list) is added to every compile.
# The target's UNIKERNEL property is the image's path.
#
# In this project (UKVM_CC is build/tools/unikvm-cc) and in the installed
# CMake package (find_package(unikvm), lib/cmake/unikvm/unikvmConfig.cmake
# sets UKVM_CC to PREFIX/bin/unikvm-cc). UNIKVM_LINK_DEPENDS lists what a
# link also depends on: libguest and the linker script, as targets here or
# as files in the installed prefix.
function(add_unikernel name)
  cmake_parse_arguments(UK "" "" "SOURCES;CFLAGS" ${ARGN})
  set(sources ${UK_UNPARSED_ARGUMENTS} ${UK_SOURCES})
  if(NOT sources)
    message(FATAL_ERROR "add_unikernel(${name}): no sources (add_unikernel(${name} a.c b.c [CFLAGS ...]))")
  endif()
  set(objs)
  foreach(src IN LISTS sources)
    get_filename_component(abs ${src} ABSOLUTE)
    get_filename_component(base ${src} NAME)
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.objs/${base}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/${name}.objs
      COMMAND ${UKVM_CC} ${UNIKVM_CFLAGS} ${UK_CFLAGS} -MD -MF ${obj}.d -c ${abs} -o ${obj}
      DEPENDS ${abs} ${UKVM_CC}
      DEPFILE ${obj}.d
      COMMENT "unikvm-cc ${name}: ${base}"
      VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name})
  # Ninja gives every target a phony alias DIR/NAME, the image's own path,
  # and refuses two rules for one path: there the link is tracked by a
  # stamp beside the objects (a deleted image is relinked once an input
  # changes, not at once as with make).
  set(tracked ${out})
  set(touch)
  if(CMAKE_GENERATOR MATCHES "Ninja")
    set(tracked ${CMAKE_CURRENT_BINARY_DIR}/${name}.objs/link.stamp)
    set(touch COMMAND ${CMAKE_COMMAND} -E touch ${tracked})
  endif()
  add_custom_command(OUTPUT ${tracked}
    COMMAND ${UKVM_CC} -o ${out} ${objs}
    ${touch}
    DEPENDS ${objs} ${UKVM_CC} ${UNIKVM_LINK_DEPENDS}
    COMMENT "unikvm-cc ${name}: link"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${tracked})
  set_target_properties(${name} PROPERTIES UNIKERNEL ${out})
endfunction()
