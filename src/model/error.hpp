#pragma once
/// Errors as values: a closed set of codes, a message for people, and JSON
/// details for programs. Every fallible model function returns `expected<T>`.

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace jobforge {

/// Machine-readable error codes; their names are what the HTTP API shows.
enum class error_code {
  invalid_argument,
  invalid_json,
  schema_violation,
  payload_too_large,
  unknown_job_type,
  duplicate_job_type,
  invalid_schema,
  invalid_transition,
  dependency_cycle,
  not_found,
  conflict,
  unauthenticated,  ///< no valid API key (HTTP 401)
  forbidden,        ///< the key's role is too low (HTTP 403)
  unavailable,
  timeout,
  job_failed,    ///< the job ended failed (details: its last error)
  job_canceled,  ///< the job ended canceled
  internal,
};

/// The wire name of a code, e.g. "schema_violation".
std::string_view to_string(error_code code);

/// An error a caller can inspect: code, human message, structured details.
struct error {
  error_code code = error_code::internal;
  std::string message;
  boost::json::value details;  ///< null, or an object/array with specifics

  error() = default;
  error(error_code c, std::string msg, boost::json::value d = nullptr)
      : code(c), message(std::move(msg)), details(std::move(d)) {}
};

/// Renders "code: message" for logs and test failure output.
std::string to_string(const error& e);

/// Either a value or an error (C++17 stand-in for std::expected).
template <class T>
class [[nodiscard]] expected {
 public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  expected(error e) : state_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& error_value() const& { return std::get<1>(state_); }
  error&& error_value() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, error> state_;
};

/// Success or an error, for operations without a value.
template <>
class [[nodiscard]] expected<void> {
 public:
  expected() = default;
  expected(error e) : error_(std::move(e)), failed_(true) {}

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return has_value(); }
  const error& error_value() const& { return error_; }
  error&& error_value() && { return std::move(error_); }

 private:
  error error_;
  bool failed_ = false;
};

}  // namespace jobforge
