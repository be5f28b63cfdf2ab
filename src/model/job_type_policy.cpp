#include "model/job_type_policy.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

namespace jobforge {
namespace {

namespace json = boost::json;

// The largest concurrency limit and rate an operator may give: far beyond
// any machine, small enough that the scheduler's arithmetic stays exact.
constexpr std::int64_t max_concurrency = 1'000'000;
constexpr double max_rate = 1'000'000.0;

enum class value_kind { integer, number, strings, priority_name };

std::string shown(const json::value& v) {
  std::string text = json::serialize(v);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

std::optional<std::string> kind_problem(value_kind kind, const json::value& v) {
  switch (kind) {
    case value_kind::integer:
      if (v.is_int64() || (v.is_uint64() && v.get_uint64() <= INT64_MAX)) return std::nullopt;
      return "must be an integer, got " + shown(v);
    case value_kind::number:
      if (v.is_int64() || v.is_uint64() || (v.is_double() && std::isfinite(v.get_double())))
        return std::nullopt;
      return "must be a number, got " + shown(v);
    case value_kind::strings:
      if (v.is_array() &&
          std::all_of(v.get_array().begin(), v.get_array().end(), [](const json::value& s) {
            return s.is_string() && !s.get_string().empty();
          }))
        return std::nullopt;
      return "must be an array of non-empty strings (error codes), got " + shown(v);
    case value_kind::priority_name:
      if (v.is_string() && parse_priority(v.get_string())) return std::nullopt;
      return "must be low, normal, high or critical, got " + shown(v);
  }
  return std::nullopt;
}

// An integer within [lo, hi], or the reason it is not.
std::optional<std::string> out_of(std::int64_t n, std::int64_t lo, std::int64_t hi,
                                  const std::string& bound) {
  if (n >= lo && n <= hi) return std::nullopt;
  return "must be within " + std::to_string(lo) + ".." + std::to_string(hi) +
         (bound.empty() ? "" : " (" + bound + ")") + ", got " + std::to_string(n);
}

// A number as people write it: 1000000, not 1E6.
std::string number_text(double x) {
  if (std::floor(x) == x && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", x);
  return buffer;
}

std::optional<std::string> out_of(double x, double lo, double hi, const std::string& bound) {
  if (x >= lo && x <= hi) return std::nullopt;
  return "must be within " + number_text(lo) + ".." + number_text(hi) +
         (bound.empty() ? "" : " (" + bound + ")") + ", got " + number_text(x);
}

std::int64_t integer(const json::value& v) {
  return v.to_number<std::int64_t>();
}
double number(const json::value& v) {
  return v.to_number<double>();
}

// One key: its JSON kind, how to read it from a type, and how to set it
// (checked against the type's bounds; the answer is the problem, if any).
struct policy_field {
  const char* key;
  value_kind kind;
  json::value (*get)(const job_type&);
  std::optional<std::string> (*set)(job_type&, const json::value&);
};

const std::vector<policy_field>& fields() {
  static const std::vector<policy_field> list = {
      {"max_attempts", value_kind::integer,
       [](const job_type& t) { return json::value(t.defaults.max_attempts); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         if (auto p = out_of(n, 1, t.bounds.max_attempts, "the type's bound")) return p;
         t.defaults.max_attempts = static_cast<int>(n);
         return std::optional<std::string>{};
       }},
      {"retry.initial_backoff_ms", value_kind::integer,
       [](const job_type& t) { return json::value(t.defaults.retry.initial_backoff_ms); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         if (auto p = out_of(n, t.bounds.min_initial_backoff_ms, t.bounds.max_backoff_ms,
                             "the type's bounds"))
           return p;
         t.defaults.retry.initial_backoff_ms = n;
         return std::optional<std::string>{};
       }},
      {"retry.max_backoff_ms", value_kind::integer,
       [](const job_type& t) { return json::value(t.defaults.retry.max_backoff_ms); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         if (auto p = out_of(n, t.bounds.min_initial_backoff_ms, t.bounds.max_backoff_ms,
                             "the type's bounds"))
           return p;
         t.defaults.retry.max_backoff_ms = n;
         return std::optional<std::string>{};
       }},
      {"retry.multiplier", value_kind::number,
       [](const job_type& t) { return json::value(t.defaults.retry.multiplier); },
       [](job_type& t, const json::value& v) {
         const auto x = number(v);
         if (auto p = out_of(x, 1.0, t.bounds.max_multiplier, "the type's bound")) return p;
         t.defaults.retry.multiplier = x;
         return std::optional<std::string>{};
       }},
      {"retry.jitter", value_kind::number,
       [](const job_type& t) { return json::value(t.defaults.retry.jitter); },
       [](job_type& t, const json::value& v) {
         const auto x = number(v);
         if (auto p = out_of(x, 0.0, 1.0, "")) return p;
         t.defaults.retry.jitter = x;
         return std::optional<std::string>{};
       }},
      {"retry.retry_on", value_kind::strings,
       [](const job_type& t) {
         return json::value(
             json::array(t.defaults.retry.retry_on.begin(), t.defaults.retry.retry_on.end()));
       },
       [](job_type& t, const json::value& v) {
         t.defaults.retry.retry_on.clear();
         for (const auto& code : v.get_array())
           t.defaults.retry.retry_on.emplace_back(code.get_string());
         return std::optional<std::string>{};
       }},
      {"max_retry_ms", value_kind::integer,
       [](const job_type& t) { return json::value(t.defaults.max_retry_ms); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         const auto cap = t.bounds.max_retry_ms;
         if (auto p = cap > 0 ? out_of(n, 1, cap, "the type's bound")
                              : out_of(n, 0, max_retry_ms_limit, "0: no limit"))
           return p;
         t.defaults.max_retry_ms = n;
         return std::optional<std::string>{};
       }},
      {"timeout_ms", value_kind::integer,
       [](const job_type& t) { return json::value(t.defaults.timeout_ms); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         if (auto p = out_of(n, 1, t.max_timeout_ms, "the type's max_timeout_ms")) return p;
         t.defaults.timeout_ms = n;
         return std::optional<std::string>{};
       }},
      {"priority", value_kind::priority_name,
       [](const job_type& t) { return json::value(to_string(t.defaults.priority)); },
       [](job_type& t, const json::value& v) {
         t.defaults.priority = *parse_priority(v.get_string());
         return std::optional<std::string>{};
       }},
      {"concurrency_limit", value_kind::integer,
       [](const job_type& t) { return json::value(t.concurrency_limit); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         if (auto p = out_of(n, 0, max_concurrency, "0: unlimited")) return p;
         t.concurrency_limit = static_cast<int>(n);
         return std::optional<std::string>{};
       }},
      {"rate_limit.per_second", value_kind::number,
       [](const job_type& t) { return json::value(t.rate.per_second); },
       [](job_type& t, const json::value& v) {
         const auto x = number(v);
         if (auto p = out_of(x, 0.0, max_rate, "0: unlimited")) return p;
         t.rate.per_second = x;
         return std::optional<std::string>{};
       }},
      {"rate_limit.burst", value_kind::number,
       [](const job_type& t) { return json::value(t.rate.burst); },
       [](job_type& t, const json::value& v) {
         const auto x = number(v);
         if (auto p = out_of(x, 1.0, max_rate, "")) return p;
         t.rate.burst = x;
         return std::optional<std::string>{};
       }},
      {"unique_for_ms", value_kind::integer,
       [](const job_type& t) { return json::value(t.defaults.unique_for_ms); },
       [](job_type& t, const json::value& v) {
         const auto n = integer(v);
         if (auto p = out_of(n, 0, max_retry_ms_limit, "")) return p;
         t.defaults.unique_for_ms = n;
         return std::optional<std::string>{};
       }},
  };
  return list;
}

const policy_field* find_field(std::string_view key) {
  for (const auto& f : fields())
    if (key == f.key) return &f;
  return nullptr;
}

}  // namespace

std::string_view to_string(policy_source s) {
  switch (s) {
    case policy_source::built_in:
      return "built-in";
    case policy_source::config:
      return "config";
    case policy_source::environment:
      return "environment";
  }
  return "built-in";
}

const std::vector<std::string>& policy_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& f : fields())
      out.emplace_back(f.key);
    return out;
  }();
  return keys;
}

