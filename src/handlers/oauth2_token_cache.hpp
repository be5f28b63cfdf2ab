#pragma once
/// OAuth2 client-credentials tokens (RFC 6749 §4.4), fetched once and shared
/// by every job of the process until shortly before they expire.

#include "model/job_error.hpp"
#include "model/stop_token.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace jobforge::handlers {

/// Where and as whom to ask for a token.
struct oauth2_client_credentials {
  std::string token_url;  ///< http or https
  std::string client_id;
  std::string client_secret;
  std::string scope;  ///< empty = no scope parameter
};

/// A token to send as "Authorization: Bearer ...", or why there is none.
struct oauth2_token {
  std::string access_token;
  bool fetched_now = false;  ///< false = it came from the cache
  /// Set when no token could be had: transient for network errors, 5xx and
  /// 429 from the token URL; permanent when the server refused the client
  /// or answered something that is not a bearer token.
  std::optional<job_error> failure;
};

/// A thread-safe cache of tokens keyed by (token URL, client id, scope), and
/// a digest of the secret so a payload with a wrong secret never borrows a
/// token fetched with the right one.
///
/// The client authenticates with HTTP Basic (RFC 6749 §2.3.1: the form-encoded
/// id and secret), the one method every server must accept; the grant is a
/// form-encoded POST of grant_type=client_credentials and the scope.
class oauth2_token_cache {
 public:
  /// A token stops being handed out this long before its `expires_in` ends,
  /// so it does not expire between here and the target.
  static constexpr std::chrono::seconds expiry_margin{30};
  /// The lifetime assumed when the token response gives no `expires_in`.
  static constexpr std::chrono::seconds unstated_lifetime{300};

  /// The cache every `http.request` job of the process shares.
  static oauth2_token_cache& shared();

  /// The cached token for `client`, or a new one from its token URL. Jobs
  /// asking for the same key at once wait for one fetch (abandoning the wait
  /// if `stop` turns true).
  oauth2_token token(const oauth2_client_credentials& client, std::int64_t timeout_ms,
                     const stop_token& stop);

  /// Forgets `access_token` if it is still the one cached for `client` (the
  /// target answered 401 to it), so the next call fetches another.
  void invalidate(const oauth2_client_credentials& client, const std::string& access_token);

 private:
  using key = std::tuple<std::string, std::string, std::string, std::string>;
  struct entry {
    std::timed_mutex fetching;  ///< held while a fetch for this key runs
    std::mutex mutex;           ///< guards the fields below
    std::string access_token;   ///< empty = none cached
    std::chrono::steady_clock::time_point usable_until;
  };

  std::shared_ptr<entry> entry_for(const oauth2_client_credentials& client);

  std::mutex mutex_;  ///< guards entries_
  std::map<key, std::shared_ptr<entry>> entries_;
};

}  // namespace jobforge::handlers
