#include "model/schema_preflight.hpp"

#include "model/ecma_pattern.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace jobforge {
namespace {

namespace json = boost::json;

error bad_reference(std::string_view ref, const std::string& why) {
  return error{error_code::invalid_schema,
               "invalid JSON Schema: $ref \"" + std::string(ref) + "\" " + why,
               json::object{{"reason", "$ref \"" + std::string(ref) + "\" " + why}}};
}

/// The value a "#/a/b~1c/0" fragment points at in `root`, or null.
const json::value* resolve(const json::value& root, std::string_view ref) {
  // Anything else is refused by check_schemas, which may meet it only after
  // the loop finder did (a "$ref": "" inside an allOf).
  if (ref.empty() || ref.front() != '#' || (ref.size() > 1 && ref[1] != '/')) return nullptr;
  std::string_view pointer = ref.substr(1);  // after '#'
  const json::value* node = &root;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);  // the '/' before each token
    const auto slash = pointer.find('/');
    const std::string_view raw = pointer.substr(0, slash);
    pointer = slash == std::string_view::npos ? std::string_view{} : pointer.substr(slash);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    if (const auto* object = node->if_object()) {
      node = object->if_contains(token);
    } else if (const auto* array = node->if_array()) {
      std::size_t index = 0;
      const auto* end = token.data() + token.size();
      const auto [last, ec] = std::from_chars(token.data(), end, index);
      node = !token.empty() && ec == std::errc{} && last == end && index < array->size()
                 ? &(*array)[index]
                 : nullptr;
    } else {
      node = nullptr;
    }
    if (!node) return nullptr;
  }
  return node;
}

/// The `$ref` of a schema object, when it has a string one.
const json::string* reference_of(const json::value& v) {
  const auto* object = v.if_object();
  const auto* ref = object ? object->if_contains("$ref") : nullptr;
  return ref ? ref->if_string() : nullptr;
}

/// Walks the schemas a validator applies to the same instance as `v` (its
/// `$ref`, allOf, anyOf, oneOf, not, if/then/else, schema dependencies),
/// depth first; reaching one already on the path is a loop that would
/// validate forever. Keywords that step into the instance (properties,
/// items, ...) end a path: the instance is finite.
class loop_finder {
 public:
  explicit loop_finder(const json::value& root) : root_(root) {}

  /// The `$ref` that closes a loop through `v`, or nullptr.
  const json::string* find(const json::value& v) {
    const auto* object = v.if_object();
    if (!object || done_.count(&v)) return nullptr;
    if (!on_path_.insert(&v).second) return closing_;
    if (const auto* ref = reference_of(v)) {
      closing_ = ref;
      if (const auto* target = resolve(root_, *ref))
        if (const auto* loop = find(*target)) return loop;
    }
    for (const char* key : {"not", "if", "then", "else"})
      if (const auto* child = object->if_contains(key))
        if (const auto* loop = find(*child)) return loop;
    for (const char* key : {"allOf", "anyOf", "oneOf"})
      if (const auto* list = object->if_contains(key); list && list->is_array())
        for (const auto& child : list->get_array())
          if (const auto* loop = find(child)) return loop;
    if (const auto* deps = object->if_contains("dependencies"); deps && deps->is_object())
      for (const auto& dep : deps->get_object())
        if (const auto* loop = find(dep.value())) return loop;
    on_path_.erase(&v);
    done_.insert(&v);
    return nullptr;
  }

 private:
  const json::value& root_;
  std::set<const json::value*> on_path_;
  std::set<const json::value*> done_;
  const json::string* closing_ = nullptr;
};

/// Whether a keyword's value is data, not a schema (a "$ref" or
/// "multipleOf" inside it means nothing).
bool holds_data(std::string_view key) {
  return key == "enum" || key == "const" || key == "default" || key == "examples";
}

/// Every `$ref` must point into this schema, at something; every
/// `multipleOf` must be above 0.
expected<void> check_schemas(const json::value& root, const json::value& v, loop_finder& loops) {
  if (const auto* array = v.if_array()) {
    for (const auto& item : *array)
      if (auto ok = check_schemas(root, item, loops); !ok) return ok;
  } else if (const auto* object = v.if_object()) {
    if (const auto* ref = reference_of(v)) {
      const std::string_view r = *ref;
      if (r.empty() || r.front() != '#' || (r.size() > 1 && r[1] != '/'))
        return bad_reference(r, "is not a JSON Pointer into this schema (\"#/...\")");
      if (!resolve(root, r)) return bad_reference(r, "does not point at anything in this schema");
    }
    if (const auto* loop = loops.find(v)) return bad_reference(*loop, "loops back to itself");
    if (const auto* divisor = object->if_contains("multipleOf"))
      if (!divisor->is_number() || !(divisor->to_number<double>() > 0))
        return error{error_code::invalid_schema,
                     "invalid JSON Schema: multipleOf must be a number greater than 0",
                     json::object{{"reason", "multipleOf must be a number greater than 0"}}};
    for (const auto& field : *object) {
      // Values, not schemas: a "$ref" inside them is data.
      const auto key = field.key();
      if (holds_data(key)) continue;
      if (auto ok = check_schemas(root, field.value(), loops); !ok) return ok;
    }
  }
  return {};
}

}  // namespace

json::value with_real_divisors(const json::value& schema) {
  json::value out = schema;
  // Schemas nest: walk them with a stack, skipping the keywords whose values
  // are data.
  std::vector<json::value*> unvisited{&out};
  while (!unvisited.empty()) {
    json::value* v = unvisited.back();
    unvisited.pop_back();
    if (auto* array = v->if_array()) {
      for (auto& item : *array)
        unvisited.push_back(&item);
    } else if (auto* object = v->if_object()) {
      for (auto& field : *object) {
        const auto key = field.key();
        if (holds_data(key)) continue;
        if (key == "multipleOf" && (field.value().is_int64() || field.value().is_uint64()))
          field.value() = field.value().to_number<double>();
        else
          unvisited.push_back(&field.value());
      }
    }
  }
  return out;
}

std::vector<std::string> patterns_of(const json::value& schema) {
  std::vector<std::string> out;
  std::vector<const json::value*> unvisited{&schema};
  while (!unvisited.empty()) {
    const json::value* v = unvisited.back();
    unvisited.pop_back();
    if (const auto* array = v->if_array()) {
      for (const auto& item : *array)
        unvisited.push_back(&item);
    } else if (const auto* object = v->if_object()) {
      if (const auto* pattern = object->if_contains("pattern"); pattern && pattern->is_string())
        out.emplace_back(pattern->get_string());
      if (const auto* patterns = object->if_contains("patternProperties");
          patterns && patterns->is_object())
        for (const auto& p : patterns->get_object())
          out.emplace_back(p.key());
      for (const auto& field : *object)
        if (!holds_data(field.key())) unvisited.push_back(&field.value());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

expected<void> preflight_schema(const json::value& schema) {
  loop_finder loops(schema);
  if (auto ok = check_schemas(schema, schema, loops); !ok) return ok;
  for (const auto& p : patterns_of(schema))
    if (auto compiled = ecma_pattern::compile(p); !compiled) return compiled.error_value();
  return {};
}

}  // namespace jobforge
