#pragma once
/// A thin RAII layer over the SQLite C API for the SQLite store: one
/// connection, prepared statements that reset themselves, and failures as
/// `sqlite_failure` exceptions (the store turns them into error values at its
/// interface, so nothing here leaks past it).

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace jobforge::sqlite {

/// A failed SQLite call, with SQLite's own message.
class failure : public std::runtime_error {
 public:
  failure(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

class connection;

/// A prepared statement. Bind by 1-based index, step through rows, and it
/// resets (keeping the compiled plan) when `reset()` is called or a new
/// execution starts.
class statement {
 public:
  statement(connection& db, std::string_view sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  statement(statement&& other) noexcept;
  statement& operator=(statement&&) = delete;

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, std::string_view text);
  statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  statement& bind_null(int index);
  statement& bind(int index, const std::optional<std::int64_t>& value);
  statement& bind(int index, const std::optional<std::string>& text);

  /// Advances to the next row: true while there is one.
  bool step();
  /// Runs a statement that returns no rows, then resets it.
  void run();
  void reset();

  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;
  std::string_view column_text(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// An open database file.
class connection {
 public:
  /// Opens (creating it if missing) the file at `path`.
  explicit connection(const std::string& path);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs SQL text that may hold several statements and returns no rows.
  void exec(std::string_view sql);
  /// The first column of the first row of a one-value query.
  std::int64_t query_int(std::string_view sql);
  std::string query_text(std::string_view sql);

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  int changes() const noexcept;

  sqlite3* handle() const noexcept { return db_; }
  /// Throws `failure` with the connection's last message when `rc` is an error.
  void check(int rc, std::string_view doing) const;

 private:
  sqlite3* db_ = nullptr;
};

/// BEGIN IMMEDIATE on construction, ROLLBACK unless `commit()` was called.
class transaction {
 public:
  explicit transaction(connection& db);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();

 private:
  connection& db_;
  bool open_ = true;
};

}  // namespace jobforge::sqlite