job_type_policy policy_from_json(const json::value& v, policy_source source,
                                 std::vector<std::string>& problems) {
  job_type_policy out;
  if (!v.is_object()) {
    problems.push_back("must be an object of policy keys, got " + shown(v));
    return out;
  }
  const auto read = [&](const std::string& key, const json::value& value) {
    const auto* field = find_field(key);
    if (!field) {
      problems.push_back(key +
                         ": unknown key (known: max_attempts, retry.{initial_backoff_ms, "
                         "max_backoff_ms, multiplier, jitter, retry_on}, max_retry_ms, "
                         "timeout_ms, priority, concurrency_limit, "
                         "rate_limit.{per_second, burst}, unique_for_ms)");
      return;
    }
    if (auto problem = kind_problem(field->kind, value)) {
      problems.push_back(key + ": " + *problem);
      return;
    }
    out[key] = policy_setting{value, source};
  };
  for (const auto& entry : v.get_object()) {
    const std::string key(entry.key());
    if (key == "retry" || key == "rate_limit") {
      if (!entry.value().is_object()) {
        problems.push_back(key + ": must be an object, got " + shown(entry.value()));
        continue;
      }
      for (const auto& inner : entry.value().get_object())
        read(key + "." + std::string(inner.key()), inner.value());
    } else {
      read(key, entry.value());
    }
  }
  return out;
}

std::vector<std::string> apply_policy(job_type& type, const job_type_policy& policy) {
  std::vector<std::string> problems;
  job_type changed = type;
  for (const auto& [key, setting] : policy) {
    const auto* field = find_field(key);
    if (!field) {
      problems.push_back(key + ": unknown key");
      continue;
    }
    if (auto problem = kind_problem(field->kind, setting.value)) {
      problems.push_back(key + ": " + *problem);
      continue;
    }
    if (auto problem = field->set(changed, setting.value)) {
      problems.push_back(key + ": " + *problem);
      continue;
    }
    changed.policy_sources[key] = setting.source;
  }
  // What no key alone can break: the first backoff beyond the longest.
  const auto& r = changed.defaults.retry;
  if (problems.empty() && r.initial_backoff_ms > r.max_backoff_ms)
    problems.push_back("retry.initial_backoff_ms: must not exceed retry.max_backoff_ms (" +
                       std::to_string(r.initial_backoff_ms) + " > " +
                       std::to_string(r.max_backoff_ms) + ")");
  if (problems.empty()) type = std::move(changed);
  return problems;
}

json::object effective_policy_json(const job_type& type) {
  json::object out;
  for (const auto& f : fields()) {
    const auto it = type.policy_sources.find(f.key);
    const auto source = it == type.policy_sources.end() ? policy_source::built_in : it->second;
    out[f.key] = json::object{{"value", f.get(type)}, {"source", to_string(source)}};
  }
  return out;
}

}  // namespace jobforge
