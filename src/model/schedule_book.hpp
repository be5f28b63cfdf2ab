#pragma once
/// The schedules in force, by name, from two sources: the config file and
/// the API. The config wins a name clash: a stored API schedule whose name
/// the config now uses is shadowed (left out and reported), and the API
/// cannot create, replace or delete a config schedule (a `conflict` error,
/// HTTP 409). Definitions are validated (schedule.hpp) before they get here.

#include "model/error.hpp"
#include "model/schedule.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge {

/// Where a schedule comes from.
enum class schedule_origin { config, api };

/// The wire name: "config" or "api".
std::string_view to_string(schedule_origin o);

/// A schedule and its origin.
struct schedule_entry {
  schedule_definition definition;
  schedule_origin origin = schedule_origin::api;
};

/// Schedules by name.
class schedule_book {
 public:
  /// The book of the config's schedules and the stored API ones. Two config
  /// schedules of one name are an error; an API schedule whose name the
  /// config uses is shadowed (see shadowed()).
  static expected<schedule_book> make(std::vector<schedule_definition> config,
                                      std::vector<schedule_definition> api);

  /// Adds an API schedule; a `conflict` when the name is taken (the error
  /// says by which source).
  expected<void> create(schedule_definition s);

  /// Removes an API schedule; `not_found`, or a `conflict` for a config one.
  expected<void> remove(std::string_view name);

  /// Pauses or resumes a schedule of either origin; `not_found` if none.
  expected<void> set_paused(std::string_view name, bool paused);

  /// The schedule of that name, or nullptr.
  const schedule_entry* find(std::string_view name) const;

  /// Every schedule, sorted by name.
  std::vector<const schedule_entry*> list() const;

  /// Names of stored API schedules hidden by a config schedule of that name.
  const std::vector<std::string>& shadowed() const { return shadowed_; }

 private:
  std::map<std::string, schedule_entry, std::less<>> entries_;
  std::vector<std::string> shadowed_;
};

}  // namespace jobforge
