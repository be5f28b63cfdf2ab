#include "store/sqlite/wal_write_coalescing.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

namespace jobforge::sqlite {
namespace {

// The write-ahead log's layout (SQLite's file format, "WAL file format"):
// a 32-byte header whose bytes 8-11 hold the page size, then frames of a
// 24-byte header and one page; a frame header's bytes 4-7 hold the database
// size in pages for the last frame of a commit, and zero for the others.
constexpr std::int64_t log_header_bytes = 32;
constexpr std::int64_t frame_header_bytes = 24;
// Gathered bytes are written once this many are waiting, commit or not
// (a transaction of thousands of jobs), so that memory stays small.
constexpr std::size_t gather_limit = 1 << 20;
// The unix VFS writes at most 128 KiB - 1 bytes a call (it masks the
// length with 0x1ffff), so what is gathered goes out in pieces of 64 KiB.
constexpr std::size_t write_limit = 1 << 16;

std::atomic<std::uint64_t> received_writes{0};
std::atomic<std::uint64_t> issued_writes{0};

std::uint32_t big_endian_32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// The page size a log header names, or 0 when it is not a log header.
std::int64_t page_size_of_header(const unsigned char* header) {
  const std::uint32_t magic = big_endian_32(header);
  if (magic != 0x377f0682 && magic != 0x377f0683) return 0;
  const std::uint32_t size = big_endian_32(header + 8);
  const bool power_of_two = size >= 512 && size <= 65536 && (size & (size - 1)) == 0;
  return power_of_two ? size : 0;
}

/// What SQLite holds for each open file: ours, then the wrapped file.
struct gathering_file {
  sqlite3_file base;  // must come first: SQLite sees this
  sqlite3_file* real = nullptr;
  bool is_log = false;
  std::int64_t frame_bytes = 0;  // 0: not known yet, nothing is gathered
  std::vector<unsigned char> gathered;
  std::int64_t gathered_at = 0;  // file offset of gathered[0], a frame boundary
  std::int64_t next_header = 0;  // the next frame header not yet examined
  std::int64_t commit_end = 0;   // where the gathered commit frame ends, 0: none
};

gathering_file* self(sqlite3_file* f) {
  return reinterpret_cast<gathering_file*>(f);
}

int write_gathered(gathering_file* f) {
  if (f->gathered.empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < f->gathered.size() && rc == SQLITE_OK; done += write_limit) {
    const std::size_t amount = std::min(write_limit, f->gathered.size() - done);
    issued_writes.fetch_add(1, std::memory_order_relaxed);
    rc = f->real->pMethods->xWrite(f->real, f->gathered.data() + done, static_cast<int>(amount),
                                   f->gathered_at + static_cast<std::int64_t>(done));
  }
  // On failure the frames are gone either way: SQLite rolls the
  // transaction back and writes them again, at the same offsets.
  f->gathered.clear();
  f->commit_end = 0;
  return rc;
}

bool at_frame_boundary(const gathering_file* f, std::int64_t offset) {
  return f->frame_bytes > 0 && offset >= log_header_bytes &&
         (offset - log_header_bytes) % f->frame_bytes == 0;
}

// A log written before this process opened it: its header says the page size.
void learn_page_size_from_disk(gathering_file* f) {
  sqlite3_int64 size = 0;
  if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK || size < log_header_bytes) return;
  unsigned char header[log_header_bytes];
  if (f->real->pMethods->xRead(f->real, header, log_header_bytes, 0) != SQLITE_OK) return;
  f->frame_bytes = frame_header_bytes + page_size_of_header(header);
  if (f->frame_bytes == frame_header_bytes) f->frame_bytes = 0;
}

int write_through(gathering_file* f, const void* data, int amount, sqlite3_int64 offset) {
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  if (f->is_log && offset == 0 && amount >= log_header_bytes) {  // the log starts over
    const std::int64_t page = page_size_of_header(static_cast<const unsigned char*>(data));
    f->frame_bytes = page > 0 ? frame_header_bytes + page : 0;
  }
  issued_writes.fetch_add(f->is_log ? 1 : 0, std::memory_order_relaxed);
  return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  gathering_file* f = self(file);
  if (!f->is_log) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  received_writes.fetch_add(1, std::memory_order_relaxed);
  if (f->frame_bytes == 0 && offset > 0) learn_page_size_from_disk(f);
  const bool continues = !f->gathered.empty() &&
                         offset == f->gathered_at + static_cast<std::int64_t>(f->gathered.size());
  const bool starts_frame = f->gathered.empty() && at_frame_boundary(f, offset);
  if (!continues && !starts_frame) return write_through(f, data, amount, offset);
  if (starts_frame) {
    f->gathered_at = offset;
    f->next_header = offset;
  }
  const auto* bytes = static_cast<const unsigned char*>(data);
  f->gathered.insert(f->gathered.end(), bytes, bytes + amount);
  const std::int64_t end = f->gathered_at + static_cast<std::int64_t>(f->gathered.size());
  // Every frame in `gathered` starts inside it, so each header is seen here.
  for (; f->next_header + frame_header_bytes <= end; f->next_header += f->frame_bytes) {
    const unsigned char* header = f->gathered.data() + (f->next_header - f->gathered_at);
    if (big_endian_32(header + 4) != 0) f->commit_end = f->next_header + f->frame_bytes;
  }
  if ((f->commit_end != 0 && end >= f->commit_end) || f->gathered.size() >= gather_limit)
    return write_gathered(f);
  return SQLITE_OK;
}

// The calls below write what is gathered first, where SQLite could notice
// it is missing (a read, the size, a sync); the rest only forward.
int x_close(sqlite3_file* file) {
  gathering_file* f = self(file);
  int rc = write_gathered(f);
  const int closed = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  f->~gathering_file();
  return rc != SQLITE_OK ? rc : closed;
}

int x_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, data, amount, offset);
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int x_sync(sqlite3_file* file, int flags) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int x_lock(sqlite3_file* file, int level) {
  return self(file)->real->pMethods->xLock(self(file)->real, level);
}

