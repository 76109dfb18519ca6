# `make package`: build/inferno_<version>_<arch>.deb by CPack. The binary (with its web UI
# inside), the demo model where the binary looks for it (../share/inferno/models), a man page
# and a bash completion written by the binary from its own CLI definitions, a systemd user unit
# (serve on loopback), the copyright and changelog. Depends come from dpkg-shlibdeps
# (dpkg-dev). tests/package checks the result installed in a scratch root.
#
# With WebKitGTK found, a second package, inferno-app_<version>_<arch>.deb: `inferno app`'s
# window program (libexec/inferno/inferno-window), the .desktop entry that runs `inferno app`
# and its icon. Two packages because the window's WebKitGTK and GTK pull in ~150 MB of
# libraries (GStreamer, Mesa, ...) that a server-only install (the systemd unit, a headless
# box) has no use for; inferno-app depends on inferno of the same version.
include(GNUInstallDirs)
# cpack (and `make install`) package what is built and build nothing: `make package` builds the
# binary first, and tests/package runs cpack while other tests run that binary, which a
# relink under them would break.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(PKG_DIR ${CMAKE_BINARY_DIR}/package)
set(PKG_DOC ${CMAKE_INSTALL_DATADIR}/doc/inferno)

# Written by the built binary with no user config read: HOME=~ makes the help show the config
# file's default as ~/.config/inferno/inferno.toml, as a user reads it.
set(PKG_ENV ${CMAKE_COMMAND} -E env --unset=INFERNO_CONFIG --unset=XDG_CONFIG_HOME HOME=~)
configure_file(${CMAKE_SOURCE_DIR}/packaging/changelog.in ${PKG_DIR}/changelog @ONLY)
# A cross build (build/arm64) runs its binary through the emulator (qemu-user), which "$@" holds
# before the binary's path.
add_custom_command(
  OUTPUT ${PKG_DIR}/inferno.1.gz ${PKG_DIR}/inferno.bash ${PKG_DIR}/changelog.gz
  COMMAND ${PKG_ENV} sh -c "\"$@\" manpage >inferno.1 && \"$@\" completion bash >inferno.bash"
    sh ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:inferno>
  COMMAND gzip -9 -n -f inferno.1
  COMMAND gzip -9 -n -k -f changelog
  DEPENDS inferno ${PKG_DIR}/changelog
  WORKING_DIRECTORY ${PKG_DIR}
  COMMENT "Writing the man page and the bash completion"
  VERBATIM)
# Part of every build (cheap), so that tests/package can make the .deb with cpack alone.
add_custom_target(package_files ALL DEPENDS ${PKG_DIR}/inferno.1.gz ${PKG_DIR}/inferno.bash
  ${PKG_DIR}/changelog.gz)

# Every install() below without COMPONENT goes to the inferno package.
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME inferno)
# Installs program `target` into `dir`, stripped as Debian's dh_strip does (debug info, and the
# .comment/.note sections lintian flags: the 54 MB build of inferno becomes ~8 MB), with
# lintian's hardening: the GOT read-only after start (full RELRO).
function(inferno_install_program target dir component)
  target_link_options(${target} PRIVATE -Wl,-z,relro,-z,now)
  install(TARGETS ${target} RUNTIME DESTINATION ${dir} COMPONENT ${component})
  install(CODE "execute_process(COMMAND ${CMAKE_STRIP} --remove-section=.comment
    --remove-section=.note --strip-unneeded \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${dir}/${target}\"
    COMMAND_ERROR_IS_FATAL ANY)" COMPONENT ${component})
endfunction()
inferno_install_program(inferno ${CMAKE_INSTALL_BINDIR} inferno)
install(FILES ${CMAKE_SOURCE_DIR}/models/inferno-demo-Q8_0.gguf
  DESTINATION ${CMAKE_INSTALL_DATADIR}/inferno/models)
# The speech model, once tools/speech-model has shipped one (the server offers it beside the
# models dir's own, cli/model_files.h SpeechModelPath).
if(EXISTS ${CMAKE_SOURCE_DIR}/models/inferno-speech.bin)
  install(FILES ${CMAKE_SOURCE_DIR}/models/inferno-speech.bin
    DESTINATION ${CMAKE_INSTALL_DATADIR}/inferno/models)
