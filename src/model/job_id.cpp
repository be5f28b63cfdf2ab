#include "model/job_id.hpp"

#include <algorithm>
#include <cstring>

namespace jobforge {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr bool is_dash_position(std::size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

}  // namespace

job_id job_id::generate(random_source& rng) {
  job_id id;
  const std::uint64_t hi = rng.next_u64();
  const std::uint64_t lo = rng.next_u64();
  for (int i = 0; i < 8; ++i) {
    id.bytes_[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    id.bytes_[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  id.bytes_[6] = static_cast<std::uint8_t>((id.bytes_[6] & 0x0F) | 0x40);  // version 4
  id.bytes_[8] = static_cast<std::uint8_t>((id.bytes_[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return id;
}

job_id job_id::generate_time_ordered(random_source& rng, timestamp at) {
  constexpr std::int64_t max_48_bits = (std::int64_t{1} << 48) - 1;
  const auto ms =
      static_cast<std::uint64_t>(std::clamp<std::int64_t>(to_unix_ms(at), 0, max_48_bits));
  job_id id = generate(rng);  // the random bits and the variant
  for (int i = 0; i < 6; ++i)
    id.bytes_[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  id.bytes_[6] = static_cast<std::uint8_t>((id.bytes_[6] & 0x0F) | 0x70);  // version 7
  return id;
}

std::optional<job_id> job_id::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  job_id id;
  std::size_t byte = 0;
  for (std::size_t i = 0; i < 36;) {
    if (is_dash_position(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id.bytes_[byte++] = static_cast<std::uint8_t>(high * 16 + low);
    i += 2;
  }
  return id;
}

job_id job_id::from_bytes(const std::array<std::uint8_t, 16>& bytes) {
  job_id id;
  id.bytes_ = bytes;
  return id;
}

bool job_id::is_nil() const noexcept {
  for (auto b : bytes_)
    if (b != 0) return false;
  return true;
}

std::string to_string(const job_id& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(digits[id.bytes()[i] >> 4]);
    out.push_back(digits[id.bytes()[i] & 0x0F]);
  }
  return out;
}

}  // namespace jobforge

std::size_t std::hash<jobforge::job_id>::operator()(const jobforge::job_id& id) const noexcept {
  // A v7 id's first six bytes are its time, the rest (but the version and
  // variant bits) random. The tables that use this hash pick a bucket by its
  // low bits (power-of-two bucket counts), so every bit of the result must
  // depend on every random bit: a product's low bits depend only on its
  // factors' low bits (with `a ^ b * k`, ids of one millisecond fell into
  // 2^15 buckets at most, chains of 30 with a million jobs). SplitMix64's
  // finalizer mixes them all.
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, id.bytes().data(), 8);
  std::memcpy(&b, id.bytes().data() + 8, 8);
  std::uint64_t x = a ^ b;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return static_cast<std::size_t>(x);
}
