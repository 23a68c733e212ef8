#include "klik/calendar.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <mutex>
#include <unordered_map>

#include "klik/error.hpp"

namespace klik {
namespace {

// Year/month/day conversions are Date's (Date::serial_of, Date::year): one
// implementation, O(1) and constexpr.
constexpr int year_of(std::int32_t serial) noexcept { return Date::from_serial(serial).year(); }

constexpr int kMinYear = 1400, kMaxYear = 9999;
const std::int32_t kMinSerial = Date::serial_of(kMinYear, 1, 1);
const std::int32_t kMaxSerial = Date::serial_of(kMaxYear, 12, 31);

constexpr int easter_serial(int y) noexcept {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return Date::serial_of(y, month, day);
}

constexpr bool is_weekend_serial(std::int32_t s) noexcept { return Date::from_serial(s).is_weekend(); }

using Kind = HolidayRule::Kind;
constexpr std::array<HolidayRule, 14> kRules{{
    {"Nytårsdag", "New Year's Day", Kind::Fixed, 1, 1, 0, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"Skærtorsdag", "Maundy Thursday", Kind::EasterOffset, 0, 0, -3, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"Langfredag", "Good Friday", Kind::EasterOffset, 0, 0, -2, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"Påskedag", "Easter Sunday", Kind::EasterOffset, 0, 0, 0, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"2. påskedag", "Easter Monday", Kind::EasterOffset, 0, 0, 1, kMinYear, kMaxYear, HolidayCategory::Statutory},
    // Instituted 1686; abolished by lov nr. 139 of 28 February 2023 from 2024 on.
    {"Store Bededag", "General Prayer Day", Kind::EasterOffset, 0, 0, 26, 1686, 2023, HolidayCategory::Statutory},
    {"Kristi Himmelfartsdag", "Ascension Day", Kind::EasterOffset, 0, 0, 39, kMinYear, kMaxYear,
     HolidayCategory::Statutory},
    {"Pinsedag", "Whit Sunday", Kind::EasterOffset, 0, 0, 49, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"2. pinsedag", "Whit Monday", Kind::EasterOffset, 0, 0, 50, kMinYear, kMaxYear, HolidayCategory::Statutory},
    // The constitution of 5 June 1849.
    {"Grundlovsdag", "Constitution Day", Kind::Fixed, 6, 5, 0, 1849, kMaxYear, HolidayCategory::Grundlovsdag},
    {"Juleaftensdag", "Christmas Eve", Kind::Fixed, 12, 24, 0, kMinYear, kMaxYear, HolidayCategory::Juleaftensdag},
    {"Juledag", "Christmas Day", Kind::Fixed, 12, 25, 0, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"2. juledag", "Second Day of Christmas", Kind::Fixed, 12, 26, 0, kMinYear, kMaxYear, HolidayCategory::Statutory},
    {"Nytårsaftensdag", "New Year's Eve", Kind::Fixed, 12, 31, 0, kMinYear, kMaxYear,
     HolidayCategory::Nytaarsaftensdag},
}};

// Which categories a calendar closes: bit per HolidayCategory.
using CategoryMask = std::uint8_t;
constexpr CategoryMask bit(HolidayCategory c) { return static_cast<CategoryMask>(1u << static_cast<unsigned>(c)); }

/// Serials of the rule holidays of `year` in the enabled categories (may repeat a date).
template <class F>
void for_each_rule_date(int year, CategoryMask enabled, F&& f) {
  const int easter = easter_serial(year);
  for (const HolidayRule& r : kRules) {
    if (!(enabled & bit(r.category)) || year < r.first_year || year > r.last_year) continue;
    const std::int32_t s = r.kind == Kind::Fixed ? Date::serial_of(year, r.month, r.day) : easter + r.easter_offset;
    f(s, r);
  }
}

bool contains(const std::vector<Date>& sorted, std::int32_t s) {
  return std::binary_search(sorted.begin(), sorted.end(), Date::from_serial(s));
}

// ---- the fast table ----

constexpr std::int32_t kTableBase = Date::serial_of(1900, 1, 1);  // a Monday
constexpr std::int32_t kTableEndDay = Date::serial_of(2200, 12, 31);
constexpr std::int32_t kWeeks = (kTableEndDay - kTableBase) / 7 + 1;
constexpr std::int32_t kTableEnd = kTableBase + 7 * kWeeks;  // exclusive
static_assert(Date::from_serial(kTableBase).weekday() == Weekday::Monday);
static_assert(kWeeks < 65535);

// Per 7-bit week mask: pos[m][j] = weekday of the j-th working day (select),
// rank[m][k] = working days before weekday k (rank; no popcount instruction needed).
struct SelectTable {
  std::array<std::array<std::uint8_t, 8>, 128> pos{};
  std::array<std::array<std::uint8_t, 8>, 128> rank{};
  constexpr SelectTable() {
    for (unsigned m = 0; m < 128; ++m) {
      unsigned j = 0;
      for (unsigned k = 0; k < 7; ++k) {
        rank[m][k] = static_cast<std::uint8_t>(j);
        if (m >> k & 1u) pos[m][j++] = static_cast<std::uint8_t>(k);
      }
      rank[m][7] = static_cast<std::uint8_t>(j);
    }
  }
};
constexpr SelectTable kSelect{};

struct Week {
  std::int32_t cum;  // working days in [base, first day of this week)
  std::uint8_t mask;  // bit k: day k (Monday = 0) is a working day
};

struct Table {
  std::vector<Week> weeks;  // kWeeks + 1 (sentinel carries the total)
  std::vector<std::uint16_t> block_week;  // week holding working day number 4*i
  std::int32_t total = 0;

