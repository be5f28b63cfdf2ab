#include "model/dedup.hpp"

#include "model/canonical_json.hpp"

#include <openssl/evp.h>

#include <array>

namespace jobforge {
namespace {

std::string sha256_hex(const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0F]);
  }
  return out;
}

}  // namespace

expected<std::optional<std::string>> dedup_key(std::string_view type,
                                               const boost::json::value& payload,
                                               const std::optional<std::string>& unique_key,
                                               bool type_dedups_by_payload) {
  using key = std::optional<std::string>;
  if (unique_key) return key(*unique_key);
  if (!type_dedups_by_payload) return key();
  auto canonical = canonical_json(payload);
  if (!canonical) return std::move(canonical).error_value();
  std::string material(type);
  material.push_back('\0');  // no type/payload split can collide with another
  material += *canonical;
  return key("sha256:" + sha256_hex(material));
}

std::optional<job_id> dedup_window::find(const std::string& tenant, const std::string& key,
                                         timestamp now) const {
  auto it = entries_.find({tenant, key});
  if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second.id;
}

void dedup_window::remember(const std::string& tenant, const std::string& key, const job_id& id,
                            timestamp expires_at) {
  auto name = std::make_pair(tenant, key);
  auto [it, inserted] = entries_.try_emplace(name, entry{id, expires_at});
  if (!inserted) it->second = entry{id, expires_at};
  // A stale expiry record for a replaced entry is harmless: expire() checks
  // the live entry's time before erasing.
  by_expiry_.emplace(expires_at, std::move(name));
}

void dedup_window::forget(const std::string& tenant, const std::string& key, const job_id& id) {
  auto it = entries_.find({tenant, key});
  if (it != entries_.end() && it->second.id == id) entries_.erase(it);
}

std::size_t dedup_window::expire(timestamp now) {
  std::size_t dropped = 0;
  auto end = by_expiry_.upper_bound(now);
  for (auto it = by_expiry_.begin(); it != end; ++it) {
    auto live = entries_.find(it->second);
    if (live != entries_.end() && live->second.expires_at <= now) {
      entries_.erase(live);
      ++dropped;
    }
  }
  by_expiry_.erase(by_expiry_.begin(), end);
  return dropped;
}

}  // namespace jobforge
