#include "handlers/email_file_access.hpp"

#include "handlers/file_descriptor.hpp"
#include "handlers/folder_containment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace jobforge::handlers {

namespace fs = std::filesystem;

namespace {

// Absolute and without "." or "..", and without the empty last element a
// trailing slash leaves ("/srv/files/" would otherwise contain nothing).
fs::path lexical_form(const fs::path& p) {
  std::error_code ec;
  fs::path out = fs::absolute(p, ec).lexically_normal();
  if (!out.has_filename() && out != out.root_path()) out = out.parent_path();
  return out;
}

bool lies_inside(const fs::path& file, const fs::path& folder) {
  return place_of(file, folder) == path_place::inside;
}

}  // namespace

contained_file find_file_inside(const std::string& folder, const std::string& relative) {
  contained_file out;
  std::error_code ec;
  const fs::path root = fs::canonical(folder, ec);
  if (ec) return out;
  const fs::path candidate = fs::path(folder) / relative;
  // Lexically first: "../x" must read as outside even when it does not exist.
  if (!lies_inside(lexical_form(candidate), lexical_form(folder))) {
    out.status = file_lookup::outside;
    return out;
  }
  const fs::path real = fs::canonical(candidate, ec);
  if (ec) return out;
  if (!lies_inside(real, root)) {
    out.status = file_lookup::outside;
    return out;
  }
  const auto status = fs::status(real, ec);
  if (ec || !fs::is_regular_file(status)) {
    out.status = file_lookup::not_a_file;
    return out;
  }
  out.size = fs::file_size(real, ec);
  if (ec) return out;
  out.status = file_lookup::found;
  out.path = real;
  return out;
}

std::optional<std::string> read_contained_file(const contained_file& file, std::size_t max_bytes) {
  if (file.status != file_lookup::found) return std::nullopt;
  const file_descriptor fd{::open(file.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (fd.get() < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  std::string bytes;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
    if (bytes.size() > max_bytes) return std::nullopt;
  }
  return bytes;
}

}  // namespace jobforge::handlers
