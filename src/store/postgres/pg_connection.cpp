#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

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

std::int64_t result::binary_integer(int row, int column) const {
  const auto t = text(row, column);
  if (t.size() != 2 && t.size() != 4 && t.size() != 8)
    throw failure("the server answered " + std::to_string(t.size()) +
                  " bytes where a binary integer was expected");
  // Network byte order, two's complement: sign-extend from the first byte.
  auto value =
      static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<signed char>(t[0])));
  for (std::size_t i = 1; i < t.size(); ++i)
    value = (value << 8) | static_cast<unsigned char>(t[i]);
  return static_cast<std::int64_t>(value);
}

std::optional<std::int64_t> result::optional_binary_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return binary_integer(row, column);
}

connection::connection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
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

void connection::read_in_batches(const std::string& sql, int batch,
                                 const std::function<void(const result&)>& each) {
  // As in transact(): until the last sync is read, a failure leaves the
  // session in an unknown state, and the next call reconnects.
  broken_ = true;
  if (PQenterPipelineMode(conn_) != 1)
    throw failure("cannot enter pipeline mode: " + trimmed(PQerrorMessage(conn_)));
  const auto send = [&](const std::string& command, int format) {
    if (PQsendQueryParams(conn_, command.c_str(), 0, nullptr, nullptr, nullptr, nullptr, format) !=
        1)
      throw failure("cannot send " + command + ": " + trimmed(PQerrorMessage(conn_)));
  };
  const auto sync = [&] {
    if (PQpipelineSync(conn_) != 1)
      throw failure("cannot send the pipeline: " + trimmed(PQerrorMessage(conn_)));
  };
  // One command's result (then the null that ends it); a failure is thrown.
  const auto next = [&](std::string_view doing) {
    owned_result r(PQgetResult(conn_));
    if (!r)
      throw failure("the connection to PostgreSQL was lost: " + trimmed(PQerrorMessage(conn_)));
    check_result(r.get(), doing);
    PQclear(PQgetResult(conn_));
    return result(r.release());
  };
  const auto synced = [&] {
    owned_result r(PQgetResult(conn_));
    if (!r || PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC)
      throw failure("the pipeline did not end with its sync: " + trimmed(PQerrorMessage(conn_)));
  };
  const std::string fetch = "FETCH FORWARD " + std::to_string(batch) + " FROM jobforge_read";
  const auto ask = [&] {
    send(fetch, 1);  // binary: the Bind's format wins over the cursor's
    sync();          // makes the server flush each batch as it ends
  };
  send("BEGIN READ ONLY", 0);
  send("DECLARE jobforge_read NO SCROLL CURSOR FOR " + sql, 0);
  ask();
  ask();
  next("BEGIN");
  next("DECLARE");
  int in_flight = 2;
  bool exhausted = false;
  while (in_flight > 0) {
    result r = next("FETCH");
    synced();
    --in_flight;
    if (r.rows() < batch) exhausted = true;
    if (!exhausted) {
      ask();
      ++in_flight;
    }
    if (r.rows() > 0) each(r);
  }
  send("COMMIT", 0);  // closes the cursor
  sync();
  next("COMMIT");
  synced();
  if (PQexitPipelineMode(conn_) != 1)
    throw failure("cannot leave pipeline mode: " + trimmed(PQerrorMessage(conn_)));
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
