#include "model/schedule_book.hpp"

#include <boost/json/object.hpp>

namespace jobforge {
namespace {

error name_taken(const std::string& name, schedule_origin by) {
  const std::string message =
      by == schedule_origin::config
          ? "schedule '" + name +
                "' is defined in the config file; the API cannot create, replace or delete it "
                "(pick another name, or change the config)"
          : "schedule '" + name + "' already exists";
  return error{error_code::conflict, message,
               boost::json::object{{"schedule", name}, {"origin", to_string(by)}}};
}

error no_schedule(std::string_view name) {
  return error{error_code::not_found, "no schedule '" + std::string(name) + "'",
               boost::json::object{{"schedule", name}}};
}

}  // namespace

std::string_view to_string(schedule_origin o) {
  return o == schedule_origin::config ? "config" : "api";
}

expected<schedule_book> schedule_book::make(std::vector<schedule_definition> config,
                                            std::vector<schedule_definition> api) {
  schedule_book book;
  for (auto& s : config) {
    std::string name = s.name;
    if (!book.entries_.emplace(name, schedule_entry{std::move(s), schedule_origin::config}).second)
      return error{error_code::invalid_argument,
                   "schedule '" + name + "' is defined twice in the config",
                   boost::json::object{{"schedule", name}}};
  }
  for (auto& s : api) {
    std::string name = s.name;
    const auto it = book.entries_.find(name);
    if (it != book.entries_.end() && it->second.origin == schedule_origin::config) {
      book.shadowed_.push_back(std::move(name));
      continue;
    }
    // The store keys API schedules by name, so a second one cannot occur;
    // if it did, the first stays.
    book.entries_.emplace(std::move(name), schedule_entry{std::move(s), schedule_origin::api});
  }
  return book;
}

expected<void> schedule_book::create(schedule_definition s) {
  if (const auto it = entries_.find(s.name); it != entries_.end())
    return name_taken(s.name, it->second.origin);
  std::string name = s.name;
  entries_.emplace(std::move(name), schedule_entry{std::move(s), schedule_origin::api});
  return {};
}

expected<void> schedule_book::remove(std::string_view name) {
  const auto it = entries_.find(name);
  if (it == entries_.end()) return no_schedule(name);
  if (it->second.origin == schedule_origin::config) return name_taken(it->first, it->second.origin);
  entries_.erase(it);
  return {};
}

expected<void> schedule_book::set_paused(std::string_view name, bool paused) {
  const auto it = entries_.find(name);
  if (it == entries_.end()) return no_schedule(name);
  it->second.definition.paused = paused;
  return {};
}

const schedule_entry* schedule_book::find(std::string_view name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const schedule_entry*> schedule_book::list() const {
  std::vector<const schedule_entry*> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_)
    out.push_back(&entry);
  return out;
}

}  // namespace jobforge
