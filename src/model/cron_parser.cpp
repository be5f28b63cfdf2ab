// cron_expression::parse: the text of an expression into per-field value sets.

#include "model/civil_date.hpp"
#include "model/cron_expression.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace jobforge {
namespace {

struct field_spec {
  const char* name;
  unsigned min;
  unsigned max;
  const char* const* names;  ///< names of min, min+1, ... or nullptr
  unsigned names_count;
  const char* names_hint;
};

constexpr const char* month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* weekday_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr field_spec second_field{"second", 0, 59, nullptr, 0, nullptr};
constexpr field_spec minute_field{"minute", 0, 59, nullptr, 0, nullptr};
constexpr field_spec hour_field{"hour", 0, 23, nullptr, 0, nullptr};
constexpr field_spec day_of_month_field{"day-of-month", 1, 31, nullptr, 0, nullptr};
constexpr field_spec month_field{"month", 1, 12, month_names, 12, "JAN-DEC"};
// 7 is Sunday too, folded onto 0 once parsed.
constexpr field_spec day_of_week_field{"day-of-week", 0, 7, weekday_names, 7, "SUN-SAT"};

struct named_expression {
  const char* name;
  const char* fields;
};
constexpr named_expression named_expressions[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

error field_error(const field_spec& f, const std::string& what) {
  return error{error_code::invalid_argument, std::string(f.name) + ": " + what,
               boost::json::object{{"field", f.name}}};
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// A number or a name of the field, checked against its range.
expected<unsigned> parse_value(const field_spec& f, std::string_view token) {
  if (token.empty()) return field_error(f, "a value is missing");
  if (std::all_of(token.begin(), token.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (token.size() > 4)
      return field_error(f, std::string(token) + " is out of range " + std::to_string(f.min) + "-" +
                                std::to_string(f.max));
    unsigned v = 0;
    for (char c : token)
      v = v * 10 + static_cast<unsigned>(c - '0');
    if (v < f.min || v > f.max)
      return field_error(f, std::string(token) + " is out of range " + std::to_string(f.min) + "-" +
                                std::to_string(f.max));
    return v;
  }
  if (f.names) {
    const std::string u = upper(token);
    for (unsigned i = 0; i < f.names_count; ++i)
      if (u == f.names[i]) return f.min + i;
    return field_error(
        f, "'" + std::string(token) + "' is not a number or a name (" + f.names_hint + ")");
  }
  return field_error(f, "'" + std::string(token) + "' is not a number");
}

// One comma-separated item: `*`, `?`, a value or a range, with an optional step.
template <std::size_t N>
expected<void> parse_item(const field_spec& f, std::string_view item, std::bitset<N>& bits,
                          bool allow_question_mark) {
  if (item.empty()) return field_error(f, "an empty list item");
  std::string_view range = item;
  unsigned step = 1;
  bool stepped = false;
  if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    const std::string_view step_text = item.substr(slash + 1);
    const bool digits = !step_text.empty() && step_text.size() <= 4 &&
                        std::all_of(step_text.begin(), step_text.end(), [](char c) {
                          return std::isdigit(static_cast<unsigned char>(c));
                        });
    if (!digits)
      return field_error(f, "step '" + std::string(step_text) + "' in '" + std::string(item) +
                                "' is not a number");
    step = static_cast<unsigned>(std::stoul(std::string(step_text)));
    if (step == 0 || step > f.max - f.min + 1)
      return field_error(f, "step " + std::string(step_text) + " in '" + std::string(item) +
                                "' is out of range 1-" + std::to_string(f.max - f.min + 1));
    stepped = true;
  }
  unsigned low = f.min;
  unsigned high = f.max;
  if (range == "*" || (allow_question_mark && range == "?" && !stepped)) {
    // the whole range
  } else if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
    auto a = parse_value(f, range.substr(0, dash));
    if (!a) return std::move(a).error_value();
    auto b = parse_value(f, range.substr(dash + 1));
    if (!b) return std::move(b).error_value();
    // SUN ending a range is the Sunday at the end of the week: FRI-SUN.
    if (f.names == weekday_names && *b == 0 &&
        !std::isdigit(static_cast<unsigned char>(range[dash + 1])))
      b = 7u;
    if (*a > *b) return field_error(f, "range '" + std::string(range) + "' goes backwards");
    low = *a;
    high = *b;
  } else {
    auto v = parse_value(f, range);
    if (!v) return std::move(v).error_value();
    low = *v;
    high = stepped ? f.max : *v;  // `a/n` means a, a+n, ... up to the maximum
  }
  for (unsigned v = low; v <= high; v += step)
    bits.set(v);
  return {};
}

template <std::size_t N>
expected<void> parse_field(const field_spec& f, std::string_view text, std::bitset<N>& bits,
                           bool allow_question_mark = false) {
  for (std::string_view item : split(text, ',')) {
    auto ok = parse_item(f, item, bits, allow_question_mark);
    if (!ok) return ok;
  }
  return {};
}

}  // namespace

class cron_parser {
 public:
  static expected<cron_expression> parse(std::string_view text);
};

expected<cron_expression> cron_parser::parse(std::string_view text) {
  cron_expression e;
  e.text_ = std::string(text);
  std::vector<std::string_view> fields = split_whitespace(text);
  if (fields.size() == 1 && fields[0].front() == '@') {
    const std::string lower = [&] {
      std::string s(fields[0]);
      for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    }();
    const auto* it = std::find_if(std::begin(named_expressions), std::end(named_expressions),
                                  [&](const named_expression& n) { return lower == n.name; });
    if (it == std::end(named_expressions))
      return error{error_code::invalid_argument,
                   "unknown name '" + std::string(fields[0]) +
                       "' (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight "
                       "or @hourly)"};
    fields = split_whitespace(it->fields);
  }
  if (fields.size() != 5 && fields.size() != 6)
    return error{error_code::invalid_argument,
                 "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds "
                 "first), got " +
                     std::to_string(fields.size())};
  const bool with_seconds = fields.size() == 6;
  const std::size_t o = with_seconds ? 1 : 0;
  if (with_seconds) {
    if (auto ok = parse_field(second_field, fields[0], e.seconds_); !ok)
      return std::move(ok).error_value();
  } else {
    e.seconds_.set(0);
  }
  if (auto ok = parse_field(minute_field, fields[o], e.minutes_); !ok)
    return std::move(ok).error_value();
  if (auto ok = parse_field(hour_field, fields[o + 1], e.hours_); !ok)
    return std::move(ok).error_value();
  if (auto ok = parse_field(day_of_month_field, fields[o + 2], e.days_, true); !ok)
    return std::move(ok).error_value();
  if (auto ok = parse_field(month_field, fields[o + 3], e.months_); !ok)
    return std::move(ok).error_value();
  std::bitset<8> weekdays;  // 0-7 while parsing; 7 folds onto Sunday
  if (auto ok = parse_field(day_of_week_field, fields[o + 4], weekdays, true); !ok)
    return std::move(ok).error_value();
  for (unsigned d = 0; d < 7; ++d)
    e.weekdays_[d] = weekdays[d] || (d == 0 && weekdays[7]);

  const auto starts_unrestricted = [](std::string_view f) { return f.front() == '*' || f == "?"; };
  e.day_of_month_star_ = starts_unrestricted(fields[o + 2]);
  e.day_of_week_star_ = starts_unrestricted(fields[o + 4]);
  e.wildcard_time_ = fields[o].front() == '*' || fields[o + 1].front() == '*';

  // With the AND rule (either day field starts with `*`), a day-of-month
  // that no allowed month has would make the search run forever: refuse it.
  // Weekdays need no check: over the years every date falls on every weekday.
  if (e.day_of_month_star_ || e.day_of_week_star_) {
    bool possible = false;
    for (unsigned m = 1; m <= 12 && !possible; ++m) {
      if (!e.months_[m]) continue;
      for (unsigned d = 1; d <= days_in_month(2000, m) && !possible; ++d)
        possible = e.days_[d];
    }
    if (!possible)
      return error{error_code::invalid_argument,
                   "day-of-month: " + std::string(fields[o + 2]) + " never occurs in " +
                       (e.months_.count() == 1 ? "month " : "months ") +
                       std::string(fields[o + 3]) + ", so the expression never fires",
                   boost::json::object{{"field", "day-of-month"}}};
  }
  return e;
}

expected<cron_expression> cron_expression::parse(std::string_view text) {
  return cron_parser::parse(text);
}

}  // namespace jobforge
