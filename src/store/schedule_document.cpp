#include "store/schedule_document.hpp"

#include "model/json_text.hpp"

#include <boost/json/object.hpp>

namespace jobforge {

expected<std::string> schedule_document(const schedule_record& r) {
  return json_text(to_json(r));
}

expected<schedule_record> read_schedule_document(std::string_view name, std::string_view doc) {
  const auto fail = [&](const std::string& why) {
    return error{error_code::internal,
                 "the stored record of schedule '" + std::string(name) + "' cannot be read: " + why,
                 boost::json::object{{"schedule", name}}};
  };
  // Records are small; the limit only guards against a damaged row.
  auto value = parse_json(doc, 16 << 20);
  if (!value) return fail(value.error_value().message);
  auto record = schedule_record_from_json(*value);
  if (!record) return fail(record.error_value().message);
  if (record->name != name) return fail("it names schedule '" + record->name + "'");
  return record;
}

}  // namespace jobforge
