# kvmtest.cmake: ctest tests that need KVM. They run natively where
# /dev/kvm passes `unikvm probe`, otherwise in the KVM sandbox
# (tools/kvm-sandbox: QEMU TCG with nested AMD-V), all of a ctest run in
# ONE sandbox boot. Nothing is skipped for want of KVM: if neither works,
# the tests fail and say why. See docs/testing.md.
#
# Usage, in a CMakeLists.txt that has the `unikvm` target in its project:
#
#   include(${PROJECT_SOURCE_DIR}/cmake/kvmtest.cmake)
#   add_kvm_test(NAME <name> COMMAND <command> [<arg>...]
#                [SANDBOX_ONLY] [LABELS <label>...])
#
#   NAME          the test's name.
#   COMMAND       the command line, as for add_test(). Generator expressions
#                 work ($<TARGET_FILE:unikvm>); a first word naming an
#                 executable target is replaced by its file, as add_test()
#                 does.
#   SANDBOX_ONLY  always run it in the sandbox, even where /dev/kvm works,
#                 so that the fallback path never rots.
#   LABELS        labels added to the test (every KVM test has label "kvm").
#
# Each test gets FIXTURES_REQUIRED kvm, the label kvm, the default
# TIMEOUT ${UKVM_KVM_TEST_TIMEOUT} (override afterwards with
# set_tests_properties(<name> PROPERTIES TIMEOUT <s>)), and runs through
# tests/kvm/kvmtest, which picks native or sandbox from the fixture's
# decision. In the sandbox: the source and build trees are read-write, the
# rest of the file system read-only, /tmp is empty, stdin is /dev/null,
# and only PATH and UKVM_* variables of the test's environment (including
# its ENVIRONMENT property) reach the command. WORKING_DIRECTORY must be
# inside the source or build tree. Other test properties
# (PASS_REGULAR_EXPRESSION, WILL_FAIL, ...) can be set as usual.
#
# This file also adds the fixture's two tests:
#   kvm.setup    (FIXTURES_SETUP kvm)   probes, prints and records the
#                decision (native or sandbox, and why) in
#                ${PROJECT_BINARY_DIR}/kvmtest/decision, and starts the
#                persistent sandbox (${PROJECT_BINARY_DIR}/kvmtest/sandbox).
#   kvm.cleanup  (FIXTURES_CLEANUP kvm) stops it.
# ctest adds them to any run that selects a KVM test.
#
# Cache variables:
#   UKVM_KVM_TEST_TIMEOUT  default TIMEOUT of each KVM test (s)
#   UKVM_KVMTEST_PROBE     the unikvm binary to probe with
#                          (default $<TARGET_FILE:unikvm>)
# Environment at ctest time: UKVM_KVM_MODE=native|sandbox forces the
# decision; the kvm-sandbox variables (UKVM_SANDBOX_*) apply.

include_guard(GLOBAL)

set(UKVM_KVM_TEST_TIMEOUT 300 CACHE STRING
  "Default TIMEOUT (s) of each KVM test; sandboxed tests are 10-50x slower than native")
set(UKVM_KVMTEST_PROBE "$<TARGET_FILE:unikvm>" CACHE STRING
  "The unikvm binary whose `probe` decides native or sandbox")

set(UKVM_KVMTEST_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/../tests/kvm/kvmtest)
cmake_path(NORMAL_PATH UKVM_KVMTEST_SCRIPT)
set(UKVM_KVMTEST_STATE ${PROJECT_BINARY_DIR}/kvmtest)

# Every ctest run starts by saying where KVM tests run and why (CTest shows
# the output of CTEST_CUSTOM_PRE_TEST before the first test).
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/CTestCustom.cmake CONTENT
  "set(CTEST_CUSTOM_PRE_TEST \"${UKVM_KVMTEST_SCRIPT} decide ${UKVM_KVMTEST_STATE} ${UKVM_KVMTEST_PROBE}\")\n")

# The fixture. Setup may download Debian's kernel package on first use
# (~30 MB) and boots the sandbox (~4 s here): allow for slow mirrors.
add_test(NAME kvm.setup
  COMMAND ${UKVM_KVMTEST_SCRIPT} setup ${UKVM_KVMTEST_STATE} ${UKVM_KVMTEST_PROBE}
    ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
set_tests_properties(kvm.setup PROPERTIES FIXTURES_SETUP kvm TIMEOUT 900 LABELS kvm)
add_test(NAME kvm.cleanup COMMAND ${UKVM_KVMTEST_SCRIPT} cleanup ${UKVM_KVMTEST_STATE})
set_tests_properties(kvm.cleanup PROPERTIES FIXTURES_CLEANUP kvm TIMEOUT 120 LABELS kvm)

function(add_kvm_test)
  cmake_parse_arguments(PARSE_ARGV 0 KT "SANDBOX_ONLY" "NAME" "COMMAND;LABELS")
  if(NOT KT_NAME)
    message(FATAL_ERROR "add_kvm_test: NAME is required")
  endif()
  if(NOT KT_COMMAND)
    message(FATAL_ERROR "add_kvm_test(${KT_NAME}): COMMAND is required")
  endif()
  if(KT_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "add_kvm_test(${KT_NAME}): unknown arguments: ${KT_UNPARSED_ARGUMENTS}")
  endif()
  # As add_test() does: an executable target as the first word means its file.
  list(GET KT_COMMAND 0 first)
  if(TARGET ${first})
    get_target_property(type ${first} TYPE)
    if(type STREQUAL "EXECUTABLE")
      list(POP_FRONT KT_COMMAND)
      list(PREPEND KT_COMMAND "$<TARGET_FILE:${first}>")
    endif()
  endif()
  set(labels kvm ${KT_LABELS})
  set(mode)
  if(KT_SANDBOX_ONLY)
    set(mode --sandbox)
  endif()
  add_test(NAME ${KT_NAME}
    COMMAND ${UKVM_KVMTEST_SCRIPT} exec ${mode} ${UKVM_KVMTEST_STATE} -- ${KT_COMMAND})
  set_tests_properties(${KT_NAME} PROPERTIES
    FIXTURES_REQUIRED kvm
    TIMEOUT ${UKVM_KVM_TEST_TIMEOUT}
    LABELS "${labels}")
endfunction()