  [[nodiscard]] bool workday(std::int32_t s) const noexcept {
    const auto off = static_cast<std::uint32_t>(s - kTableBase);
    return weeks[off / 7].mask >> (off % 7) & 1u;
  }
  [[nodiscard]] std::int32_t ordinal(std::int32_t s) const noexcept {
    const auto off = static_cast<std::uint32_t>(s - kTableBase);
    const Week& w = weeks[off / 7];
    return w.cum + kSelect.rank[w.mask & 0x7Fu][off % 7];
  }
  [[nodiscard]] std::int32_t date_of(std::int32_t t) const noexcept {
    std::uint32_t w = block_week[static_cast<std::uint32_t>(t) >> 2];
    // Usually 0-2 weeks ahead: two branch-free steps, then a loop for runs of closed weeks.
    w += weeks[w + 1].cum <= t;
    w += weeks[w + 1].cum <= t;
    while (weeks[w + 1].cum <= t) ++w;
    return kTableBase + 7 * static_cast<std::int32_t>(w) + kSelect.pos[weeks[w].mask][t - weeks[w].cum];
  }
};

}  // namespace

struct WorkdayCalendar::Impl {
  CalendarOptions opts;  // normalised
  CategoryMask enabled = 0;
  mutable std::atomic<const Table*> table{nullptr};
  mutable std::once_flag once;
  mutable std::unique_ptr<Table> owned;

  [[nodiscard]] bool rule_holiday(std::int32_t s) const {
    bool hit = false;
    for_each_rule_date(year_of(s), enabled, [&](std::int32_t h, const HolidayRule&) { hit |= h == s; });
    return hit;
  }
  [[nodiscard]] bool slow_workday(std::int32_t s) const {
    if (contains(opts.extra_open, s)) return true;
    if (is_weekend_serial(s) || contains(opts.extra_closed, s)) return false;
    return !rule_holiday(s);
  }

