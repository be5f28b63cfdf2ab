// The cron expression parser, and next-fire computation on what parses.
// The input's first line is the expression; the bytes after it choose the
// instant to search from and a zone: a fixed UTC offset, or a synthetic
// zone whose offset alternates between two values at a fixed period (a
// spring-forward gap and a fall-back overlap every cycle).
// Properties: a parse fails with a message or keeps the text; a fire time
// lies strictly after the start, within the search horizon, on a whole
// second, at a local time that matches (or at the end of a gap); and every
// start between the first one and the fire time finds that same fire time
// (no search step jumps over a match).

#include "fuzz_check.hpp"
#include "model/next_fire.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace jobforge;
using std::chrono::seconds;

/// Two offsets taking turns every `period`, starting at `epoch`: both kinds
/// of daylight-saving transition, as often as the fuzzer likes.
class alternating_zone final : public zone_rules {
 public:
  alternating_zone(seconds a, seconds b, seconds period, sys_seconds epoch)
      : a_(a), b_(b), period_(period), epoch_(epoch) {}

  const std::string& name() const override { return name_; }

  zone_period period_at(sys_seconds t) const override {
    const auto since = (t - epoch_).count();
    auto k = since / period_.count();
    if (since % period_.count() < 0) --k;
    const sys_seconds begin = epoch_ + k * period_;
    return zone_period{begin, begin + period_, k % 2 == 0 ? a_ : b_};
  }

 private:
  std::string name_ = "Fuzz/Alternating";
  seconds a_, b_, period_;
  sys_seconds epoch_;
};

/// Local time in `zone` at the instant `t`, split into fields.
civil_time local_fields(const zone_rules& zone, sys_seconds t) {
  return to_civil(local_seconds{t.time_since_epoch() + zone.period_at(t).offset});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto line_end = input.find('\n');
  const std::string_view text = input.substr(0, line_end);
  auto e = cron_expression::parse(text);
  if (!e) {
    FUZZ_CHECK(e.error_value().code == error_code::invalid_argument);
    FUZZ_CHECK(!e.error_value().message.empty());
    return 0;
  }
  FUZZ_CHECK(e->text() == text);

  const std::string_view rest =
      line_end == std::string_view::npos ? std::string_view{} : input.substr(line_end + 1);
  FuzzedDataProvider in(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
  // 2026-01-01 when no bytes are left: a start the seeds stay readable for.
  const std::int64_t after_ms = in.remaining_bytes() == 0
                                    ? 1'767'225'600'000
                                    : in.ConsumeIntegralInRange<std::int64_t>(
                                          to_unix_ms(min_timestamp), to_unix_ms(max_timestamp));
  const timestamp after = from_unix_ms(after_ms);
  constexpr std::int64_t max_offset = 18 * 3600;
  const seconds a{in.ConsumeIntegralInRange<std::int64_t>(-max_offset, max_offset)};
  const bool alternating = in.ConsumeBool();
  const seconds b =
      alternating ? seconds{in.ConsumeIntegralInRange<std::int64_t>(-max_offset, max_offset)} : a;
  // At least a day per period keeps a 400-year search to a few hundred
  // thousand periods at worst; most expressions fire in the first few.
  const seconds period{in.ConsumeIntegralInRange<std::int64_t>(86'400, 400LL * 86'400)};
  const sys_seconds epoch{seconds{in.ConsumeIntegralInRange<std::int64_t>(0, 10'000'000'000)}};
  const alternating_zone zone(a, b, period, epoch);

  const auto fire = next_fire_time(*e, zone, after);
  if (!fire) return 0;
  FUZZ_CHECK(*fire > after);
  FUZZ_CHECK(*fire <= max_timestamp);
  FUZZ_CHECK(to_unix_ms(*fire) % 1000 == 0);
  const auto first_second = std::chrono::floor<seconds>(after) + seconds{1};
  FUZZ_CHECK(*fire - first_second <= fire_search_horizon);
  const sys_seconds at{std::chrono::floor<seconds>(*fire)};
  const bool at_gap_end = zone.period_at(at).begin == at;
  FUZZ_CHECK(at_gap_end || e->matches(local_fields(zone, at)));

  // Any start between `after` and the fire time finds the same fire time.
  const std::int64_t span = to_unix_ms(*fire) - after_ms;
  const std::int64_t step = in.ConsumeIntegralInRange<std::int64_t>(0, span - 1);
  for (const std::int64_t later : {after_ms + step, to_unix_ms(*fire) - 1}) {
    const auto again = next_fire_time(*e, zone, from_unix_ms(later));
    FUZZ_CHECK(again && *again == *fire);
  }
  return 0;
}
