# Warnings (and sanitizers) for jobforge's own targets only; third-party
# headers under /usr/include are system headers and stay quiet.
add_library(jobforge_warnings INTERFACE)
target_compile_options(jobforge_warnings INTERFACE -Wall -Wextra -Wpedantic
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
if(JOBFORGE_WERROR)
  target_compile_options(jobforge_warnings INTERFACE -Werror)
endif()

if(JOBFORGE_SANITIZE)
  # GCC 12 reports -Wmaybe-uninitialized false positives inside std::regex
  # (pulled in by valijson) only when instrumented.
  target_compile_options(jobforge_warnings INTERFACE -Wno-maybe-uninitialized)
  # Applied globally so that every object (and the test mains) agree on the
  # instrumented runtime.
  # -g1: line tables are all a sanitizer's report needs; full debug
  # information makes the instrumented objects half as big again, and slower
  # to write and link.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

if(JOBFORGE_TSAN)
  # The same std::regex false positives as under ASan above.
  target_compile_options(jobforge_warnings INTERFACE -Wno-maybe-uninitialized)
  # Globally too: the test mains and every object must share TSan's runtime.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -g1)
  add_link_options(-fsanitize=thread)
endif()
