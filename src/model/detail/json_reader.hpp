#pragma once
/// Strict decoding of JSON objects for the codecs: every field is read by
/// name with its expected type, and fields nobody read are reported as
/// unknown. Failures carry the JSON path. Internal to src/model.

#include "model/error.hpp"
#include "model/job_id.hpp"
#include "model/time.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace jobforge::detail {

/// Thrown inside the codecs only; `decode` turns it into an error value.
struct decode_failure {
  std::string path;
  std::string message;
};

/// Reads the fields of one JSON object at `path`.
class json_reader {
 public:
  json_reader(const boost::json::value& v, std::string path);

  /// The raw value of a field, or nullptr when absent or null.
  const boost::json::value* optional_value(std::string_view key);
  const boost::json::value& required_value(std::string_view key);

  std::string required_string(std::string_view key);
  std::optional<std::string> optional_string(std::string_view key);
  std::int64_t required_int(std::string_view key, std::int64_t min = INT64_MIN,
                            std::int64_t max = INT64_MAX);
  std::optional<std::int64_t> optional_int(std::string_view key, std::int64_t min = INT64_MIN,
                                           std::int64_t max = INT64_MAX);
  double required_number(std::string_view key);
  std::optional<double> optional_number(std::string_view key);
  std::optional<bool> optional_bool(std::string_view key);
  timestamp required_time(std::string_view key);
  std::optional<timestamp> optional_time(std::string_view key);
  job_id required_id(std::string_view key);
  std::optional<std::vector<std::string>> optional_strings(std::string_view key);
  std::vector<job_id> optional_ids(std::string_view key);

  /// Parses an enumerated field with `parse`, naming the allowed values on failure.
  template <class Parse>
  auto optional_enum(std::string_view key, Parse parse, std::string_view allowed)
      -> decltype(parse(std::string_view{})) {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    auto parsed = parse(*text);
    if (!parsed) fail(key, "must be one of " + std::string(allowed) + ", got \"" + *text + "\"");
    return parsed;
  }

  /// The path of a field, for nested readers.
  std::string path_of(std::string_view key) const;

  /// Fails if the object has fields nobody asked for.
  void finish();

  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void wrong_type(std::string_view key, std::string_view expected,
                               const boost::json::value& got) const;

 private:
  const boost::json::object* object_;
  std::string path_;
  std::vector<const char*> consumed_;  ///< the object's keys read so far
};

/// Runs a decoder, turning a decode_failure (or any exception) into an
/// `invalid_argument` error that names the path.
template <class T, class Fn>
expected<T> decode(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const decode_failure& f) {
    return error{error_code::invalid_argument, f.path + ": " + f.message,
                 boost::json::object{{"path", f.path}, {"reason", f.message}}};
  } catch (const std::exception& e) {
    return error{error_code::invalid_argument, std::string("could not decode: ") + e.what()};
  }
}

}  // namespace jobforge::detail