  /// Working days in [a, b), a <= b, from the rules (per year, no loop over days).
  [[nodiscard]] std::int64_t slow_count(std::int32_t a, std::int32_t b) const {
    if (b <= a) return 0;
    auto weekdays_before = [](std::int64_t s) {  // Mon-Fri in [kTableBase, s) (negative before)
      const std::int64_t off = s - kTableBase;
      const std::int64_t w = off >= 0 ? off / 7 : -((-off + 6) / 7);
      const std::int64_t r = off - 7 * w;
      return 5 * w + std::min<std::int64_t>(r, 5);
    };
    std::int64_t n = weekdays_before(b) - weekdays_before(a);
    // Closed weekdays from the rules, once per date.
    for (int y = year_of(a), last = year_of(b - 1); y <= last; ++y) {
      std::array<std::int32_t, kRules.size()> seen{};
      std::size_t count = 0;
      for_each_rule_date(y, enabled, [&](std::int32_t s, const HolidayRule&) {
        if (s < a || s >= b || is_weekend_serial(s)) return;
        if (std::find(seen.begin(), seen.begin() + count, s) != seen.begin() + count) return;
        seen[count++] = s;
        if (contains(opts.extra_open, s) || contains(opts.extra_closed, s)) return;  // counted below
        --n;
      });
    }
    const auto lo = Date::from_serial(a), hi = Date::from_serial(b);
    for (auto it = std::lower_bound(opts.extra_closed.begin(), opts.extra_closed.end(), lo);
         it != opts.extra_closed.end() && *it < hi; ++it)
      if (!it->is_weekend()) --n;
    // Opened weekends add a day; opened weekdays were never subtracted.
    for (auto it = std::lower_bound(opts.extra_open.begin(), opts.extra_open.end(), lo);
         it != opts.extra_open.end() && *it < hi; ++it)
      if (it->is_weekend()) ++n;
    return n;
  }

  /// The n-th working day after s (n > 0) or |n|-th before (n < 0), from the rules.
  [[nodiscard]] std::int32_t slow_add(std::int32_t s, std::int64_t n) const {
    auto out_of_range = [&] {
      throw InvalidArgumentError("add_workdays: the result lies outside 1400-9999 (from " + Date::from_serial(s).iso() +
                                 ", " + std::to_string(n) + " working days)");
    };
    std::int32_t x = s;
    if (n > 0) {
      while (true) {  // jump whole years while the remaining count exceeds them
        const int y = year_of(x + 1);
        if (y > kMaxYear) out_of_range();
        const std::int32_t next_year = Date::serial_of(y + 1, 1, 1);
        const std::int64_t c = slow_count(x + 1, next_year);
        if (c >= n) break;
        n -= c;
        x = next_year - 1;
      }
      while (n > 0) {
        ++x;
        if (slow_workday(x)) --n;
      }
    } else if (n < 0) {
      while (true) {
        const int y = year_of(x - 1);
        if (y < kMinYear) out_of_range();
        const std::int32_t year_start = Date::serial_of(y, 1, 1);
        const std::int64_t c = slow_count(year_start, x);
        if (c >= -n) break;
        n += c;
        x = year_start;
      }
      while (n < 0) {
        --x;
        if (slow_workday(x)) ++n;
      }
    }
    if (x < kMinSerial || x > kMaxSerial) out_of_range();
    return x;
  }

  [[nodiscard]] const Table& tab() const {
    if (const Table* t = table.load(std::memory_order_acquire)) return *t;
    std::call_once(once, [this] {
      owned = build();
      table.store(owned.get(), std::memory_order_release);
    });
    return *table.load(std::memory_order_acquire);
  }

