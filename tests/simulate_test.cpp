// What-if (simulate.hpp): the simulated answer equals what really happens when
// the same changes are applied to a second store with the same world.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "klik/publishing.hpp"
#include "klik/simulate.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/synthetic.hpp"
#include "klik/workflows_sweep.hpp"

namespace {

using namespace klik;
using C = DeadlineColour;

Dataset small_world() {
  synthetic::Options o;
  o.municipalities = 6;
  o.scale = 0.25;
  o.content = false;
  o.local_task_share = 0.05;
  return synthetic::generate(o);
}

const User& kombit_admin(const Dataset& d) {
  return *std::find_if(d.users.begin(), d.users.end(), [](const User& u) { return u.email == "klik@kombit.dk"; });
}

/// Per task, what an exported world says: dates (on the default calendars, with its waves) and status.
struct Judged {
  std::map<TaskId, std::pair<TaskStatus, DeadlineDates>> state;
  std::map<TaskId, std::pair<MunicipalityId, Priority>> group;
};

Judged judge(const Dataset& d) {
  Judged j;
  const std::vector<DeadlineDates> dates = deadline_dates(d.templates, d.tasks, Calendars{}, d.waves);
  for (std::size_t i = 0; i < d.tasks.size(); ++i) {
    const Task& t = d.tasks[i];
    j.state[t.id] = {t.status, dates[i]};
    j.group[t.id] = {t.municipality, d.templates[t.template_id.value() - 1].priority};
  }
  return j;
}

/// The keys of the deadline notifications recorded after the first `from` outbox entries.
std::set<std::string> deadline_keys(const Store& store, std::size_t from) {
  std::set<std::string> keys;
  const std::vector<Notification> all = store.outbox();
  for (std::size_t i = from; i < all.size(); ++i)
    if (all[i].event.starts_with("deadline.")) keys.insert(all[i].key);
  return keys;
}

/// The KLIK task a deadline key is about (0 for a local task's key).
std::uint32_t task_of_key(const std::string& key) {
  const std::string rest = key.substr(std::string("deadline/").size());
  if (rest.starts_with("local/")) return 0;
  return static_cast<std::uint32_t>(std::stoul(rest.substr(0, rest.find('/'))));
}

class Simulate : public ::testing::Test {
 protected:
  Dataset world = small_world();
  Date today{};
  Date earlier{};
  Timestamp now{};

  void SetUp() override {
    // A day in the middle of the world's deadlines, so every colour occurs.
    std::vector<Date> ends;
    for (const TaskTemplate& t : world.templates) ends.push_back(t.end);
    std::sort(ends.begin(), ends.end());
    today = ends[ends.size() / 2];
    earlier = today - 12;
    now = FixedClock(today).now();
  }

  /// A store with the world, swept once on an earlier day (so last-notified colours are stored).
  std::unique_ptr<Store> store_swept_earlier() const {
    auto s = make_memory_store(world);
    sweep_to_outbox(*s, earlier, FixedClock(earlier).now());
    return s;
  }

  /// Applies `scenario` for real, through Publishing and the store.
  void apply(Store& store, const Scenario& scenario) const {
    const FixedClock clock(today);
    Publishing kombit(store, clock);
    const UserId admin = kombit_admin(world).id;
    for (const ScenarioChange& change : scenario.changes) {
      if (const auto* c = std::get_if<WaveShiftChange>(&change)) {
        std::int32_t shift = 0;
        {
          const Snapshot snap = store.snapshot();
          for (const RolloutWave& w : snap->waves())
            if (w.id == c->wave) shift = w.shift_workdays;
        }
        kombit.set_wave_shift(admin, c->wave, c->relative ? shift + c->workdays : c->workdays);
      } else if (const auto* t = std::get_if<TemplateDatesChange>(&change)) {
        TaskTemplate tpl = *store.snapshot()->task_template(t->template_id);
        if (t->end) tpl.end = *t->end;
        if (t->latest_start) tpl.latest_start = t->latest_start, tpl.duration_workdays.reset();
        if (t->duration_workdays) tpl.duration_workdays = t->duration_workdays, tpl.latest_start.reset();
        kombit.edit_template(admin, tpl);
      } else if (const auto* s = std::get_if<StatusChange>(&change)) {
        for (TaskId task : s->tasks) store.update_task({.task = task, .status = s->status});
      }
    }
  }

