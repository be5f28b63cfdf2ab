#pragma once
/// E-mail templates by name: `<name>.txt`, `<name>.html` and an optional
/// `<name>.subject` in the templates folder, rendered with mustache.

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace jobforge::handlers {

/// What a template rendered: any of subject, text and HTML (text or HTML at least).
struct rendered_template {
  std::optional<std::string> subject;  ///< trailing white space removed
  std::optional<std::string> text;
  std::optional<std::string> html;
};

/// Whether `name` may name a template: letters, digits, `_`, `-` and inner
/// dots, so it can never reach outside the templates folder.
bool is_template_name(std::string_view name);

/// Renders template `name` from `folder` with `variables` (a JSON object;
/// HTML-escaped in the .html file only). Throws permanent_error:
/// "unknown_template" naming it, or "template_error" for mustache syntax.
rendered_template render_email_template(const std::string& folder, const std::string& name,
                                        const boost::json::value& variables);

}  // namespace jobforge::handlers
