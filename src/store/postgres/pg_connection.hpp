#pragma once
/// A thin RAII layer over libpq for the PostgreSQL store: one connection,
/// results that free themselves, statements prepared once per session, and
/// a transaction sent as one pipeline (one round trip for a whole batch).
/// Failures are `pg::failure` exceptions carrying the SQLSTATE; the store
/// turns them into error values at its interface.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace jobforge::pg {

/// A failed libpq call or statement, with the server's SQLSTATE when it sent one.
class failure : public std::runtime_error {
 public:
  failure(const std::string& what, std::string sqlstate = {})
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  /// The five-character SQLSTATE ("" when the connection failed, not a statement).
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// A query parameter in text form; nullopt is SQL NULL.
using param = std::optional<std::string>;

/// An integer as the text of a parameter or of a literal in SQL.
inline std::string number(std::int64_t v) {
  return std::to_string(v);
}

/// The rows of one statement.
class result {
 public:
  explicit result(pg_result* r) noexcept : r_(r) {}
  result(result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
  result& operator=(result&& other) noexcept;
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  ~result();

  int rows() const noexcept;
  bool is_null(int row, int column) const noexcept;
  std::string_view text(int row, int column) const noexcept;
  /// The column as a 64-bit integer; throws `failure` when it is not one.
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;

 private:
  pg_result* r_ = nullptr;
};

class copy_decoder;

/// One row of a binary COPY: its fields' bytes, in PostgreSQL's binary
/// format (integers in network byte order, a uuid's 16 bytes, a text's
/// bytes as they are).
class binary_row {
 public:
  /// The number of fields.
  std::size_t size() const noexcept { return fields_.size(); }
  bool is_null(std::size_t field) const noexcept { return !fields_[field]; }
  /// The field's bytes (empty for NULL).
  std::string_view bytes(std::size_t field) const noexcept { return fields_[field].value_or(""); }
  /// A smallint, integer or bigint field; throws `failure` for NULL or any other width.
  std::int64_t integer(std::size_t field) const;
  std::optional<std::int64_t> optional_integer(std::size_t field) const;

 private:
  friend class copy_decoder;
  std::vector<std::optional<std::string_view>> fields_;
};

/// A statement of a pipeline: prepared once per session under `name`.
struct statement {
  std::string name;
  std::string sql;
};

/// One step of a transaction: a statement and its parameters.
struct step {
  const statement* what;
  std::vector<param> params;
};

/// An open session with the server.
class connection {
 public:
  /// Connects with a libpq connection string or URI; throws `failure` with
  /// libpq's reason (which never holds the password). `session_setup`
  /// (SQL, e.g. from session_limits()) runs on every session it opens,
  /// this one and each reconnect()'s.
  explicit connection(const std::string& conninfo, std::string session_setup = {});
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs SQL text that may hold several statements (no parameters); the
  /// rows of the last one.
  result exec(std::string_view sql);
  /// Runs one statement with parameters.
  result query(const std::string& sql, const std::vector<param>& params);
  /// Runs a prepared statement.
  result run(const statement& s, const std::vector<param>& params);

  /// Runs `steps` as one transaction, sent as one pipeline: every step's
  /// rows, or a `failure` (the first step's error) after which nothing of
  /// them is committed.
  std::vector<result> transact(const std::vector<step>& steps);

  /// Streams the rows of the read-only query `sql` with `COPY (sql) TO
  /// STDOUT (FORMAT binary)`: `each` gets every row as it arrives, decoded
  /// while the server still produces the next ones, and no result ever
  /// holds every row (a plain query buffers the whole answer first).
  void copy_out(const std::string& sql, const std::function<void(const binary_row&)>& each);

  /// Whether the session is usable; when it is not, `reconnect()` tries
  /// once to open a new one (prepared statements are prepared again).
  bool healthy() const noexcept;
  void reconnect();

  /// The server's version number (150004 for 15.4).
  int server_version() const noexcept;

 private:
  void prepare(const statement& s);
  void check_result(pg_result* r, std::string_view doing) const;

  pg_conn* conn_ = nullptr;
  std::string session_setup_;
  std::set<std::string> prepared_;
  bool broken_ = false;  ///< a pipeline failed half-way: reconnect before use
};

/// The SQL that bounds how long a session may sit idle inside a transaction
/// (`idle_in_transaction_session_timeout`): the server ends a session whose
/// process stopped half-way through a transaction (paused, hung, cut off),
/// and with it the locks it held. A leader's sessions get its lease length:
/// a takeover waits for the epoch lock that its open transaction holds, and
/// would otherwise wait as long as the process stays paused. 0: no limit.
std::string session_limits(std::chrono::milliseconds idle_in_transaction);

/// A text-format array literal (`{"a","b"}`) of `items`, for a `$n::text[]`
/// parameter; nullopt items are NULL elements.
std::string array_literal(const std::vector<param>& items);
std::string array_literal(const std::vector<std::string>& items);

}  // namespace jobforge::pg
