#include "model/random_source.hpp"

#include <openssl/rand.h>

#include <array>
#include <mutex>
#include <random>

namespace jobforge {

double random_source::uniform01() {
  // The top 53 bits give every double in [0, 1) with equal spacing.
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

namespace {

// OpenSSL's CSPRNG (seeded from the OS), read in blocks: std::random_device
// costs about 40 us per call on this kind of VM, far too slow for ids.
class system_random final : public random_source {
 public:
  std::uint64_t next_u64() override {
    std::lock_guard<std::mutex> guard(mutex_);
    if (next_ == buffer_.size()) refill();
    return buffer_[next_++];
  }

 private:
  void refill() {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(buffer_.data()),
                   static_cast<int>(buffer_.size() * sizeof(std::uint64_t))) != 1) {
      // OpenSSL could not get entropy: fall back to the OS device directly.
      for (auto& word : buffer_)
        word = (static_cast<std::uint64_t>(device_()) << 32) | device_();
    }
    next_ = 0;
  }
  std::mutex mutex_;
  std::random_device device_;
  std::array<std::uint64_t, 512> buffer_{};
  std::size_t next_ = buffer_.size();
};

class seeded_random final : public random_source {
 public:
  explicit seeded_random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next_u64() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace

std::shared_ptr<random_source> make_system_random() {
  return std::make_shared<system_random>();
}

std::unique_ptr<random_source> make_seeded_random(std::uint64_t seed) {
  return std::make_unique<seeded_random>(seed);
}

}  // namespace jobforge
