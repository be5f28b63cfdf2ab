#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>

namespace jobforge::pg {
namespace {

std::string trimmed(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

// The failure a result holds, or none.
std::optional<failure> failure_of(PGresult* r, PGconn* conn, std::string_view doing) {
  const auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_SYNC)
    return std::nullopt;
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      trimmed(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn));
  return failure(std::string(doing) + ": " + (message.empty() ? "no answer" : message),
                 state != nullptr ? state : "");
}

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using owned_result = std::unique_ptr<PGresult, result_deleter>;

void append_element(std::string& out, const param& item) {
  if (!item) {
    out += "NULL";
    return;
  }
  out += '"';
  for (char c : *item) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

result& result::operator=(result&& other) noexcept {
  if (this != &other) {
    PQclear(r_);
    r_ = other.r_;
    other.r_ = nullptr;
  }
  return *this;
}

result::~result() {
  PQclear(r_);
}

int result::rows() const noexcept {
  return r_ != nullptr ? PQntuples(r_) : 0;
}

bool result::is_null(int row, int column) const noexcept {
  return PQgetisnull(r_, row, column) != 0;
}

std::string_view result::text(int row, int column) const noexcept {
  return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}

std::int64_t result::integer(int row, int column) const {
  const auto t = text(row, column);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc{} || end != t.data() + t.size())
    throw failure("the server answered '" + std::string(t) + "' where a number was expected");
  return value;
}

std::optional<std::int64_t> result::optional_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return integer(row, column);
}

std::int64_t binary_row::integer(std::size_t field) const {
  const auto t = bytes(field);
  if (is_null(field) || (t.size() != 2 && t.size() != 4 && t.size() != 8))
    throw failure("the server sent " + std::to_string(t.size()) +
                  " bytes where a binary integer was expected");
  // Network byte order, two's complement: sign-extend from the first byte.
  auto value =
      static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<signed char>(t[0])));
  for (std::size_t i = 1; i < t.size(); ++i)
    value = (value << 8) | static_cast<unsigned char>(t[i]);
  return static_cast<std::int64_t>(value);
}

std::optional<std::int64_t> binary_row::optional_integer(std::size_t field) const {
  if (is_null(field)) return std::nullopt;
  return integer(field);
}

connection::connection(const std::string& conninfo, std::string session_setup)
    : conn_(PQconnectdb(conninfo.c_str())), session_setup_(std::move(session_setup)) {
  if (conn_ == nullptr) throw failure("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw failure("cannot connect to PostgreSQL: " + why);
  }
  // Notices (e.g. "relation already exists, skipping") are not for our log.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  if (!session_setup_.empty()) {
    try {
      exec(session_setup_);
    } catch (...) {
      PQfinish(conn_);
      conn_ = nullptr;
      throw;
    }
  }
}

