#pragma once
/// valijson 1.0 (Debian's) matches `pattern`, the keys of
/// `patternProperties` and a `propertyNames` pattern with std::regex, built
/// in, which backtracks exponentially on nested repetition. These explicit
/// specializations of its visitor's members, for the two adapters a payload
/// is validated through, match them with model/ecma_pattern instead.
///
/// Included only by payload_validator.cpp, after valijson's headers and
/// before the first use of the visitor: an explicit specialization must be
/// seen before anything instantiates the member it replaces.

#include "model/ecma_pattern.hpp"

#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/adapters/std_string_adapter.hpp>
#include <valijson/validation_visitor.hpp>

#include <map>
#include <string>
#include <string_view>

namespace jobforge::detail {

/// The compiled patterns of one schema, by their source.
using pattern_book = std::map<std::string, ecma_pattern, std::less<>>;

/// The book of the schema this thread validates against, set by
/// payload_validator::validate for its duration (valijson's visitor has no
/// room for it).
inline thread_local const pattern_book* current_patterns = nullptr;

/// Whether `text` contains a match of `source`. A pattern is always in the
/// book (the validator compiled every one the preflight found); one that is
/// not is compiled here, and one that cannot be matches nothing.
inline bool pattern_matches(const std::string& source, std::string_view text) {
  if (current_patterns) {
    auto it = current_patterns->find(source);
    if (it != current_patterns->end()) return it->second.search(text);
  }
  auto compiled = ecma_pattern::compile(source);
  return compiled && compiled->search(text);
}

}  // namespace jobforge::detail

namespace valijson {

// valijson's `pattern` check, with the engine in place of std::regex: the
// body of the visitor's specializations below, which only it can reach.
template <class Target, class Results, class Context>
bool check_ecma_pattern(const constraints::PatternConstraint& constraint, bool strict_types,
                        const Target& target, Results* results, const Context& context) {
  if ((strict_types && !target.isString()) || !target.maybeString()) return true;
  const std::string pattern(constraint.getPattern<std::string::allocator_type>());
  if (jobforge::detail::pattern_matches(pattern, target.asString())) return true;
  if (results)
    results->pushError(context, "Failed to match regex specified by 'pattern' constraint.");
  return false;
}

template <>
inline bool ValidationVisitor<adapters::BoostJsonAdapter>::visit(
    const constraints::PatternConstraint& constraint) {
  return check_ecma_pattern(constraint, m_strictTypes, m_target, m_results, m_context);
}

// A `propertyNames` schema sees each name through a string adapter.
template <>
inline bool ValidationVisitor<adapters::StdStringAdapter>::visit(
    const constraints::PatternConstraint& constraint) {
  return check_ecma_pattern(constraint, m_strictTypes, m_target, m_results, m_context);
}

// Each `patternProperties` entry against the object's members: as
// valijson's own, with the engine in place of std::regex.
template <>
template <>
inline bool
ValidationVisitor<adapters::BoostJsonAdapter>::ValidatePatternPropertySubschemas::operator()(
    const constraints::PropertiesConstraint::String& patternProperty,
    const Subschema* subschema) const {
  const std::string pattern(patternProperty.c_str());
  bool matchFound = false;
  for (const adapters::BoostJsonAdapter::ObjectMember m : m_object) {
    if (!jobforge::detail::pattern_matches(pattern, m.first)) continue;
    matchFound = true;
    if (m_propertiesMatched) m_propertiesMatched->insert(m.first);
    std::vector<std::string> newContext = m_context;
    newContext.push_back("[" + m.first + "]");
    ValidationVisitor validator(m.second, newContext, m_strictTypes, m_results, m_regexesCache);
    if (validator.validateSchema(*subschema)) continue;
    if (m_results)
      m_results->pushError(
          m_context,
          "Failed to validate against schema associated with pattern '" + pattern + "'.");
    if (m_validated) *m_validated = false;
    if (!m_continueOnFailure) return false;
  }
  if (!matchFound && !m_continueIfUnmatched) return false;
  return m_continueOnSuccess;
}

}  // namespace valijson