  /// The key test: simulate on one store, apply for real on another, compare everything reported.
  Simulation check_against_reality(const Scenario& scenario, Date on) {
    auto simulated_store = store_swept_earlier();
    auto real = store_swept_earlier();
    auto untouched = store_swept_earlier();
    const Dataset before = real->export_dataset();
    const auto notified_before = simulated_store->notified_colours();

    // Unchecked (a status change is the municipality's, a wave's shift KOMBIT's: the rights test is below).
    const Simulation sim = simulate(simulated_store->snapshot().world(), scenario, today, on);

    // Nothing in the simulating store changed.
    EXPECT_EQ(simulated_store->export_dataset(), before);
    EXPECT_EQ(simulated_store->notified_colours(), notified_before);
    EXPECT_EQ(simulated_store->outbox().size(), untouched->outbox().size());

    apply(*real, scenario);
    const Judged was = judge(before), is = judge(real->export_dataset());

    // Affected tasks, counts per municipality and priority, red lists.
    std::size_t affected = 0, changed_today = 0, changed_on = 0;
    std::map<std::pair<MunicipalityId, Priority>, SimulatedGroup> groups;
    ColourComparison total_today, total_on;
    std::vector<TaskId> red_today, red_on;
    for (const auto& [id, state] : is.state) {
      const auto& [status_before, dates_before] = was.state.at(id);
      const auto& [status_after, dates_after] = state;
      if (status_before == status_after && dates_before == dates_after) continue;
      ++affected;
      const auto key = is.group.at(id);
      SimulatedGroup& g = groups[key];
      g.municipality = key.first, g.priority = key.second;
      if (!g.on) g.on.emplace();
      for (const bool on_date : {false, true}) {
        const Date day = on_date ? on : today;
        const C b = colour_on(status_before, dates_before, day), a = colour_on(status_after, dates_after, day);
        ColourComparison& cg = on_date ? *g.on : g.today;
        ColourComparison& ct = on_date ? total_on : total_today;
        ++cg.before.counts[static_cast<std::size_t>(b)], ++cg.after.counts[static_cast<std::size_t>(a)];
        ++ct.before.counts[static_cast<std::size_t>(b)], ++ct.after.counts[static_cast<std::size_t>(a)];
        (on_date ? changed_on : changed_today) += a != b;
        if (a == C::Red && b != C::Red) (on_date ? red_on : red_today).push_back(id);
      }
    }
    EXPECT_EQ(sim.affected, affected);
    EXPECT_EQ(sim.changed_today, changed_today);
    EXPECT_EQ(sim.changed_on, changed_on);
    EXPECT_EQ(sim.today_total, total_today);
    EXPECT_EQ(sim.on_total, std::optional<ColourComparison>(total_on));
    std::vector<SimulatedGroup> expected_groups;
    for (const auto& [k, g] : groups) expected_groups.push_back(g);
    EXPECT_EQ(sim.by_municipality, expected_groups);
    std::vector<TaskId> sim_red_today, sim_red_on;
    for (const SimulatedTask& t : sim.red_today) {
      sim_red_today.push_back(t.task);
      EXPECT_EQ(t.after, C::Red);
      EXPECT_LE(t.red_from, today);
      EXPECT_EQ(colour_on(is.state.at(t.task).first, is.state.at(t.task).second, t.red_from), C::Red);
      EXPECT_EQ(std::make_pair(t.municipality, t.priority), is.group.at(t.task));
    }
    for (const SimulatedTask& t : sim.red_on) sim_red_on.push_back(t.task);
    EXPECT_EQ(sim_red_today, red_today);
    EXPECT_EQ(sim_red_on, red_on);

    // The sweep: the real store's run today emits, for the affected tasks, exactly the
    // simulated events, and for every other task what the untouched store emits.
    const std::size_t real_from = real->outbox().size(), untouched_from = untouched->outbox().size();
    sweep_to_outbox(*real, today, now);
    sweep_to_outbox(*untouched, today, now);
    const std::set<std::string> real_keys = deadline_keys(*real, real_from);
    const std::set<std::string> untouched_keys = deadline_keys(*untouched, untouched_from);
    std::set<std::uint32_t> affected_ids;
    for (const auto& [id, state] : is.state)
      if (was.state.at(id) != state) affected_ids.insert(id.value());
    std::set<std::string> expected_keys, without_keys;
    for (const std::string& k : untouched_keys)
      if (!affected_ids.contains(task_of_key(k)))
        expected_keys.insert(k);
      else
        without_keys.insert(k);
    for (const DeadlineEvent& e : sim.sweep_events) {
      EXPECT_TRUE(affected_ids.contains(e.task.value()));
      expected_keys.insert(sweep_key_text(e));
    }
    EXPECT_EQ(real_keys, expected_keys);
    std::set<std::string> sim_without;
    for (const DeadlineEvent& e : sim.sweep_events_without) sim_without.insert(sweep_key_text(e));
    EXPECT_EQ(sim_without, without_keys);
    return sim;
  }