connection::~connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool connection::healthy() const noexcept {
  return !broken_ && conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

void connection::reconnect() {
  prepared_.clear();
  broken_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw failure("cannot reconnect to PostgreSQL: " + trimmed(PQerrorMessage(conn_)));
  if (!session_setup_.empty()) exec(session_setup_);
}

std::string session_limits(std::chrono::milliseconds idle_in_transaction) {
  return "SET idle_in_transaction_session_timeout = " +
         std::to_string(std::max<std::int64_t>(0, idle_in_transaction.count()));
}

int connection::server_version() const noexcept {
  return PQserverVersion(conn_);
}

void connection::check_result(PGresult* r, std::string_view doing) const {
  if (auto f = failure_of(r, conn_, doing)) throw *f;
}

result connection::exec(std::string_view sql) {
  owned_result r(PQexec(conn_, std::string(sql).c_str()));
  check_result(r.get(), "a statement failed");
  return result(r.release());
}

namespace {

struct c_params {
  explicit c_params(const std::vector<param>& params) {
    values.reserve(params.size());
    for (const auto& p : params)
      values.push_back(p ? p->c_str() : nullptr);
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
};

}  // namespace

result connection::query(const std::string& sql, const std::vector<param>& params) {
  const c_params p(params);
  owned_result r(
      PQexecParams(conn_, sql.c_str(), p.count(), nullptr, p.values.data(), nullptr, nullptr, 0));
  check_result(r.get(), "a query failed");
  return result(r.release());
}

void connection::prepare(const statement& s) {
  if (prepared_.count(s.name) != 0) return;
  owned_result r(PQprepare(conn_, s.name.c_str(), s.sql.c_str(), 0, nullptr));
  check_result(r.get(), "cannot prepare " + s.name);
  prepared_.insert(s.name);
}

result connection::run(const statement& s, const std::vector<param>& params) {
  prepare(s);
  const c_params p(params);
  owned_result r(
      PQexecPrepared(conn_, s.name.c_str(), p.count(), p.values.data(), nullptr, nullptr, 0));
  check_result(r.get(), s.name);
  return result(r.release());
}

std::vector<result> connection::transact(const std::vector<step>& steps) {
  for (const auto& s : steps)
    prepare(*s.what);
  // Until the sync is read, a failure leaves the session in an unknown
  // state: it is dropped, and the next call reconnects.
  broken_ = true;
  if (PQenterPipelineMode(conn_) != 1)
    throw failure("cannot enter pipeline mode: " + trimmed(PQerrorMessage(conn_)));
  const auto send_plain = [&](const char* sql) {
    if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
      throw failure("cannot send " + std::string(sql) + ": " + trimmed(PQerrorMessage(conn_)));
  };
  send_plain("BEGIN");
  for (const auto& s : steps) {
    const c_params p(s.params);
    if (PQsendQueryPrepared(conn_, s.what->name.c_str(), p.count(), p.values.data(), nullptr,
                            nullptr, 0) != 1)
      throw failure("cannot send " + s.what->name + ": " + trimmed(PQerrorMessage(conn_)));
  }
  send_plain("COMMIT");
  if (PQpipelineSync(conn_) != 1)
    throw failure("cannot send the pipeline: " + trimmed(PQerrorMessage(conn_)));

  // Each command's result, then a null; then the sync. The first failure
  // is the one to report (those after it are only "aborted").
  std::optional<failure> first;
  std::vector<result> out;
  out.reserve(steps.size());
  const std::size_t commands = steps.size() + 2;
  for (std::size_t i = 0; i < commands; ++i) {
    owned_result r(PQgetResult(conn_));
    if (!r)
      throw failure("the connection to PostgreSQL was lost: " + trimmed(PQerrorMessage(conn_)));
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_PIPELINE_ABORTED && !first) {
      const std::string_view doing = i == 0 ? std::string_view("BEGIN")
                                     : i == commands - 1
                                         ? std::string_view("COMMIT")
                                         : std::string_view(steps[i - 1].what->name);
      first = failure_of(r.get(), conn_, doing);
    }
    if (i > 0 && i < commands - 1) out.emplace_back(r.release());
    PQclear(PQgetResult(conn_));  // the null that ends each command's results
  }
  owned_result sync(PQgetResult(conn_));
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
    throw failure("the pipeline did not end with its sync: " + trimmed(PQerrorMessage(conn_)));
  if (PQexitPipelineMode(conn_) != 1)
    throw failure("cannot leave pipeline mode: " + trimmed(PQerrorMessage(conn_)));
  // A failed step leaves the explicit transaction aborted, not closed.
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    owned_result rollback(PQexec(conn_, "ROLLBACK"));
    check_result(rollback.get(), "ROLLBACK");
  }
  broken_ = false;
  if (first) throw *first;
  return out;
}

namespace {

std::uint32_t big_endian(const char* p, std::size_t width) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < width; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

// The binary COPY stream: a header, then tuples (a 16-bit field count,
// then per field a 32-bit length, -1 for NULL, and its bytes), then a
// trailer (a field count of -1). PostgreSQL sends one tuple per message,
// but the format does not promise it: a tuple cut by a message's end is
// kept and completed by the next.
class copy_decoder {
 public:
  explicit copy_decoder(const std::function<void(const binary_row&)>& each, binary_row& row)
      : each_(each), row_(row) {}

