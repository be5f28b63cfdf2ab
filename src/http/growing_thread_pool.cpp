#include "http/growing_thread_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>

namespace jobforge::http {

growing_thread_pool::growing_thread_pool(std::size_t base, std::size_t cap)
    : cap_(std::max(base, cap)) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < base; ++i)
    start_thread();
}

void growing_thread_pool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(fn));
    if (idle_ < jobs_.size() && threads_.size() < cap_ && !stopping_) start_thread();
  }
  wake_.notify_one();
}

void growing_thread_pool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // No thread starts once stopping_ is set, so the list is stable here.
  for (auto& t : threads_)
    t.join();
}

void growing_thread_pool::start_thread() {
  try {
    threads_.emplace_back([this] { work(); });
  } catch (const std::system_error& e) {
    spdlog::warn("http: cannot start another server thread ({}); the connection waits", e.what());
  }
}

void growing_thread_pool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
    --idle_;
    if (jobs_.empty()) return;  // stopping, and nothing left to serve
    auto fn = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace jobforge::http
