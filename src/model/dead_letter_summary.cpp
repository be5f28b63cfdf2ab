#include "model/dead_letter_summary.hpp"

#include <algorithm>

namespace jobforge {

std::string dead_letter_code(const job& j) {
  return j.last_error ? j.last_error->code : std::string();
}

void dead_letter_summary::add(const job& j) {
  if (j.status != job_status::failed) return;
  ++total_;
  const timestamp failed_at = j.finished_at.value_or(j.updated_at);
  auto key = std::make_pair(j.type, dead_letter_code(j));
  auto [it, inserted] = groups_.try_emplace(key);
  dead_letter_group& g = it->second;
  if (inserted) {
    g.type = key.first;
    g.code = key.second;
    g.first_seen = failed_at;
    g.last_seen = failed_at;
  }
  ++g.count;
  g.first_seen = std::min(g.first_seen, failed_at);
  if (inserted || failed_at >= g.last_seen) {
    g.last_seen = failed_at;
    g.kind = j.last_error ? std::string(to_string(j.last_error->kind)) : std::string();
    g.message = j.last_error ? j.last_error->message : std::string();
  }
}

std::vector<dead_letter_group> dead_letter_summary::groups() const {
  std::vector<dead_letter_group> out;
  out.reserve(groups_.size());
  for (const auto& [key, g] : groups_)
    out.push_back(g);
  std::sort(out.begin(), out.end(), [](const dead_letter_group& a, const dead_letter_group& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.last_seen > b.last_seen;
  });
  return out;
}

}  // namespace jobforge
