#include "handlers/email_attachments.hpp"

#include "handlers/email_file_access.hpp"
#include "handlers/mime_encoding.hpp"
#include "model/handler.hpp"

#include <boost/json/object.hpp>

namespace jobforge::handlers {

namespace {

// An attachment whose bytes are decoded (inline) or still to be read (file).
struct pending_attachment {
  email_attachment attachment;
  contained_file file;  ///< found when the bytes come from a file
  std::uintmax_t size = 0;
};

std::string string_or_empty(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

// type/subtype with RFC 2045 token characters: nothing that could end the
// header line or add a parameter.
bool is_content_type(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == slash) continue;
    const bool token = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       std::string_view{"!#$&^_.+-"}.find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return true;
}

pending_attachment read_entry(const boost::json::object& entry, const std::string& field,
                              const std::string& folder) {
  pending_attachment p;
  p.attachment.name = string_or_empty(entry, "name");
  if (p.attachment.name.empty() || p.attachment.name.find_first_of("\r\n") != std::string::npos)
    throw permanent_error("header_injection",
                          field + ".name must be a non-empty file name without line breaks");
  if (const auto type = string_or_empty(entry, "content_type"); !type.empty()) {
    if (!is_content_type(type))
      throw permanent_error("invalid_attachment",
                            field + ".content_type \"" + type + "\" is not a type/subtype");
    p.attachment.content_type = type;
  }
  if (const auto* inline_bytes = entry.if_contains("content_base64")) {
    auto bytes =
        decode_base64(inline_bytes->is_string() ? std::string_view{inline_bytes->get_string()}
                                                : std::string_view{});
    if (!bytes)
      throw permanent_error("invalid_attachment", field + ".content_base64 is not valid base64");
    p.attachment.bytes = std::move(*bytes);
    p.size = p.attachment.bytes.size();
    return p;
  }
  const std::string path = string_or_empty(entry, "path");
  if (path.empty())
    throw permanent_error("invalid_attachment", field + " needs content_base64 or path");
  if (folder.empty())
    throw permanent_error("attachment_refused",
                          field + ".path \"" + path +
                              "\": attachments by path are disabled (no smtp.attachments_dir)");
  p.file = find_file_inside(folder, path);
  switch (p.file.status) {
    case file_lookup::found:
      break;
    case file_lookup::outside:
      throw permanent_error("attachment_refused",
                            field + ".path \"" + path + "\" resolves outside " + folder);
    case file_lookup::not_a_file:
      throw permanent_error("attachment_refused",
                            field + ".path \"" + path + "\" is not a regular file");
    case file_lookup::missing:
      throw permanent_error("attachment_not_found",
                            field + ".path \"" + path + "\" does not exist in " + folder);
  }
  p.size = p.file.size;
  return p;
}

}  // namespace

std::vector<email_attachment> load_attachments(const boost::json::array& attachments,
                                               const std::string& folder,
                                               std::size_t max_total_bytes) {
  std::vector<pending_attachment> pending;
  std::uintmax_t total = 0;
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const std::string field = "attachments[" + std::to_string(i) + "]";
    if (!attachments[i].is_object())
      throw permanent_error("invalid_attachment", field + " must be an object");
    pending.push_back(read_entry(attachments[i].get_object(), field, folder));
    total += pending.back().size;
  }
  if (total > max_total_bytes)
    throw permanent_error("attachment_too_large", "attachments total " + std::to_string(total) +
                                                      " bytes, over the limit of " +
                                                      std::to_string(max_total_bytes) +
                                                      " bytes (smtp.max_attachment_bytes)");

  std::vector<email_attachment> out;
  std::size_t budget = max_total_bytes - static_cast<std::size_t>(total);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    auto& p = pending[i];
    if (p.file.status == file_lookup::found) {
      // The file may have grown since it was measured; the limit still holds.
      auto bytes = read_contained_file(p.file, static_cast<std::size_t>(p.size) + budget);
      if (!bytes)
        throw permanent_error("invalid_attachment",
                              "attachments[" + std::to_string(i) +
                                  "].path could not be read (unreadable, replaced by a symlink, "
                                  "or grown past the attachment limit)");
      if (bytes->size() > p.size) budget -= bytes->size() - static_cast<std::size_t>(p.size);
      p.attachment.bytes = std::move(*bytes);
    }
    out.push_back(std::move(p.attachment));
  }
  return out;
}

}  // namespace jobforge::handlers
