#include "store/postgres/pg_guarded.hpp"

#include <exception>
#include <string>

namespace jobforge::pg {

expected<void> guarded(connection& db, const char* doing, const std::function<void()>& body,
                       const guard_hooks& hooks) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (!db.healthy()) {
        db.reconnect();
        if (hooks.reopened) hooks.reopened();
      }
      body();
      return {};
    } catch (const failure& f) {
      if (hooks.refusal)
        if (auto refused = hooks.refusal(doing, f)) return std::move(*refused);
      if (attempt == 0 && !db.healthy()) continue;
      return error{error_code::unavailable, std::string("could not ") + doing + ": " + f.what()};
    } catch (const std::exception& e) {
      return error{error_code::internal, std::string("could not ") + doing + ": " + e.what()};
    }
  }
}

}  // namespace jobforge::pg
