#include "actors/protocol.hpp"

#include <caf/all.hpp>

namespace jobforge {
namespace {
constexpr caf::atom_value cancel_category = caf::atom("jf_cancel");
}  // namespace

caf::error make_cancel_reason(const cancel_request& request) {
  const auto code = static_cast<std::uint8_t>(request.mode == cancel_mode::forced ? 2 : 1);
  return caf::error{code, cancel_category, caf::make_message(request.reason, request.by)};
}

std::optional<cancel_request> parse_cancel_reason(const caf::error& reason) {
  if (reason.category() != cancel_category) return std::nullopt;
  cancel_request req;
  req.mode = reason.code() == 2 ? cancel_mode::forced : cancel_mode::graceful;
  const auto& ctx = reason.context();
  if (ctx.match_elements<std::string, std::string>()) {
    req.reason = ctx.get_as<std::string>(0);
    req.by = ctx.get_as<std::string>(1);
  }
  return req;
}

}  // namespace jobforge
