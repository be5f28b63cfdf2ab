#include "store/sqlite/sqlite_connection.hpp"

#include "store/sqlite/wal_write_coalescing.hpp"

#include <sqlite3.h>

#include <string>

namespace jobforge::sqlite {
namespace {

// SQLite's memory statistics take one process-wide mutex on every
// allocation; nothing here reads them. Effective only before SQLite
// initializes (the first open), so set once, before it.
void configure_process_once() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

connection::connection(const std::string& path) {
  configure_process_once();
  const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 wal_coalescing_vfs());
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw failure(rc, "cannot open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

connection::~connection() {
  // Statements are finalized by their owners first; close_v2 would defer
  // the close if one were still open rather than fail.
  sqlite3_close_v2(db_);
}

int connection::changes() const noexcept {
  return sqlite3_changes(db_);
}

void connection::check(int rc, std::string_view doing) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  throw failure(rc, std::string(doing) + ": " + sqlite3_errmsg(db_));
}

void connection::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw failure(rc, what);
  }
}

std::int64_t connection::query_int(std::string_view sql) {
  statement s(*this, sql);
  if (!s.step()) throw failure(SQLITE_ERROR, "no row from: " + std::string(sql));
  return s.column_int(0);
}

std::string connection::query_text(std::string_view sql) {
  statement s(*this, sql);
  if (!s.step()) throw failure(SQLITE_ERROR, "no row from: " + std::string(sql));
  return std::string(s.column_text(0));
}

statement::statement(connection& db, std::string_view sql) : db_(db.handle()) {
  db.check(sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
           "prepare");
}

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

namespace {

void check_bind(sqlite3* db, int rc) {
  if (rc != SQLITE_OK) throw failure(rc, std::string("bind: ") + sqlite3_errmsg(db));
}

}  // namespace

statement& statement::bind(int index, std::int64_t value) {
  check_bind(db_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  check_bind(db_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                      SQLITE_UTF8));
  return *this;
}

statement& statement::bind_null(int index) {
  check_bind(db_, sqlite3_bind_null(stmt_, index));
  return *this;
}

statement& statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

statement& statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw failure(rc, message);
}

void statement::run() {
  while (step()) {
  }
  reset();
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

bool statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::string_view statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

transaction::transaction(connection& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

transaction::~transaction() {
  if (!open_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const failure&) {
    // SQLite already rolled back (e.g. after SQLITE_FULL); nothing to undo.
  }
}

void transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace jobforge::sqlite
