#pragma once
/// Where the dashboard's files come from: the copy compiled into the binary,
/// or a folder read at every request (`serve --web-root DIR`, so that edits
/// show on a reload), and Chart.js as Debian installs it. Every file is
/// answered with its content type and an ETag. Internal to src/http.

#include "model/error.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge::http {

/// One file, ready to send.
struct web_file {
  std::string body;
  std::string_view content_type;
  std::string etag;  ///< a strong validator over the body, quoted
};

/// The content type of `path` by its extension; nullopt for a kind of file
/// the dashboard does not serve.
std::optional<std::string_view> web_content_type(std::string_view path);

/// Whether `path` is a plain relative path: segments of letters, digits,
/// '-', '_' and '.', none empty or starting with '.' (so no "..", no hidden
/// file, nothing absolute).
bool is_plain_web_path(std::string_view path);

/// The dashboard's files, by their path below web/ ("pages/jobs.mjs").
class web_files {
 public:
  /// The files compiled in.
  web_files();
  /// The files of `root`, read at each request; `invalid_argument` naming
  /// the folder when it holds no index.html.
  static expected<web_files> from_folder(const std::string& root);

  /// The file at `path`, or nullopt (unknown, not plain, not a served kind,
  /// or outside the folder through a symbolic link).
  std::optional<web_file> find(std::string_view path) const;
  /// Files read from a folder change under the server: never cache them.
  bool from_folder() const { return !root_.empty(); }

 private:
  explicit web_files(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path root_;  ///< canonical; empty: the compiled-in files
  std::map<std::string, web_file, std::less<>> bundled_;
};

/// The file at `path` (Chart.js from Debian's libjs-chart.js), read at each
/// request so that a package update needs no rebuild; nullopt when missing.
std::optional<web_file> read_web_file(const std::filesystem::path& path);

}  // namespace jobforge::http
