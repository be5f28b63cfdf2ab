#include "model/detail/json_reader.hpp"

#include "model/json_text.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

namespace jobforge::detail {
namespace {

bool is_plain_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

json_reader::json_reader(const boost::json::value& v, std::string path) : path_(std::move(path)) {
  if (!v.is_object())
    throw decode_failure{path_, "expected an object, got " + std::string(json_kind(v))};
  object_ = &v.get_object();
}

std::string json_reader::path_of(std::string_view key) const {
  if (is_plain_key(key)) return path_ + "." + std::string(key);
  return path_ + "[" + boost::json::serialize(boost::json::value(key)) + "]";
}

void json_reader::fail(std::string_view key, const std::string& message) const {
  throw decode_failure{path_of(key), message};
}

void json_reader::wrong_type(std::string_view key, std::string_view expected,
                             const boost::json::value& got) const {
  fail(key, "expected " + std::string(expected) + ", got " + std::string(json_kind(got)));
}

const boost::json::value* json_reader::optional_value(std::string_view key) {
  auto it = object_->find(key);
  if (it == object_->end()) return nullptr;
  // The object's own key storage identifies the field: no copy, no hashing
  // (decoding a million stored jobs at start-up is dominated by this).
  const char* id = it->key().data();
  if (std::find(consumed_.begin(), consumed_.end(), id) == consumed_.end()) consumed_.push_back(id);
  if (it->value().is_null()) return nullptr;
  return &it->value();
}

const boost::json::value& json_reader::required_value(std::string_view key) {
  const auto* v = optional_value(key);
  if (!v) fail(key, "is required");
  return *v;
}

std::optional<std::string> json_reader::optional_string(std::string_view key) {
  const auto* v = optional_value(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong_type(key, "a string", *v);
  return std::string(v->get_string());
}

std::string json_reader::required_string(std::string_view key) {
  required_value(key);
  return *optional_string(key);
}

std::optional<std::int64_t> json_reader::optional_int(std::string_view key, std::int64_t min,
                                                      std::int64_t max) {
  const auto* v = optional_value(key);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) fail(key, "is out of range");
    n = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double()) {
    const double d = v->get_double();
    if (!(std::trunc(d) == d && std::fabs(d) < 9.2e18)) wrong_type(key, "an integer", *v);
    n = static_cast<std::int64_t>(d);
  } else {
    wrong_type(key, "an integer", *v);
  }
  if (n < min || n > max)
    fail(key, "must be within " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
                  std::to_string(n));
  return n;
}

std::int64_t json_reader::required_int(std::string_view key, std::int64_t min, std::int64_t max) {
  required_value(key);
  return *optional_int(key, min, max);
}

std::optional<double> json_reader::optional_number(std::string_view key) {
  const auto* v = optional_value(key);
  if (!v) return std::nullopt;
  if (v->is_double()) {
    // 1e400 parses as infinity, which no document could hold again.
    if (!std::isfinite(v->get_double())) fail(key, "must be a finite number");
    return v->get_double();
  }
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  wrong_type(key, "a number", *v);
}

double json_reader::required_number(std::string_view key) {
  required_value(key);
  return *optional_number(key);
}

std::optional<bool> json_reader::optional_bool(std::string_view key) {
  const auto* v = optional_value(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) wrong_type(key, "a boolean", *v);
  return v->get_bool();
}

std::optional<timestamp> json_reader::optional_time(std::string_view key) {
  auto text = optional_string(key);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t)
    fail(key, "must be an RFC 3339 time such as 2026-11-23T14:05:09.123Z, got \"" + *text + "\"");
  return t;
}

timestamp json_reader::required_time(std::string_view key) {
  required_value(key);
  return *optional_time(key);
}

job_id json_reader::required_id(std::string_view key) {
  const auto text = required_string(key);
  auto id = job_id::parse(text);
  if (!id) fail(key, "must be a UUID, got \"" + text + "\"");
  return *id;
}

std::optional<std::vector<std::string>> json_reader::optional_strings(std::string_view key) {
  const auto* v = optional_value(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) wrong_type(key, "an array of strings", *v);
  std::vector<std::string> out;
  const auto& arr = v->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string())
      throw decode_failure{path_of(key) + "[" + std::to_string(i) + "]",
                           "expected a string, got " + std::string(json_kind(arr[i]))};
    out.emplace_back(arr[i].get_string());
  }
  return out;
}

std::vector<job_id> json_reader::optional_ids(std::string_view key) {
  auto texts = optional_strings(key);
  std::vector<job_id> out;
  if (!texts) return out;
  for (std::size_t i = 0; i < texts->size(); ++i) {
    auto id = job_id::parse((*texts)[i]);
    if (!id)
      throw decode_failure{path_of(key) + "[" + std::to_string(i) + "]",
                           "must be a UUID, got \"" + (*texts)[i] + "\""};
    out.push_back(*id);
  }
  return out;
}

void json_reader::finish() {
  if (consumed_.size() == object_->size()) return;
  for (const auto& kv : *object_) {
    if (std::find(consumed_.begin(), consumed_.end(), kv.key().data()) == consumed_.end())
      throw decode_failure{path_of(kv.key()), "is not a known field"};
  }
}

}  // namespace jobforge::detail