  /// The wave whose municipalities hold the most tasks of its project.
  const RolloutWave& largest_wave() const {
    const RolloutWave* best = nullptr;
    std::size_t most = 0;
    for (const RolloutWave& w : world.waves) {
      std::size_t n = 0;
      for (const Task& t : world.tasks)
        n += world.templates[t.template_id.value() - 1].project == w.project &&
             std::find(w.members.begin(), w.members.end(), t.municipality) != w.members.end();
      if (n > most) best = &w, most = n;
    }
    return *best;
  }
};

TEST_F(Simulate, AWaveShiftEarlierIsWhatReallyHappens) {
  const RolloutWave& wave = largest_wave();
  const Simulation sim = check_against_reality(Scenario{}.shift_wave(wave.id, -15), today + 14);
  EXPECT_GT(sim.affected, 20u);
  EXPECT_FALSE(sim.red_today.empty());  // earlier deadlines: tasks turn red
  EXPECT_GT(sim.today_total.change(C::Red), 0);
  EXPECT_FALSE(sim.sweep_events.empty());
  for (const SimulatedTask& t : sim.red_today) {
    EXPECT_EQ(t.project, wave.project);
    EXPECT_NE(std::find(wave.members.begin(), wave.members.end(), t.municipality), wave.members.end());
  }
}

TEST_F(Simulate, AWaveShiftLaterAndSetShiftsAreWhatReallyHappens) {
  const RolloutWave& wave = largest_wave();
  const Simulation later = check_against_reality(Scenario{}.shift_wave(wave.id, 25), today + 30);
  EXPECT_LT(later.today_total.change(C::Red), 0);  // later deadlines: fewer red tasks
  EXPECT_TRUE(later.red_today.empty());
  // Set, then moved: the shifts add up in order.
  check_against_reality(Scenario{}.set_wave_shift(wave.id, 40).shift_wave(wave.id, -55), today - 20);
}

TEST_F(Simulate, MovingATemplateIsWhatReallyHappens) {
  // A template of the wave's project with a latest start, and one with a duration.
  const TaskTemplate* with_start = nullptr;
  const TaskTemplate* with_duration = nullptr;
  for (const TaskTemplate& t : world.templates) {
    if (t.end <= today + 10 || t.end > today + 60) continue;
    if (!with_start && t.latest_start) with_start = &t;
    if (!with_duration && t.duration_workdays) with_duration = &t;
  }
  ASSERT_TRUE(with_start && with_duration);
  const Simulation sim = check_against_reality(Scenario{}
                                                   .move_template(with_start->id, today + 3, today - 2)
                                                   .move_template(with_duration->id, std::nullopt, std::nullopt, 200),
                                               today + 5);
  EXPECT_FALSE(sim.red_today.empty());
  // A latest start replaces a duration.
  check_against_reality(Scenario{}.move_template(with_duration->id, today + 20, today + 1), today + 1);
}

TEST_F(Simulate, StatusChangesAreWhatReallyHappens) {
  // Not-started tasks red today: completing them clears red; starting yellow ones may make them red.
  std::vector<TaskId> red_not_started, yellow_not_started, green;
  const Judged j = judge(world);
  for (const auto& [id, state] : j.state) {
    const C c = colour_on(state.first, state.second, today);
    if (state.first == TaskStatus::NotStarted && c == C::Red && red_not_started.size() < 15)
      red_not_started.push_back(id);
    if (state.first == TaskStatus::NotStarted && c == C::Yellow && yellow_not_started.size() < 15)
      yellow_not_started.push_back(id);
    if (c == C::Green && green.size() < 5) green.push_back(id);
  }
  ASSERT_FALSE(red_not_started.empty());
  const Simulation sim = check_against_reality(Scenario{}
                                                   .set_status(red_not_started, TaskStatus::Completed)
                                                   .set_status(yellow_not_started, TaskStatus::Started)
                                                   .set_status(green, TaskStatus::NotActive),
                                               today + 40);
  EXPECT_EQ(sim.today_total.after[C::Red] + red_not_started.size(), sim.today_total.before[C::Red]);
  EXPECT_EQ(sim.today_total.after[C::Grey], green.size());
}

TEST_F(Simulate, EverythingAtOnceIsWhatReallyHappens) {
  const RolloutWave& wave = largest_wave();
  const TaskTemplate* tpl = nullptr;
  for (const TaskTemplate& t : world.templates)
    if (t.project == wave.project && t.end > today) tpl = &t;
  ASSERT_NE(tpl, nullptr);
  // Tasks of the wave and of the template, whose statuses change as their dates move.
  std::vector<TaskId> some;
  for (const Task& t : world.tasks)
    if (t.template_id == tpl->id && some.size() < 3) some.push_back(t.id);
  check_against_reality(Scenario{}
                            .shift_wave(wave.id, -30)
                            .move_template(tpl->id, today + 2)
                            .set_status(some, TaskStatus::Started)
                            .set_status({some.front()}, TaskStatus::NotStarted),
                        today + 3);
}

TEST_F(Simulate, ANoOpScenarioAffectsNothing) {
  const RolloutWave& wave = largest_wave();
  const TaskTemplate& tpl = world.templates.front();
  const Task& task = world.tasks.front();
  auto store = make_memory_store(world);
  const Simulation sim = simulate(store->snapshot().world(),
                                  Scenario{}
                                      .shift_wave(wave.id, 5)
                                      .shift_wave(wave.id, -5)
                                      .move_template(tpl.id, tpl.end)
                                      .set_status({task.id}, task.status),
                                  today);
  EXPECT_EQ(sim.affected, 0u);
  EXPECT_TRUE(sim.by_municipality.empty() && sim.sweep_events.empty() && sim.red_today.empty());
  EXPECT_FALSE(sim.on_total);
}

TEST_F(Simulate, UnknownObjectsAreNotFound) {
  auto store = make_memory_store(world);
  const Snapshot snap = store->snapshot();
  const World& w = snap.world();
  auto message = [&](const Scenario& s) {
    try {
      (void)simulate(w, s, today);
    } catch (const NotFoundError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(Scenario{}.shift_wave(WaveId(9999), 1)), not_found_message(ObjectKind::Wave));
  EXPECT_EQ(message(Scenario{}.move_template(TemplateId(99999), today)), not_found_message(ObjectKind::Template));
  EXPECT_EQ(message(Scenario{}.set_status({TaskId(9'999'999)}, TaskStatus::Started)),
            not_found_message(ObjectKind::Task));
  // A local task's id is not a task's.
  ASSERT_FALSE(world.local_tasks.empty());
  EXPECT_EQ(message(Scenario{}.set_status({TaskId(world.local_tasks.front().id.value() | 0x8000'0000u)},
                                          TaskStatus::Started)),
            not_found_message(ObjectKind::Task));
}

TEST_F(Simulate, InvalidScenariosAreRefusedAsTheRealCallsWould) {
  auto store = make_memory_store(world);
  const Snapshot snap = store->snapshot();
  const World& w = snap.world();
  const RolloutWave& wave = largest_wave();
  EXPECT_THROW((void)simulate(w, Scenario{}.set_wave_shift(wave.id, 1001), today), InvalidArgumentError);
  EXPECT_THROW((void)simulate(w, Scenario{}.set_wave_shift(wave.id, 900).shift_wave(wave.id, 101), today),
               InvalidArgumentError);
  EXPECT_NO_THROW((void)simulate(w, Scenario{}.set_wave_shift(wave.id, -1000), today));
  const TaskTemplate& tpl = world.templates.front();
  EXPECT_THROW((void)simulate(w, Scenario{}.move_template(tpl.id, std::nullopt, today, 5), today),
               InvalidArgumentError);
  // A latest start after the end cannot be published.
  EXPECT_THROW((void)simulate(w, Scenario{}.move_template(tpl.id, today, today + 3), today), InvalidArgumentError);
  EXPECT_THROW((void)simulate(w, Scenario{}.move_template(tpl.id, std::nullopt, std::nullopt, -1), today),
               InvalidArgumentError);
}

TEST_F(Simulate, RightsAreTheRealCallsDecisions) {
  auto store = make_memory_store(world);
  const FixedClock clock(today);
  const Publishing kombit(*store, clock);
  const RolloutWave& wave = largest_wave();
  const TaskTemplate& tpl = *std::find_if(world.templates.begin(), world.templates.end(),
                                          [&](const TaskTemplate& t) { return t.project == wave.project; });
  const MunicipalityId home = wave.members.front();
  const User* plus = nullptr;
  const User* reader = nullptr;
  const User* manager = nullptr;
  const User* other_manager = nullptr;
  const std::string own_manager = "implementering." + std::to_string(wave.project.value()) + "@kombit.dk";
  for (const User& u : world.users) {
    if (u.municipality == home && u.type_on(wave.project) == UserType::Plus && !plus) plus = &u;
    if (u.municipality == home && u.type_on(wave.project) == UserType::Reader && !reader) reader = &u;
    if (u.email == own_manager)
      manager = &u;
    else if (u.side == Side::Kombit && u.email.starts_with("implementering.") && !other_manager)
      other_manager = &u;
  }
  ASSERT_TRUE(plus && manager && other_manager);
  const Task& own = *std::find_if(world.tasks.begin(), world.tasks.end(),
                                  [&](const Task& t) { return t.municipality == home && t.template_id == tpl.id; });
  const Task& foreign = *std::find_if(world.tasks.begin(), world.tasks.end(),
                                      [&](const Task& t) { return t.municipality != home && t.template_id == tpl.id; });
  const Scenario shift = Scenario{}.shift_wave(wave.id, -5);
  const Scenario move = Scenario{}.move_template(tpl.id, tpl.end + 7);

  // KOMBIT: the administrator and the project's implementation manager may; a manager of another project not.
  EXPECT_GT(kombit.simulate(kombit_admin(world).id, shift).affected, 0u);
  EXPECT_NO_THROW((void)kombit.simulate(manager->id, move));
  try {
    (void)kombit.simulate(other_manager->id, shift);
    ADD_FAILURE() << "a manager of another project may not simulate its wave";
  } catch (const PermissionDeniedError& e) {
    const Decision expected = RightsModel::default_model().decide(*other_manager, Action::ManageProject,
                                                                  Target::of(wave.project), world.projects);
    EXPECT_EQ(e.rule(), expected.rule);
    EXPECT_EQ(e.nearest(), expected.nearest);
    EXPECT_NE(std::string(e.what()).find(expected.reason), std::string::npos) << e.what();
  }
  // A Plusbruger: their own task's status yes, KOMBIT's changes no, another municipality's task is not found.
  EXPECT_NO_THROW((void)kombit.simulate(plus->id, Scenario{}.set_status({own.id}, TaskStatus::Completed)));
  EXPECT_THROW((void)kombit.simulate(plus->id, shift), PermissionDeniedError);
  EXPECT_THROW((void)kombit.simulate(plus->id, move), PermissionDeniedError);
  try {
    (void)kombit.simulate(plus->id, Scenario{}.set_status({foreign.id}, TaskStatus::Completed));
    ADD_FAILURE() << "another municipality's task must be not found";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(std::string(e.what()), not_found_message(ObjectKind::Task));
  }
  // Not active is KOMBIT's alone (set_not_active), as in change_task.
  EXPECT_THROW((void)kombit.simulate(plus->id, Scenario{}.set_status({own.id}, TaskStatus::NotActive)),
               PermissionDeniedError);
  if (reader) {
    EXPECT_THROW((void)kombit.simulate(reader->id, Scenario{}.set_status({own.id}, TaskStatus::Started)),
                 PermissionDeniedError);
  }
  EXPECT_THROW((void)kombit.simulate(UserId(999'999), shift), NotFoundError);
}

}  // namespace