int x_unlock(sqlite3_file* file, int level) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xUnlock(f->real, level);
}

int x_check_reserved_lock(sqlite3_file* file, int* out) {
  return self(file)->real->pMethods->xCheckReservedLock(self(file)->real, out);
}

int x_file_control(sqlite3_file* file, int op, void* arg) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

int x_sector_size(sqlite3_file* file) {
  return self(file)->real->pMethods->xSectorSize(self(file)->real);
}

int x_device_characteristics(sqlite3_file* file) {
  return self(file)->real->pMethods->xDeviceCharacteristics(self(file)->real);
}

int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return self(file)->real->pMethods->xShmMap(self(file)->real, page, size, extend, out);
}

int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return self(file)->real->pMethods->xShmLock(self(file)->real, offset, n, flags);
}

void x_shm_barrier(sqlite3_file* file) {
  self(file)->real->pMethods->xShmBarrier(self(file)->real);
}

int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  return self(file)->real->pMethods->xShmUnmap(self(file)->real, delete_flag);
}

int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  gathering_file* f = self(file);
  if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return self(file)->real->pMethods->xUnfetch(self(file)->real, offset, page);
}

// Version 3 methods; the wrapped file's are asked for only when SQLite
// calls them, which it does only when the wrapped VFS offers them.
const sqlite3_io_methods gathering_methods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

sqlite3_vfs* wrapped(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = new (file) gathering_file{};
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  std::memset(f->real, 0, static_cast<std::size_t>(wrapped(vfs)->szOsFile));
  const int rc = wrapped(vfs)->xOpen(wrapped(vfs), name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) {
    // SQLite calls no method of a file whose open failed, not even close.
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    f->~gathering_file();
    file->pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  if (f->real->pMethods->iVersion < 3) {  // no shared memory to forward: stay out of the way
    f->real->pMethods->xClose(f->real);
    f->~gathering_file();
    file->pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  f->is_log = (flags & SQLITE_OPEN_WAL) != 0;
  f->base.pMethods = &gathering_methods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return wrapped(vfs)->xDelete(wrapped(vfs), name, sync_dir);
}
int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return wrapped(vfs)->xAccess(wrapped(vfs), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return wrapped(vfs)->xFullPathname(wrapped(vfs), name, size, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  return wrapped(vfs)->xDlOpen(wrapped(vfs), name);
}
void x_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  wrapped(vfs)->xDlError(wrapped(vfs), size, out);
}
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return wrapped(vfs)->xDlSym(wrapped(vfs), handle, symbol);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  wrapped(vfs)->xDlClose(wrapped(vfs), handle);
}
int x_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return wrapped(vfs)->xRandomness(wrapped(vfs), size, out);
}
int x_sleep(sqlite3_vfs* vfs, int microseconds) {
  return wrapped(vfs)->xSleep(wrapped(vfs), microseconds);
}
int x_current_time(sqlite3_vfs* vfs, double* out) {
  return wrapped(vfs)->xCurrentTime(wrapped(vfs), out);
}
int x_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return wrapped(vfs)->xGetLastError(wrapped(vfs), size, out);
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return wrapped(vfs)->xCurrentTimeInt64(wrapped(vfs), out);
}

constexpr const char* vfs_name = "jobforge-wal-coalescing";

sqlite3_vfs* register_once() {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr || base->iVersion < 2)
    throw std::runtime_error("SQLite has no default VFS of version 2 or later to wrap");
  static sqlite3_vfs vfs = {};
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(sizeof(gathering_file)) + base->szOsFile;
  vfs.mxPathname = base->mxPathname;
  vfs.zName = vfs_name;
  vfs.pAppData = base;
  vfs.xOpen = x_open;
  vfs.xDelete = x_delete;
  vfs.xAccess = x_access;
  vfs.xFullPathname = x_full_pathname;
  vfs.xDlOpen = x_dl_open;
  vfs.xDlError = x_dl_error;
  vfs.xDlSym = x_dl_sym;
  vfs.xDlClose = x_dl_close;
  vfs.xRandomness = x_randomness;
  vfs.xSleep = x_sleep;
  vfs.xCurrentTime = x_current_time;
  vfs.xGetLastError = x_get_last_error;
  vfs.xCurrentTimeInt64 = x_current_time_int64;
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK)
    throw std::runtime_error("cannot register SQLite VFS " + std::string(vfs_name));
  return &vfs;
}

}  // namespace

const char* wal_coalescing_vfs() {
  static sqlite3_vfs* vfs = register_once();
  return vfs->zName;
}

wal_write_counts wal_coalescing_counts() {
  return {received_writes.load(std::memory_order_relaxed),
          issued_writes.load(std::memory_order_relaxed)};
}

}  // namespace jobforge::sqlite
