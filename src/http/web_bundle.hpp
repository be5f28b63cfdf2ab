#pragma once
/// The dashboard's files (web/) as compiled into the binary; the source is
/// generated at build time by cmake/embed_web.cmake.

#include <string_view>
#include <vector>

namespace jobforge::http {

/// One file of web/: its path below web/ ("pages/jobs.mjs") and its bytes.
struct bundled_file {
  std::string_view path;
  std::string_view bytes;
};

/// Every bundled file, sorted by path.
const std::vector<bundled_file>& web_bundle();

}  // namespace jobforge::http
