#pragma once
/// A SQLite VFS that writes each commit's write-ahead-log frames with one
/// system call instead of two per page.
///
/// Why: SQLite appends every page of a commit to the `-wal` file as a frame
/// (a 24-byte header, then the page), each half with its own `pwrite`. A
/// one-job commit touches about seven pages (the row and one leaf of each
/// index), so fourteen system calls; on a virtual machine where a system
/// call costs several microseconds, they were most of a small commit's
/// time. This VFS wraps the default one and, for the `-wal` file only,
/// gathers appended frames in memory and writes them in one `pwrite` as
/// soon as the commit frame (the frame whose header carries the database
/// size) is complete, before SQLite reports the commit. So a commit is on
/// the operating system's side exactly when it would be without this VFS:
/// `kill -9` after a commit loses nothing, and `fdatasync` (synchronous
/// FULL) sees every byte, because any other call on the file (sync, read,
/// size, truncate, close) first writes what is gathered.
///
/// Only whole frames at the end of the log are gathered; any other write
/// (the log's header, a page rewritten in place) first writes what is
/// gathered, then goes straight through, as does everything when the page
/// size cannot be known.

#include <cstdint>

namespace jobforge::sqlite {

/// The VFS's name for `sqlite3_open_v2`, registered (once) on first use.
const char* wal_coalescing_vfs();

/// What the VFS did since the process started: for tests and benchmarks.
struct wal_write_counts {
  std::uint64_t received = 0;  ///< writes SQLite made to `-wal` files
  std::uint64_t issued = 0;    ///< writes that reached the file system
};
wal_write_counts wal_coalescing_counts();

}  // namespace jobforge::sqlite
