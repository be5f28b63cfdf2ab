#include "model/job_log_book.hpp"

namespace jobforge {

void job_log_book::add(const job_id& id, job_log_line line) {
  auto [it, inserted] = books_.try_emplace(id);
  book& b = it->second;
  if (!inserted) by_touch_.erase(b.touched);
  b.touched = ++clock_;
  by_touch_.emplace(b.touched, id);
  bytes_ += size_of(line);
  b.lines.push_back(std::move(line));
  while (b.lines.size() > limits_.lines_per_job) {
    bytes_ -= size_of(b.lines.front());
    b.lines.pop_front();
    ++b.dropped;
  }
  // The job just written is the newest: the others make room first, and it
  // goes itself only when it alone is over the bytes.
  while ((books_.size() > limits_.jobs || bytes_ > limits_.bytes) && books_.size() > 1)
    evict_oldest();
  while (bytes_ > limits_.bytes && b.lines.size() > 1) {
    bytes_ -= size_of(b.lines.front());
    b.lines.pop_front();
    ++b.dropped;
  }
}

void job_log_book::evict_oldest() {
  auto oldest = by_touch_.begin();
  auto it = books_.find(oldest->second);
  for (const auto& l : it->second.lines)
    bytes_ -= size_of(l);
  books_.erase(it);
  by_touch_.erase(oldest);
}

job_log_book::lines_of job_log_book::get(const job_id& id) const {
  auto it = books_.find(id);
  if (it == books_.end()) return {};
  return {std::vector<job_log_line>(it->second.lines.begin(), it->second.lines.end()),
          it->second.dropped};
}

}  // namespace jobforge
