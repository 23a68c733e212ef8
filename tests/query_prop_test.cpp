// Properties of the two faces of TaskQuery: random valid queries survive the
// text and JSON round trips unchanged, and printing is a fixed point.
#include "klik/query.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <random>

using namespace klik;

namespace {

// Pieces that stress quoting and UTF-8: quotes, backslashes, spaces, keywords, Danish letters.
const std::vector<std::string> pieces = {"a", "Z", "0", "7", " ", "\"", "\\",      "æ",  "Ø",
                                         "å", "É", "@", ".", "-", "_",  "and",     "in", "empty",
                                         "(", ")", ",", "~", "=", "\n", "order by"};

rc::Gen<std::string> text_gen(bool non_empty) {
  return rc::gen::map(rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, pieces.size())),
                      [non_empty](const std::vector<std::size_t>& idx) {
                        std::string s;
                        for (auto i : idx) s += pieces[i];
                        if (non_empty && s.empty()) s = "x";
                        return s;
                      });
}

template <class T>
std::vector<T> sorted_unique(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<std::string> unique_in_order(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

template <class E>
std::vector<E> subset() {
  const auto values = all_values<E>();
  const auto mask = *rc::gen::inRange<unsigned>(0, 1u << values.size());
  std::vector<E> out;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (mask & (1u << i)) out.push_back(values[i]);
  return out;
}

template <class IdT>
std::vector<std::variant<IdT, std::string>> refs(std::size_t max) {
  std::vector<std::variant<IdT, std::string>> out;
  for (auto v : sorted_unique(*rc::gen::container<std::vector<std::uint32_t>>(rc::gen::arbitrary<std::uint32_t>())))
    if (out.size() < max) out.emplace_back(IdT(v));
  for (const auto& s : unique_in_order(*rc::gen::container<std::vector<std::string>>(text_gen(true))))
    if (out.size() < 2 * max) out.emplace_back(s);
  return out;
}

std::vector<std::uint8_t> numbers() {
  return sorted_unique(*rc::gen::container<std::vector<std::uint8_t>>(rc::gen::inRange<std::uint8_t>(1, 255)));
}

PersonFilter person() {
  PersonFilter f;
  if (!*rc::gen::arbitrary<bool>()) return f;
  f.users = refs<UserId>(4);
  f.not_set = *rc::gen::arbitrary<bool>();
  f.negated = *rc::gen::arbitrary<bool>();
  if (f.users.empty()) f.not_set = true;  // "in ()" / "not in ()" of nothing is not a query
  return f;
}

/// A random valid query in canonical form.
TaskQuery random_query() {
  TaskQuery q;
  q.projects = refs<ProjectId>(4);
  if (!q.projects.empty()) {
    q.phases = numbers();
    q.themes = numbers();
  }
  q.statuses = subset<TaskStatus>();
  q.priorities = subset<Priority>();
  q.colours = subset<DeadlineColour>();
  q.responsible = person();
  q.performer = person();
  q.title_contains = *text_gen(false);
  const auto date = rc::gen::map(rc::gen::inRange<std::int32_t>(-20000, 30000), &Date::from_serial);
  if (*rc::gen::arbitrary<bool>()) q.end_from = *date;
  if (*rc::gen::arbitrary<bool>()) q.end_to = *date;
  if (q.end_from && q.end_to && *q.end_from > *q.end_to) std::swap(q.end_from, q.end_to);
  std::vector<TaskColumn> columns;
  for (int c = 0; c <= static_cast<int>(TaskColumn::Id); ++c) columns.push_back(static_cast<TaskColumn>(c));
  std::shuffle(columns.begin(), columns.end(), std::mt19937(*rc::gen::arbitrary<std::uint32_t>()));
  columns.resize(*rc::gen::inRange<std::size_t>(0, columns.size() + 1));
  for (auto c : columns) q.sort.push_back({c, *rc::gen::arbitrary<bool>()});
  q.offset = *rc::gen::oneOf(rc::gen::just<std::uint32_t>(0), rc::gen::arbitrary<std::uint32_t>());
  q.limit = *rc::gen::oneOf(rc::gen::just<std::uint32_t>(50), rc::gen::inRange<std::uint32_t>(1, 10001));
  if (*rc::gen::arbitrary<bool>()) q.cursor = *text_gen(true);
  return q;
}

}  // namespace

RC_GTEST_PROP(TaskQueryProp, RandomQueriesAreValid, ()) {
  const TaskQuery q = random_query();
  q.check();
  RC_ASSERT(q.canonical() == q);
}

RC_GTEST_PROP(TaskQueryProp, TextRoundTrip, ()) {
  const TaskQuery q = random_query();
  const std::string text = to_text(q);
  RC_LOG() << text << "\n";
  RC_ASSERT(parse_task_query(text) == q);
}

RC_GTEST_PROP(TaskQueryProp, JsonRoundTrip, ()) {
  const TaskQuery q = random_query();
  RC_ASSERT(task_query_from_json(to_json(q)) == q);
  RC_ASSERT(task_query_from_json(to_json(q, 2)) == q);
}

RC_GTEST_PROP(TaskQueryProp, PrintingIsAFixedPointAndBothFacesAgree, ()) {
  // Shuffle and duplicate the lists: a non-canonical spelling of the same query.
  TaskQuery q = random_query();
  std::mt19937 rng(*rc::gen::arbitrary<std::uint32_t>());
  const auto mess = [&rng](auto& v) {
    if (!v.empty()) v.push_back(v.front());
    std::shuffle(v.begin(), v.end(), rng);
  };
  mess(q.projects);
  mess(q.phases);
  mess(q.statuses);
  mess(q.colours);
  mess(q.responsible.users);
  const std::string text = to_text(q);
  RC_ASSERT(to_text(parse_task_query(text)) == text);
  RC_ASSERT(parse_task_query(text) == task_query_from_json(to_json(q)));
  RC_ASSERT(to_json(parse_task_query(text)) == to_json(q));
}

RC_GTEST_PROP(TaskQueryProp, WithoutRemovesExactlyOneChip, ()) {
  const TaskQuery q = random_query();
  const auto applied = q.applied_filters();
  for (FilterField f : applied) {
    const auto after = q.without(f).applied_filters();
    RC_ASSERT(std::find(after.begin(), after.end(), f) == after.end());
    const std::size_t expected_removed = f == FilterField::Project ? 1 + !q.phases.empty() + !q.themes.empty() : 1;
    RC_ASSERT(after.size() + expected_removed == applied.size());
    q.without(f).check();
  }
  RC_ASSERT(q.reset_filters().filter_count() == 0u);
  RC_ASSERT(q.reset_filters().sort == q.sort);
}
