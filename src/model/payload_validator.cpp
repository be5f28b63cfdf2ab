#include "model/payload_validator.hpp"

#include "model/schema_preflight.hpp"

#include <boost/json.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
// After valijson's headers, before anything instantiates its visitor.
#include "model/detail/valijson_ecma_patterns.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace jobforge {

/// The schema as valijson compiled it, and its patterns as jobforge did.
struct payload_validator::compiled {
  valijson::Schema schema;
  detail::pattern_book patterns;
};

namespace {

bool is_plain_name(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// valijson names each step "[name]" or "[index]" alike; walking the payload
// along the same steps tells which it is, so the path reads "$.items[2].to".
std::string json_path(const std::vector<std::string>& context, const boost::json::value& root) {
  std::string path = "$";
  const boost::json::value* node = &root;
  for (const auto& step : context) {
    if (step == "<root>") continue;
    std::string name = step;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
      name = name.substr(1, name.size() - 2);
    if (node && node->is_array()) {
      path += "[" + name + "]";
      std::size_t index = 0;
      const bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
      if (numeric) index = std::stoul(name);
      node = numeric && index < node->get_array().size() ? &node->get_array()[index] : nullptr;
      continue;
    }
    if (is_plain_name(name)) {
      path += "." + name;
    } else {
      path += "[" + boost::json::serialize(boost::json::value(name)) + "]";
    }
    if (node && node->is_object()) {
      auto it = node->get_object().find(name);
      node = it == node->get_object().end() ? nullptr : &it->value();
    } else {
      node = nullptr;
    }
  }
  return path;
}

// Whether `shorter` is a strict ancestor path of `longer`.
bool is_prefix(const std::vector<std::string>& shorter, const std::vector<std::string>& longer) {
  return shorter.size() < longer.size() &&
         std::equal(shorter.begin(), shorter.end(), longer.begin());
}

}  // namespace

expected<payload_validator> payload_validator::compile(const boost::json::value& schema_doc) {
  if (!schema_doc.is_object() && !schema_doc.is_bool())
    return error{error_code::invalid_schema, "a JSON Schema must be an object or a boolean"};
  if (auto ok = preflight_schema(schema_doc); !ok) return std::move(ok).error_value();
  try {
    auto out = std::make_shared<compiled>();
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    const boost::json::value rewritten = with_real_divisors(schema_doc);
    parser.populateSchema(valijson::adapters::BoostJsonAdapter(rewritten), out->schema);
    for (auto& source : patterns_of(schema_doc)) {
      auto pattern = ecma_pattern::compile(source);
      if (!pattern) return std::move(pattern).error_value();  // the preflight already said so
      out->patterns.emplace(std::move(source), std::move(pattern).value());
    }
    return payload_validator{std::move(out)};
  } catch (const std::exception& e) {
    return error{error_code::invalid_schema, std::string("invalid JSON Schema: ") + e.what(),
                 boost::json::object{{"reason", e.what()}}};
  }
}

expected<void> payload_validator::validate(const boost::json::value& payload) const {
  valijson::ValidationResults results;
  // The patterns of this schema, for valijson's visitor on this thread.
  struct book_in_use {
    const detail::pattern_book* outer = detail::current_patterns;
    explicit book_in_use(const detail::pattern_book& book) { detail::current_patterns = &book; }
    ~book_in_use() { detail::current_patterns = outer; }
  } in_use(compiled_->patterns);
  try {
    valijson::Validator validator;
    if (validator.validate(compiled_->schema, valijson::adapters::BoostJsonAdapter(payload),
                           &results))
      return {};
  } catch (const std::exception& e) {
    return error{error_code::schema_violation,
                 std::string("payload could not be validated: ") + e.what()};
  }
  std::vector<valijson::ValidationResults::Error> all(results.begin(), results.end());
  boost::json::array violations;
  for (const auto& e : all) {
    // Keep real violations at any depth; drop only valijson's summaries
    // ("Failed to validate ...") of a failure reported deeper down.
    const bool summary = e.description.rfind("Failed to validate", 0) == 0;
    const bool redundant = summary && std::any_of(all.begin(), all.end(), [&](const auto& other) {
                             return is_prefix(e.context, other.context);
                           });
    if (redundant) continue;
    violations.push_back(
        boost::json::object{{"path", json_path(e.context, payload)}, {"message", e.description}});
  }
  std::string message = "payload does not match the schema: ";
  for (std::size_t i = 0; i < violations.size(); ++i) {
    const auto& v = violations[i].as_object();
    if (i > 0) message += "; ";
    message +=
        std::string(v.at("path").as_string()) + ": " + std::string(v.at("message").as_string());
  }
  return error{error_code::schema_violation, std::move(message),
               boost::json::object{{"violations", std::move(violations)}}};
}

}  // namespace jobforge
