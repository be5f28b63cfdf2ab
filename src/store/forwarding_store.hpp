#pragma once
/// A store that hands every call to another one: the base of stores that
/// watch or change a call or two (a leader riding out a database outage,
/// the tests' recording and failing stores) and pass the rest on.

#include "store/store.hpp"

#include <memory>
#include <utility>

namespace jobforge {

class forwarding_store : public store {
 public:
  explicit forwarding_store(std::shared_ptr<store> inner) : inner_(std::move(inner)) {}

  expected<void> apply(const std::vector<store_write>& b) override { return inner_->apply(b); }
  expected<std::optional<job>> get(const job_id& id) override { return inner_->get(id); }
  expected<job_page> list(const job_query& q) override { return inner_->list(q); }
  expected<std::vector<job>> load_unfinished() override { return inner_->load_unfinished(); }
  expected<std::vector<job_summary>> load_unfinished_summaries() override {
    return inner_->load_unfinished_summaries();
  }
  expected<status_counts> count_by_status() override { return inner_->count_by_status(); }
  expected<std::vector<dedup_claim>> load_dedup_claims(timestamp now) override {
    return inner_->load_dedup_claims(now);
  }
  expected<std::vector<schedule_record>> load_schedules() override {
    return inner_->load_schedules();
  }
  bool commits_wait_for_disk() const override { return inner_->commits_wait_for_disk(); }
  bool shares_snapshots() const override { return inner_->shares_snapshots(); }
  expected<std::vector<job_id>> prune_finished(timestamp cutoff, std::size_t limit) override {
    return inner_->prune_finished(cutoff, limit);
  }
  expected<std::vector<std::unique_ptr<store_reader>>> open_readers() override {
    return inner_->open_readers();
  }

 protected:
  store& inner() { return *inner_; }
  const store& inner() const { return *inner_; }

 private:
  std::shared_ptr<store> inner_;
};

}  // namespace jobforge
