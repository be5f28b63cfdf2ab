#include "zones/iana_zone.hpp"

#include <date/tz.h>

#include <boost/json/object.hpp>

#include <exception>
#include <string>

namespace jobforge {
namespace {

class iana_zone final : public zone_rules {
 public:
  iana_zone(const date::time_zone* tz) : tz_(tz), name_(tz->name()) {}

  const std::string& name() const override { return name_; }

  zone_period period_at(sys_seconds t) const override {
    const date::sys_info info = tz_->get_info(t);
    return zone_period{info.begin, info.end, info.offset};
  }

 private:
  const date::time_zone* tz_;  // owned by date's database, which lives forever
  std::string name_;
};

}  // namespace

expected<std::shared_ptr<const zone_rules>> find_iana_zone(std::string_view name) {
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(name);
  } catch (const std::exception&) {
    // date reports an unknown name, and an unreadable database, by throwing.
  }
  if (!tz)
    return error{error_code::invalid_argument,
                 "unknown time zone '" + std::string(name) +
                     "' (expected an IANA name such as Europe/Berlin or UTC)",
                 boost::json::object{{"zone", name}}};
  return std::shared_ptr<const zone_rules>(std::make_shared<iana_zone>(tz));
}

}  // namespace jobforge