  [[nodiscard]] std::unique_ptr<Table> build() const {
    auto t = std::make_unique<Table>();
    t->weeks.assign(static_cast<std::size_t>(kWeeks) + 1, Week{0, 0x1F});
    auto clear = [&](std::int32_t s) {
      if (s < kTableBase || s >= kTableEnd) return;
      const auto off = static_cast<std::uint32_t>(s - kTableBase);
      t->weeks[off / 7].mask = static_cast<std::uint8_t>(t->weeks[off / 7].mask & ~(1u << (off % 7)));
    };
    for (int y = 1900, last = year_of(kTableEnd - 1); y <= last; ++y)
      for_each_rule_date(y, enabled, [&](std::int32_t s, const HolidayRule&) { clear(s); });
    for (Date d : opts.extra_closed) clear(d.serial());
    for (Date d : opts.extra_open) {
      if (d.serial() < kTableBase || d.serial() >= kTableEnd) continue;
      const auto off = static_cast<std::uint32_t>(d.serial() - kTableBase);
      t->weeks[off / 7].mask = static_cast<std::uint8_t>(t->weeks[off / 7].mask | (1u << (off % 7)));
    }
    std::int32_t cum = 0;
    for (std::int32_t w = 0; w < kWeeks; ++w) {
      t->weeks[w].cum = cum;
      cum += std::popcount(static_cast<unsigned>(t->weeks[w].mask));
    }
    t->weeks[kWeeks] = Week{cum, 0};
    t->total = cum;
    t->block_week.resize(static_cast<std::size_t>(cum) / 4 + 1);
    std::uint32_t w = 0;
    for (std::int32_t i = 0; 4 * i < cum; ++i) {
      while (t->weeks[w + 1].cum <= 4 * i) ++w;
      t->block_week[i] = static_cast<std::uint16_t>(w);
    }
    return t;
  }
};

namespace {

using Impl = WorkdayCalendar::Impl;

CategoryMask enabled_of(const CalendarOptions& o) {
  CategoryMask m = bit(HolidayCategory::Statutory) | bit(HolidayCategory::Extra);
  if (*o.grundlovsdag) m |= bit(HolidayCategory::Grundlovsdag);
  if (*o.juleaftensdag) m |= bit(HolidayCategory::Juleaftensdag);
  if (*o.nytaarsaftensdag) m |= bit(HolidayCategory::Nytaarsaftensdag);
  return m;
}

void sort_unique(std::vector<Date>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

CalendarOptions normalise(CalendarOptions o) {
  const bool dflt = o.profile == CalendarProfile::Municipal;
  if (!o.grundlovsdag) o.grundlovsdag = dflt;
  if (!o.juleaftensdag) o.juleaftensdag = dflt;
  if (!o.nytaarsaftensdag) o.nytaarsaftensdag = dflt;
  sort_unique(o.extra_closed);
  sort_unique(o.extra_open);
  std::erase_if(o.extra_closed,
                [&](Date d) { return std::binary_search(o.extra_open.begin(), o.extra_open.end(), d); });
  return o;
}

std::shared_ptr<const Impl> make_impl(const CalendarOptions& options) {
  CalendarOptions o = normalise(options);
  if (o.extra_closed.empty() && o.extra_open.empty()) {
    // Base calendars: one per profile and combination of the three closing
    // days, process-wide, each building its table once on first use.
    static std::array<std::shared_ptr<const Impl>, 16> base;
    static std::array<std::once_flag, 16> flags;
    const int key = (*o.grundlovsdag ? 1 : 0) | (*o.juleaftensdag ? 2 : 0) | (*o.nytaarsaftensdag ? 4 : 0) |
                    (o.profile == CalendarProfile::Statutory ? 8 : 0);
    std::call_once(flags[key], [&] {
      auto impl = std::make_shared<Impl>();
      impl->opts = o;
      impl->enabled = enabled_of(o);
      base[key] = std::move(impl);
    });
    return base[key];
  }
  auto impl = std::make_shared<Impl>();
  impl->opts = std::move(o);
  impl->enabled = enabled_of(impl->opts);
  return impl;
}

bool in_table(std::int32_t s) noexcept { return s >= kTableBase && s < kTableEnd; }

}  // namespace

std::span<const HolidayRule> danish_holiday_rules() noexcept { return kRules; }

Date easter_sunday(int year) {
  KLIK_REQUIRE(year >= kMinYear && year <= kMaxYear,
               "easter_sunday: year " + std::to_string(year) + " is outside 1400-9999");
  return Date::from_serial(easter_serial(year));
}

WorkdayCalendar::WorkdayCalendar() : impl_(make_impl({})) {}

WorkdayCalendar WorkdayCalendar::danish(const CalendarOptions& options) { return WorkdayCalendar(make_impl(options)); }

const CalendarOptions& WorkdayCalendar::options() const noexcept { return impl_->opts; }

bool WorkdayCalendar::is_workday(Date d) const {
  const std::int32_t s = d.serial();
  if (in_table(s)) return impl_->tab().workday(s);
  return impl_->slow_workday(s);
}

bool WorkdayCalendar::is_holiday(Date d) const { return !d.is_weekend() && !is_workday(d); }

Date WorkdayCalendar::add_workdays(Date d, std::int32_t n) const {
  const std::int32_t s = d.serial();
  if (in_table(s)) {
    const Table& t = impl_->tab();
    const std::int32_t o = t.ordinal(s);
    // n > 0: o + [d is a working day] + n - 1; n < 0: o + n; n = 0: o (branch-free).
    const std::int64_t target =
        static_cast<std::int64_t>(o) + n + static_cast<std::int64_t>(n > 0) * (static_cast<int>(t.workday(s)) - 1);
    if (target >= 0 && target < t.total) return Date::from_serial(t.date_of(static_cast<std::int32_t>(target)));
    if (target >= t.total)  // the (target - total + 1)-th working day after the table
      return Date::from_serial(impl_->slow_add(kTableEnd - 1, target - t.total + 1));
    return Date::from_serial(impl_->slow_add(kTableBase, target));  // |target|-th before the table
  }
  if (n == 0) return impl_->slow_workday(s) ? d : Date::from_serial(impl_->slow_add(s, 1));
  return Date::from_serial(impl_->slow_add(s, n));
}

std::int64_t WorkdayCalendar::workdays_between(Date a, Date b) const {
  const std::int32_t x = a.serial(), y = b.serial();
  if (in_table(x) && in_table(y)) {
    const Table& t = impl_->tab();
    return static_cast<std::int64_t>(t.ordinal(y)) - t.ordinal(x);
  }
  return x <= y ? impl_->slow_count(x, y) : -impl_->slow_count(y, x);
}

Date WorkdayCalendar::next_workday(Date d) const { return add_workdays(d, 1); }
Date WorkdayCalendar::previous_workday(Date d) const { return add_workdays(d, -1); }
Date WorkdayCalendar::next_workday_or_same(Date d) const { return add_workdays(d, 0); }

std::vector<Holiday> WorkdayCalendar::holidays(int year) const {
  KLIK_REQUIRE(year >= kMinYear && year <= kMaxYear,
               "holidays: year " + std::to_string(year) + " is outside 1400-9999");
  std::vector<Holiday> out;
  for_each_rule_date(year, impl_->enabled, [&](std::int32_t s, const HolidayRule& r) {
    if (contains(impl_->opts.extra_open, s)) return;
    out.push_back(Holiday{Date::from_serial(s), std::string(r.danish_name), std::string(r.english_name), r.category});
  });
  const Date lo = Date::from_serial(Date::serial_of(year, 1, 1));
  const Date hi = Date::from_serial(Date::serial_of(year + 1, 1, 1));
  for (auto it = std::lower_bound(impl_->opts.extra_closed.begin(), impl_->opts.extra_closed.end(), lo);
       it != impl_->opts.extra_closed.end() && *it < hi; ++it) {
    const bool named = std::any_of(out.begin(), out.end(), [&](const Holiday& h) { return h.date == *it; });
    if (!named) out.push_back(Holiday{*it, "Lukkedag", "Closing day", HolidayCategory::Extra});
  }
  std::stable_sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
  return out;
}

WorkdayCalendar WorkdayCalendar::with_closed(std::span<const Date> dates) const {
  CalendarOptions o = impl_->opts;
  o.extra_closed.insert(o.extra_closed.end(), dates.begin(), dates.end());
  std::erase_if(o.extra_open, [&](Date d) { return std::find(dates.begin(), dates.end(), d) != dates.end(); });
  return danish(o);
}

WorkdayCalendar WorkdayCalendar::with_open(std::span<const Date> dates) const {
  CalendarOptions o = impl_->opts;
  o.extra_open.insert(o.extra_open.end(), dates.begin(), dates.end());
  return danish(o);  // normalise() removes opened dates from extra_closed
}

bool operator==(const WorkdayCalendar& a, const WorkdayCalendar& b) {
  if (a.impl_ == b.impl_) return true;
  const CalendarOptions &x = a.impl_->opts, &y = b.impl_->opts;
  return x.grundlovsdag == y.grundlovsdag && x.juleaftensdag == y.juleaftensdag &&
         x.nytaarsaftensdag == y.nytaarsaftensdag && x.extra_closed == y.extra_closed && x.extra_open == y.extra_open;
}

Date WorkdayCalendar::table_first() noexcept { return Date::from_serial(kTableBase); }
Date WorkdayCalendar::table_last() noexcept { return Date::from_serial(kTableEnd - 1); }

// ---- Calendars ----

struct Calendars::Cache {
  std::mutex mutex;
  std::map<MunicipalityId, WorkdayCalendar> municipal;
  std::map<std::pair<MunicipalityId, ProjectId>, WorkdayCalendar> effective;
};

Calendars::Calendars() : Calendars(WorkdayCalendar()) {}
Calendars::Calendars(WorkdayCalendar national) : national_(std::move(national)), cache_(std::make_shared<Cache>()) {}

void Calendars::set_municipality_closed(MunicipalityId municipality, std::vector<Date> closed) {
  if (closed.empty())
    municipality_closed_.erase(municipality);
  else
    municipality_closed_[municipality] = std::move(closed);
  cache_ = std::make_shared<Cache>();
}

void Calendars::set_project_exceptions(ProjectId project, std::vector<Date> closed, std::vector<Date> open) {
  if (closed.empty() && open.empty())
    project_exceptions_.erase(project);
  else
    project_exceptions_[project] = ProjectExceptions{std::move(closed), std::move(open)};
  cache_ = std::make_shared<Cache>();
}

WorkdayCalendar Calendars::for_municipality(MunicipalityId municipality) const {
  const auto it = municipality_closed_.find(municipality);
  if (it == municipality_closed_.end()) return national_;
  std::lock_guard lock(cache_->mutex);
  auto c = cache_->municipal.find(municipality);
  if (c == cache_->municipal.end())
    c = cache_->municipal.emplace(municipality, national_.with_closed(it->second)).first;
  return c->second;
}

WorkdayCalendar Calendars::effective(MunicipalityId municipality, ProjectId project) const {
  const auto p = project_exceptions_.find(project);
  if (p == project_exceptions_.end()) return for_municipality(municipality);
  const WorkdayCalendar base = for_municipality(municipality);
  std::lock_guard lock(cache_->mutex);
  auto c = cache_->effective.find({municipality, project});
  if (c == cache_->effective.end())
    c = cache_->effective
            .emplace(std::pair{municipality, project}, base.with_closed(p->second.closed).with_open(p->second.open))
            .first;
  return c->second;
}

std::string_view code(HolidayCategory v) noexcept {
  switch (v) {
    case HolidayCategory::Statutory:
      return "statutory";
    case HolidayCategory::Grundlovsdag:
      return "grundlovsdag";
    case HolidayCategory::Juleaftensdag:
      return "juleaftensdag";
    case HolidayCategory::Nytaarsaftensdag:
      return "nytaarsaftensdag";
    case HolidayCategory::Extra:
      return "extra";
  }
  return "?";
}

std::string_view code(CalendarProfile v) noexcept {
  return v == CalendarProfile::Municipal ? "municipal" : "statutory";
}

}  // namespace klik

// ---- the rule-based path, for tests ----
#include "detail/calendar_access.hpp"

namespace klik::detail {

bool CalendarAccess::slow_is_workday(const WorkdayCalendar& cal, Date d) { return cal.impl_->slow_workday(d.serial()); }

std::int64_t CalendarAccess::slow_workdays_between(const WorkdayCalendar& cal, Date a, Date b) {
  return a <= b ? cal.impl_->slow_count(a.serial(), b.serial()) : -cal.impl_->slow_count(b.serial(), a.serial());
}

Date CalendarAccess::slow_add_workdays(const WorkdayCalendar& cal, Date d, std::int32_t n) {
  if (n == 0) return cal.impl_->slow_workday(d.serial()) ? d : Date::from_serial(cal.impl_->slow_add(d.serial(), 1));
  return Date::from_serial(cal.impl_->slow_add(d.serial(), n));
}

}  // namespace klik::detail
