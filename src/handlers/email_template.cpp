#include "handlers/email_template.hpp"

#include "handlers/email_file_access.hpp"
#include "model/handler.hpp"

#include <boost/json/serialize.hpp>
#include <kainjow/mustache.hpp>

namespace jobforge::handlers {

namespace {

namespace mustache = kainjow::mustache;

constexpr std::size_t max_template_name = 64;
constexpr std::size_t max_template_bytes = 1024 * 1024;

mustache::data to_mustache(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      mustache::data out{mustache::data::type::object};
      for (const auto& [key, value] : v.get_object())
        out.set(std::string(key), to_mustache(value));
      return out;
    }
    case boost::json::kind::array: {
      mustache::data out{mustache::data::type::list};
      for (const auto& item : v.get_array())
        out.push_back(to_mustache(item));
      return out;
    }
    case boost::json::kind::string:
      return mustache::data{std::string(v.get_string())};
    case boost::json::kind::bool_:
      return mustache::data{v.get_bool()};
    case boost::json::kind::null:
      // Falsy like a missing variable: a section over it is skipped.
      return mustache::data{false};
    default:  // numbers render as their JSON text
      return mustache::data{boost::json::serialize(v)};
  }
}

std::optional<std::string> read_part(const std::string& folder, const std::string& name,
                                     const char* extension) {
  const std::string file_name = name + extension;
  const contained_file file = find_file_inside(folder, file_name);
  if (file.status == file_lookup::missing) return std::nullopt;
  if (file.status != file_lookup::found)
    throw permanent_error("unknown_template",
                          "template file " + file_name + " is not a regular file inside " + folder);
  auto text = read_contained_file(file, max_template_bytes);
  if (!text)
    throw permanent_error("template_error",
                          "template file " + file_name + " could not be read (or is over 1 MiB)");
  return text;
}

std::string render(const std::string& source, const mustache::data& data,
                   const std::string& file_name, bool escape_html) {
  mustache::mustache tmpl{source};
  if (!escape_html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.is_valid() ? tmpl.render(data) : std::string{};
  if (!tmpl.is_valid())
    throw permanent_error("template_error",
                          "template file " + file_name + ": " + tmpl.error_message());
  return out;
}

}  // namespace

bool is_template_name(std::string_view name) {
  if (name.empty() || name.size() > max_template_name || name.front() == '.' || name.back() == '.')
    return false;
  for (const char c : name) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!allowed) return false;
  }
  return name.find("..") == std::string_view::npos;
}

rendered_template render_email_template(const std::string& folder, const std::string& name,
                                        const boost::json::value& variables) {
  if (!is_template_name(name))
    throw permanent_error("unknown_template",
                          "template \"" + name + "\" is not a plain template name");
  if (folder.empty())
    throw permanent_error("unknown_template", "template \"" + name +
                                                  "\": no templates folder is configured "
                                                  "(smtp.templates_dir)");
  const auto text = read_part(folder, name, ".txt");
  const auto html = read_part(folder, name, ".html");
  if (!text && !html)
    throw permanent_error("unknown_template", "template \"" + name + "\" not found: neither " +
                                                  name + ".txt nor " + name + ".html in " + folder);
  const auto subject = read_part(folder, name, ".subject");
  const mustache::data data =
      variables.is_object() ? to_mustache(variables) : mustache::data{mustache::data::type::object};
  rendered_template out;
  if (text) out.text = render(*text, data, name + ".txt", false);
  if (html) out.html = render(*html, data, name + ".html", true);
  if (subject) {
    std::string s = render(*subject, data, name + ".subject", false);
    // Editors end files with a newline; that one is no part of the subject.
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
      s.pop_back();
    out.subject = std::move(s);
  }
  return out;
}

}  // namespace jobforge::handlers
