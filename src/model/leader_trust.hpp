#pragma once
/// How long a leader may trust its lease. The database decides when a lease
/// expires, by its own clock, counted from when it received the renewal; the
/// leader cannot see that clock, so it counts from when it *sent* the
/// renewal (earlier than the database received it, whatever the network
/// did) and stops a margin before that: it steps down before any standby
/// can take over, however slow the renewal's answer was.

#include <chrono>

namespace jobforge {

class leader_trust {
 public:
  using clock = std::chrono::steady_clock;

  /// `margin` is clamped to below `lease`.
  leader_trust(std::chrono::milliseconds lease, std::chrono::milliseconds margin)
      : lease_(lease), margin_(margin < lease ? margin : lease - std::chrono::milliseconds{1}) {}

  /// The renewal (or the acquisition) sent at `sent` succeeded.
  void renewed(clock::time_point sent) {
    const auto until = sent + lease_ - margin_;
    if (!renewed_once_ || until > until_) until_ = until;
    renewed_once_ = true;
  }

  /// Whether the lease may still be trusted at `now` (never before a renewal).
  bool trusted(clock::time_point now) const { return renewed_once_ && now < until_; }

  /// Until when it may be trusted (meaningful after a renewal).
  clock::time_point until() const { return until_; }

  /// The default margin: a fifth of the lease (a second of the default 5 s).
  static std::chrono::milliseconds default_margin(std::chrono::milliseconds lease) {
    return lease / 5;
  }

 private:
  std::chrono::milliseconds lease_;
  std::chrono::milliseconds margin_;
  clock::time_point until_{};
  bool renewed_once_ = false;
};

}  // namespace jobforge
