#include "handlers/work_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <system_error>

namespace jobforge::handlers {
namespace {

job_error unavailable(std::string message) {
  return job_error{"work_dir_unavailable", std::move(message), error_kind::transient};
}

std::string random_hex() {
  std::random_device device;
  const auto bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

}  // namespace

work_file::~work_file() {
  if (!committed_) discard();
}

void work_file::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
}

std::optional<job_error> work_file::create(const std::string& dir, const handler_context& ctx,
                                           const std::string& stem, const std::string& extension) {
  if (dir.empty()) return unavailable("no work folder is configured");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unavailable("cannot create the work folder " + dir + ": " + ec.message());
  const std::string prefix =
      stem + "-" + to_string(ctx.job()) + "-" + std::to_string(ctx.attempt());
  // O_EXCL makes a name clash fail instead of sharing a file; a fresh random
  // suffix then almost surely succeeds.
  for (int tries = 0; tries < 8; ++tries) {
    const auto candidate = std::filesystem::path(dir) / (prefix + "-" + random_hex() + extension);
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd >= 0) {
      fd_ = fd;
      path_ = candidate;
      return std::nullopt;
    }
    if (errno != EEXIST)
      return unavailable("cannot create a file in the work folder " + dir + ": " +
                         std::strerror(errno));
  }
  return unavailable("no free file name in the work folder " + dir);
}

std::optional<job_error> work_file::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return job_error{"write_failed",
                       "cannot write the output file: " + std::string(std::strerror(errno)),
                       error_kind::transient};
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    written_ += static_cast<std::uint64_t>(n);
  }
  return std::nullopt;
}

std::optional<job_error> work_file::commit() {
  // close() is where some file systems (NFS) report a failed write.
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    return job_error{"write_failed",
                     "cannot finish the output file: " + std::string(std::strerror(errno)),
                     error_kind::transient};
  committed_ = true;
  return std::nullopt;
}

}  // namespace jobforge::handlers