  void feed(std::string_view data) {
    if (carry_.empty()) {
      const std::size_t used = consume(data);
      carry_.assign(data.substr(used));
    } else {
      carry_.append(data);
      const std::size_t used = consume(carry_);
      carry_.erase(0, used);
    }
  }

  void finish() const {
    if (!ended_ || !carry_.empty()) throw failure("the COPY stream ended half-way");
  }

 private:
  static constexpr std::string_view signature{"PGCOPY\n\377\r\n\0", 11};

  // Decodes what `data` holds whole; how many bytes that was.
  std::size_t consume(std::string_view data) {
    std::size_t at = 0;
    if (!header_read_) {
      if (data.size() < 19) return 0;
      if (data.substr(0, 11) != signature) throw failure("the COPY stream has no binary header");
      const std::size_t extension = big_endian(data.data() + 15, 4);
      if (data.size() < 19 + extension) return 0;
      at = 19 + extension;
      header_read_ = true;
    }
    while (at + 2 <= data.size()) {
      if (ended_) throw failure("the COPY stream goes on after its trailer");
      const auto count = static_cast<std::int16_t>(big_endian(data.data() + at, 2));
      if (count == -1) {
        ended_ = true;
        at += 2;
        continue;
      }
      if (count < 0) throw failure("the COPY stream has a malformed tuple");
      std::size_t p = at + 2;
      row_.fields_.clear();
      for (int f = 0; f < count; ++f) {
        if (p + 4 > data.size()) return at;  // the rest comes next
        const auto length = static_cast<std::int32_t>(big_endian(data.data() + p, 4));
        p += 4;
        if (length == -1) {
          row_.fields_.emplace_back(std::nullopt);
          continue;
        }
        if (length < 0) throw failure("the COPY stream has a malformed field");
        if (p + static_cast<std::size_t>(length) > data.size()) return at;
        row_.fields_.emplace_back(data.substr(p, static_cast<std::size_t>(length)));
        p += static_cast<std::size_t>(length);
      }
      each_(row_);
      at = p;
    }
    return at;
  }

  const std::function<void(const binary_row&)>& each_;
  binary_row& row_;
  std::string carry_;
  bool header_read_ = false;
  bool ended_ = false;
};

void connection::copy_out(const std::string& sql,
                          const std::function<void(const binary_row&)>& each) {
  // Until the COPY's end is read, a failure (here or in `each`) leaves the
  // session in the middle of it: it is dropped, and the next call reconnects.
  broken_ = true;
  const std::string copy = "COPY (" + sql + ") TO STDOUT (FORMAT binary)";
  if (PQsendQuery(conn_, copy.c_str()) != 1)
    throw failure("cannot send a COPY: " + trimmed(PQerrorMessage(conn_)));
  {
    owned_result started(PQgetResult(conn_));
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_OUT) {
      check_result(started.get(), "COPY");
      throw failure("the server did not start the COPY");
    }
  }
  binary_row row;
  copy_decoder decoder(each, row);
  for (;;) {
    char* buffer = nullptr;
    const int got = PQgetCopyData(conn_, &buffer, 0);
    if (got == -1) break;  // the end: its status follows
    if (got < 0 || buffer == nullptr)
      throw failure("the COPY failed: " + trimmed(PQerrorMessage(conn_)));
    const std::unique_ptr<char, void (*)(void*)> owned(buffer, PQfreemem);
    decoder.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
  }
  owned_result done(PQgetResult(conn_));
  check_result(done.get(), "COPY");
  PQclear(PQgetResult(conn_));  // the null that ends the command
  decoder.finish();
  broken_ = false;
}

std::string array_literal(const std::vector<param>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    append_element(out, items[i]);
  }
  out += '}';
  return out;
}

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    append_element(out, items[i]);
  }
  out += '}';
  return out;
}

}  // namespace jobforge::pg
