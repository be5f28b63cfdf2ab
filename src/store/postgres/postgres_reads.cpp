#include "store/postgres/postgres_reads.hpp"

#include "model/job_json_text.hpp"
#include "model/utf8_text.hpp"

#include <boost/json.hpp>

#include <exception>
#include <utility>

namespace jobforge::pg_reads {
namespace {

using pg::number;
using pg::param;

// A stored document (column 0) with its history (column 1) as a job, or
// why it is not one.
expected<job> read_row(const pg::result& r, int row) {
  return read_job(r.text(row, 0), r.is_null(row, 1) ? std::string_view() : r.text(row, 1));
}

}  // namespace

pg::statement get_statement() {
  return {"jobforge_get",
          std::string("SELECT doc, ") + history_of_row + " FROM jobs WHERE id = $1::uuid"};
}

job_id parse_id(std::string_view text) {
  auto id = job_id::parse(text);
  if (!id) throw pg::failure("a job row has a malformed id");
  return *id;
}

expected<job> read_job(std::string_view doc, std::string_view history) {
  return read_stored_job(with_history_texts(doc, history));
}

error unreadable_error(const job_id& id, const std::string& reason) {
  return error{error_code::internal,
               "job " + to_string(id) + " is stored but cannot be read (" + reason + ")",
               boost::json::object{{"id", to_string(id)}, {"reason", reason}}};
}

expected<std::optional<job>> get_job(pg::connection& db, const pg::statement& get,
                                     const job_id& id) {
  auto r = db.run(get, {to_string(id)});
  if (r.rows() == 0) return std::optional<job>{};
  auto found = read_row(r, 0);
  if (!found) return unreadable_error(id, found.error_value().message);
  return std::optional<job>{std::move(found).value()};
}

job_page list_jobs(pg::connection& db, const job_query& query,
                   const std::optional<list_position>& after) {
  const auto& f = query.filter;
  const bool desc = query.order == job_order::created_desc;
  std::vector<param> params;
  const auto next = [&](param value, const char* cast) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size()) + "::" + cast;
  };
  // A text PostgreSQL cannot hold (NUL, not UTF-8) matches no stored job;
  // sent as a parameter it would fail the query instead.
  const auto unmatchable = [](const std::optional<std::string>& t) {
    return t && (t->find('\0') != std::string::npos || !is_valid_utf8(*t));
  };
  if (unmatchable(f.type) || unmatchable(f.tenant) || unmatchable(f.tag)) return job_page{};
  std::string sql =
      std::string("SELECT doc, ") + history_of_row + ", created_at, id FROM jobs WHERE true";
  if (f.statuses) {
    std::vector<param> codes;
    for (auto s : *f.statuses)
      codes.emplace_back(number(static_cast<std::int64_t>(s)));
    sql += " AND status = ANY(" + next(pg::array_literal(codes), "smallint[]") + ")";
  }
  if (f.type) sql += " AND type = " + next(*f.type, "text");
  if (f.priority)
    sql += " AND priority = " + next(number(static_cast<std::int64_t>(*f.priority)), "smallint");
  if (f.tenant) sql += " AND tenant = " + next(*f.tenant, "text");
  // `<> '{}'` lets the planner use the partial GIN indexes.
  if (f.tag) sql += " AND tags <> '{}' AND tags @> ARRAY[" + next(*f.tag, "text") + "]";
  if (f.parent)
    sql += " AND parents <> '{}' AND parents @> ARRAY[" + next(to_string(*f.parent), "uuid") + "]";
  if (f.created_from)
    sql += " AND created_at >= " + next(number(to_unix_ms(*f.created_from)), "bigint");
  if (f.created_until)
    sql += " AND created_at < " + next(number(to_unix_ms(*f.created_until)), "bigint");
  if (after) {
    const std::string at = next(number(to_unix_ms(after->created_at)), "bigint");
    const std::string id = next(to_string(after->id), "uuid");
    sql += std::string(" AND (created_at, id) ") + (desc ? "<" : ">") + " (" + at + ", " + id + ")";
  }
  sql += desc ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at ASC, id ASC";
  sql += " LIMIT " + next(number(static_cast<std::int64_t>(query.limit) + 1), "bigint");

  auto r = db.query(sql, params);
  job_page page;
  list_position last{};
  for (int i = 0; i < r.rows(); ++i) {
    if (static_cast<std::size_t>(i) == query.limit) {
      page.next_cursor = encode_cursor(query.order, last);
      break;
    }
    // The position comes from the row's columns, which stay readable when
    // its document does not: one bad document must not end the listing.
    last = list_position{from_unix_ms(r.integer(i, 2)), parse_id(r.text(i, 3))};
    auto decoded = read_row(r, i);
    if (decoded)
      page.items.push_back(std::move(decoded).value());
    else
      page.unreadable.push_back(unreadable_job{last.id, decoded.error_value().message});
  }
  return page;
}

expected<std::optional<job>> guarded_get(pg::connection& db, const pg::statement& get,
                                         const job_id& id, const pg::guard_hooks& hooks) {
  expected<std::optional<job>> out = std::optional<job>{};
  auto ok = pg::guarded(
      db, "read a job", [&] { out = get_job(db, get, id); }, hooks);
  if (!ok) return std::move(ok).error_value();
  return out;
}

expected<job_page> guarded_list(pg::connection& db, const job_query& query,
                                const pg::guard_hooks& hooks) {
  auto checked = check_list_query(query);
  if (!checked) return std::move(checked).error_value();
  job_page page;
  auto ok = pg::guarded(
      db, "list jobs", [&] { page = list_jobs(db, query, *checked); }, hooks);
  if (!ok) return std::move(ok).error_value();
  return page;
}

}  // namespace jobforge::pg_reads

namespace jobforge {
namespace {

// Reads on a connection of their own. The session is read-only, so that a
// reader can never write, whoever leads. A session found lost is opened
// again and the read made once more, as the store does.
class postgres_reader final : public store_reader {
 public:
  explicit postgres_reader(const std::string& url)
      : db_(url, "SET default_transaction_read_only = on") {}

  expected<std::optional<job>> get(const job_id& id) override {
    return pg_reads::guarded_get(db_, get_, id);
  }

  expected<job_page> list(const job_query& query) override {
    return pg_reads::guarded_list(db_, query);
  }

 private:
  pg::connection db_;
  pg::statement get_ = pg_reads::get_statement();
};

}  // namespace

expected<std::vector<std::unique_ptr<store_reader>>> open_postgres_readers(const std::string& url,
                                                                           std::size_t count) {
  std::vector<std::unique_ptr<store_reader>> out;
  try {
    for (std::size_t i = 0; i < count; ++i)
      out.push_back(std::make_unique<postgres_reader>(url));
  } catch (const std::exception& e) {
    return error{error_code::unavailable,
                 std::string("cannot open a reading connection: ") + e.what()};
  }
  return out;
}

}  // namespace jobforge
