#include "store/sqlite/sqlite_document_repair.hpp"
#include "model/exact_json_parse.hpp"

#include "model/job_codec.hpp"
#include "model/non_finite_repair.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

namespace jobforge::sqlite {

std::size_t repair_non_finite_documents(connection& db) {
  // json_valid reads the whole table once; only the rare bad rows are
  // copied out and parsed here.
  std::vector<std::pair<std::string, std::string>> rewrites;  // id, document
  {
    statement bad(db, "SELECT id, doc FROM jobs WHERE NOT json_valid(doc)");
    while (bad.step()) {
      auto repaired = repair_non_finite_tokens(bad.column_text(1));
      if (!repaired) continue;
      boost::json::error_code ec;
      const auto value = parse_json_exactly(*repaired, ec);
      if (ec || !job_from_json(value)) continue;  // not only that: left to be reported
      rewrites.emplace_back(std::string(bad.column_text(0)), std::move(*repaired));
    }
  }
  statement update(db, "UPDATE jobs SET doc = ?2 WHERE id = ?1");
  for (const auto& [id, doc] : rewrites) {
    update.reset();
    update.bind(1, id).bind(2, doc);
    update.run();
  }
  return rewrites.size();
}

}  // namespace jobforge::sqlite
