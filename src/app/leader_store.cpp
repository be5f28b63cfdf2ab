#include "app/leader_store.hpp"

#include "store/forwarding_store.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace jobforge::app {
namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

class outage_riding final : public forwarding_store {
 public:
  outage_riding(std::shared_ptr<store> inner, milliseconds patience,
                std::function<void(const std::string&)> give_up, milliseconds max_pause)
      : forwarding_store(std::move(inner)),
        patience_(patience),
        give_up_(std::move(give_up)),
        max_pause_(max_pause) {}

  expected<void> apply(const std::vector<store_write>& batch) override {
    const auto started = clock_type::now();
    milliseconds pause{std::min(milliseconds{20}, max_pause_)};
    for (int tries = 1;; ++tries) {
      auto done = inner().apply(batch);  // a snapshot written twice is written unchanged
      if (done || done.error_value().code != error_code::unavailable) {
        if (done && tries > 1)
          spdlog::info("store: the database took the batch of {} writes again (try {})",
                       batch.size(), tries);
        if (done) set_outage(std::nullopt);
        return done;
      }
      set_outage(done.error_value().message);
      const auto waited = std::chrono::duration_cast<milliseconds>(clock_type::now() - started);
      if (waited + pause > patience_) {
        give_up_("the database took no write for " + std::to_string(waited.count()) +
                 " ms: " + done.error_value().message);
        return done;
      }
      if (tries == 1)
        spdlog::warn("store: {}; trying again until the database is back (for up to {} ms)",
                     done.error_value().message, patience_.count());
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, max_pause_);
    }
  }

  expected<void> writable() const override {
    if (!out_.load(std::memory_order_acquire)) return inner().writable();
    std::lock_guard lock(mutex_);
    return error{error_code::unavailable,
                 "the store cannot reach its database (" + outage_ +
                     "): nothing was changed; try again once it is back",
                 boost::json::object{{"retry_after", 1}}};
  }

 private:
  void set_outage(std::optional<std::string> why) {
    if (!why && !out_.load(std::memory_order_acquire)) return;
    std::lock_guard lock(mutex_);
    if (why) outage_ = std::move(*why);
    out_.store(why.has_value(), std::memory_order_release);
  }

  std::atomic<bool> out_{false};  ///< a batch waits for the database now
  mutable std::mutex mutex_;      ///< guards outage_
  std::string outage_;            ///< why the last try failed
  milliseconds patience_;
  std::function<void(const std::string&)> give_up_;
  milliseconds max_pause_;
};

}  // namespace

std::shared_ptr<store> outage_riding_store(std::shared_ptr<store> inner, milliseconds patience,
                                           std::function<void(const std::string&)> give_up,
                                           milliseconds max_pause) {
  return std::make_shared<outage_riding>(std::move(inner), patience, std::move(give_up), max_pause);
}

}  // namespace jobforge::app
