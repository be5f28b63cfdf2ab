#include "handlers/chunked_file.hpp"

#include "handlers/file_descriptor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace jobforge::handlers {
namespace {

job_error failure(std::string code, std::string message, error_kind kind) {
  return job_error{std::move(code), std::move(message), kind};
}

}  // namespace

job_error interrupted_error(const handler_context& ctx, const byte_progress& progress) {
  const auto why = ctx.stop().reason();
  return failure("interrupted",
                 "stopped after " + format_bytes(progress.done()) + " of " +
                     format_bytes(progress.total()) + " (" +
                     std::string(why ? to_string(*why) : "stop") + ")",
                 error_kind::transient);
}

std::optional<job_error> read_in_chunks(const std::filesystem::path& path, std::size_t chunk_bytes,
                                        handler_context& ctx, byte_progress& progress,
                                        const chunk_consumer& consume) {
  // O_NOFOLLOW: the path was checked symlink-free, and must not turn into a
  // symlink since. O_NONBLOCK: a FIFO swapped in would otherwise block open().
  file_descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0)
    return failure("not_readable",
                   "cannot open " + path.filename().string() + ": " + std::strerror(errno),
                   error_kind::permanent);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
    return failure("not_a_file", path.filename().string() + " is not a regular file",
                   error_kind::permanent);

  std::vector<char> buffer(std::max<std::size_t>(chunk_bytes, 4096));
  for (;;) {
    if (ctx.stop().stop_requested()) return interrupted_error(ctx, progress);
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure("read_failed",
                     "cannot read " + path.filename().string() + ": " + std::strerror(errno),
                     error_kind::transient);
    }
    if (n == 0) return std::nullopt;
    if (auto failed = consume(std::string_view(buffer.data(), static_cast<std::size_t>(n))))
      return failed;
    progress.advance(static_cast<std::uint64_t>(n));
  }
}

}  // namespace jobforge::handlers