endif()
# The tool-trained demo model, once tools/demo-model has shipped one (offered beside the demo
# model, cli/model_files.h ToolsDemoPath).
if(EXISTS ${CMAKE_SOURCE_DIR}/models/inferno-demo-tools-Q8_0.gguf)
  install(FILES ${CMAKE_SOURCE_DIR}/models/inferno-demo-tools-Q8_0.gguf
    DESTINATION ${CMAKE_INSTALL_DATADIR}/inferno/models)
endif()
# The vision demo's pair, once tools/vision-demo has shipped one (offered beside the demo
# model, cli/model_files.h VisionDemoPath).
if(EXISTS ${CMAKE_SOURCE_DIR}/models/vision/inferno-demo-vision-Q8_0.gguf)
  install(FILES ${CMAKE_SOURCE_DIR}/models/vision/inferno-demo-vision-Q8_0.gguf
    ${CMAKE_SOURCE_DIR}/models/vision/mmproj-inferno-demo-vision-F16.gguf
    DESTINATION ${CMAKE_INSTALL_DATADIR}/inferno/models/vision)
endif()
# The example visualization plugins, where `inferno serve` looks beside the binary
# (../share/inferno/plugins); the template is documentation to copy, shipped with the docs.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plugins/examples/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/inferno/plugins)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plugins/template
  DESTINATION ${PKG_DOC}/plugins)
install(FILES ${PKG_DIR}/inferno.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PKG_DIR}/inferno.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME inferno)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/inferno.service DESTINATION lib/systemd/user)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME inferno)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/copyright ${PKG_DIR}/changelog.gz
  DESTINATION ${PKG_DOC})
set(CPACK_COMPONENTS_ALL inferno)
if(TARGET inferno-window)
  add_dependencies(package_files inferno-window)
  inferno_install_program(inferno-window ${CMAKE_INSTALL_LIBEXECDIR}/inferno app)
  install(FILES ${CMAKE_SOURCE_DIR}/packaging/inferno.desktop
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT app)
  install(FILES ${CMAKE_SOURCE_DIR}/packaging/inferno.svg
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT app)
  install(FILES ${CMAKE_SOURCE_DIR}/packaging/copyright ${PKG_DIR}/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/inferno-app COMPONENT app)
  install(FILES ${CMAKE_SOURCE_DIR}/packaging/lintian-overrides-app
    DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME inferno-app COMPONENT app)
  list(APPEND CPACK_COMPONENTS_ALL app)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_INFERNO_PACKAGE_NAME inferno)
set(CPACK_DEBIAN_APP_PACKAGE_NAME inferno-app)
set(CPACK_DEBIAN_APP_PACKAGE_DEPENDS "inferno (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_APP_DESCRIPTION "local LLM workbench: desktop window
`inferno app` opens Inferno's web UI in a window of its own (WebKitGTK),
served on a private loopback port that only the window can use, with a
native file dialog for opening models and a desktop menu entry.")
set(CPACK_PACKAGE_NAME inferno)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Inferno maintainers <inferno@example.org>")
# Each package's summary is the first line of its description: CPack would put one
# CPACK_PACKAGE_DESCRIPTION_SUMMARY above both.
set(CPACK_DEBIAN_INFERNO_DESCRIPTION "local LLM workbench: run, serve and debug GGUF models
Inferno runs language models in GGUF files on the CPU with
its own inference engine. `inferno serve` serves a web UI (chat, model
comparison, a token-by-token debugger, benchmarks) and OpenAI-, Ollama- and
Anthropic-compatible APIs on the loopback interface. A small demo model is
included so that it answers out of the box.")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # inferno_<version>_<arch>.deb
# CPack asks dpkg for the architecture, which is the host's: a cross build names its target's
# (`make package-arm64`). dpkg-shlibdeps finds the arm64 libraries through their multiarch
# directory (/etc/ld.so.conf.d/aarch64-linux-gnu.conf, from libc6:arm64).
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_SOURCE_DIR}/build)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
  GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Only the binary and its files: not the test programs, which install nothing anyway.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};inferno;ALL;/")
include(CPack)

# The .deb made, unpacked into a scratch root and run from there (tests/package/install_test.sh).
add_test(NAME package_install
  COMMAND ${CMAKE_COMMAND} -E env "INFERNO_TEST_EMULATOR=${CMAKE_CROSSCOMPILING_EMULATOR}"
    bash ${CMAKE_SOURCE_DIR}/tests/package/install_test.sh ${CMAKE_BINARY_DIR})
set_tests_properties(package_install PROPERTIES TIMEOUT 600)
