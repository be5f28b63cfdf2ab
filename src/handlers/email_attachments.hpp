#pragma once
/// Attachments from a payload: inline base64 or a file under the
/// attachments folder, all of them together under a size limit.

#include "handlers/email_message.hpp"

#include <boost/json/array.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace jobforge::handlers {

/// Loads the payload's `attachments`. Every size is known (base64 decoded,
/// files measured) and checked against `max_total_bytes` before any file is
/// read. Throws permanent_error: "attachment_too_large", "attachment_refused"
/// (a path outside `folder`, or paths with no folder configured),
/// "attachment_not_found", "invalid_attachment" (bad base64, bad name or
/// content type), each naming the attachment's field.
std::vector<email_attachment> load_attachments(const boost::json::array& attachments,
                                               const std::string& folder,
                                               std::size_t max_total_bytes);

}  // namespace jobforge::handlers
