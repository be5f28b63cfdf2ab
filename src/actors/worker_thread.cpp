#include "actors/worker_thread.hpp"

namespace jobforge {

worker_thread::worker_thread() : shared_(std::make_shared<shared>()) {
  std::thread(loop, shared_).detach();
}

worker_thread::~worker_thread() {
  {
    std::lock_guard<std::mutex> guard(shared_->mutex);
    shared_->abandoned = true;
  }
  shared_->wake.notify_one();
}

void worker_thread::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> guard(shared_->mutex);
    shared_->task = std::move(task);
  }
  shared_->wake.notify_one();
}

void worker_thread::loop(std::shared_ptr<shared> s) {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(s->mutex);
      s->wake.wait(lock, [&] { return s->task.has_value() || s->abandoned; });
      if (!s->task) return;  // abandoned while idle
      task = std::move(*s->task);
      s->task.reset();
    }
    task();  // the task never throws: handlers run through invoke_handler
  }
}

}  // namespace jobforge
