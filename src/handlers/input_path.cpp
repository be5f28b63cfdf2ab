#include "handlers/input_path.hpp"

#include "handlers/folder_containment.hpp"

#include <system_error>

namespace jobforge::handlers {
namespace {

namespace fs = std::filesystem;

input_path_resolution refuse(std::string code, std::string message,
                             error_kind kind = error_kind::permanent) {
  input_path_resolution r;
  r.failure = job_error{std::move(code), std::move(message), kind};
  return r;
}

}  // namespace

input_path_resolution resolve_input_path(const std::string& input_dir,
                                         const std::string& requested) {
  if (input_dir.empty())
    return refuse("path_not_allowed", "no input folder is configured, so no path is allowed");
  if (requested.empty()) return refuse("path_not_allowed", "field `path` is empty");
  // A NUL would silently cut the path short at the system call.
  if (requested.find('\0') != std::string::npos)
    return refuse("path_not_allowed", "field `path` contains a NUL character");

  std::error_code ec;
  const fs::path folder = fs::canonical(input_dir, ec);
  if (ec || !fs::is_directory(folder, ec))
    return refuse("input_dir_unavailable",
                  "the input folder " + input_dir + " cannot be opened" +
                      (ec ? ": " + ec.message() : std::string(": not a directory")),
                  error_kind::transient);

  const fs::path asked(requested);
  // weakly_canonical follows every symlink of the part that exists and
  // folds `..` in the rest, so what is checked is where the file really is.
  const fs::path resolved = fs::weakly_canonical(asked.is_absolute() ? asked : folder / asked, ec);
  if (ec)
    return refuse("path_not_allowed",
                  "field `path` (" + requested + ") cannot be resolved: " + ec.message());
  // The folder itself is let through, to be refused as a directory below.
  if (place_of(resolved, folder) == path_place::outside)
    return refuse("path_not_allowed",
                  "field `path` (" + requested + ") lies outside the input folder");

  const auto status = fs::status(resolved, ec);
  if (ec || !fs::exists(status))
    return refuse("not_found", "field `path`: no file " + requested + " in the input folder");
  if (!fs::is_regular_file(status))
    return refuse("not_a_file",
                  "field `path` (" + requested + ") is " +
                      (fs::is_directory(status) ? "a directory" : "not a regular file"));

  input_path_resolution r;
  r.size = fs::file_size(resolved, ec);
  if (ec) return refuse("not_found", "field `path`: cannot read the size of " + requested);
  r.path = resolved;
  return r;
}

}  // namespace jobforge::handlers
