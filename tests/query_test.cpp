#include "klik/query.hpp"

#include <gtest/gtest.h>

#include "klik/error.hpp"

using namespace klik;

namespace {

/// Expects parse_task_query(text) to fail at byte `pos` with a message containing `fragment`.
void expect_parse_error(const std::string& text, std::size_t pos, const std::string& fragment) {
  try {
    const TaskQuery q = parse_task_query(text);
    ADD_FAILURE() << "accepted: " << text << " as " << to_text(q);
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "position " + std::to_string(pos)) << text << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << text << ": " << e.what();
  }
}

void expect_json_error(const std::string& text, const std::string& path, const std::string& fragment) {
  try {
    (void)task_query_from_json(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), path) << text << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << text << ": " << e.what();
  }
}

void expect_check_error(const TaskQuery& q, const std::string& where, const std::string& fragment) {
  try {
    q.check();
    ADD_FAILURE() << "accepted: " << to_text(q);
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), where) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(TaskQueryText, IssueExample) {
  const TaskQuery q = parse_task_query(
      "project = \"Ydelsesrefusion\" and status in (not_started, started) and responsible is empty order by end_date");
  TaskQuery expected;
  expected.projects = {std::string("Ydelsesrefusion")};
  expected.statuses = {TaskStatus::NotStarted, TaskStatus::Started};
  expected.responsible.not_set = true;
  expected.sort = {SortKey{TaskColumn::EndDate, false}};
  EXPECT_EQ(q, expected);
  EXPECT_EQ(to_text(q),
            "project = \"Ydelsesrefusion\" and status in (not_started, started) and responsible is empty "
            "order by end_date");
}

TEST(TaskQueryText, EmptyTextIsTheDefaultQuery) {
  EXPECT_EQ(parse_task_query(""), TaskQuery{});
  EXPECT_EQ(parse_task_query("   \n\t"), TaskQuery{});
  EXPECT_EQ(to_text(TaskQuery{}), "");
}

TEST(TaskQueryText, EveryField) {
  const TaskQuery q = parse_task_query(
      "project in (3, \"Ydelsesrefusion\", 1) and phase in (2, 1) and theme = 4 and status = completed "
      "and priority in (mandatory, critical_path) and colour in (red, yellow) and responsible in (17, "
      "\"anne@x.dk\", empty) and performer != 5 and title ~ \"Test \\\"A\\\" \\\\ b\" and end >= 2025-01-01 "
      "and end <= 2025-12-31 order by priority desc, title limit 100 offset 200 after \"abc\"");
  EXPECT_EQ(q.projects, (std::vector<ProjectRef>{ProjectId(1), ProjectId(3), std::string("Ydelsesrefusion")}));
  EXPECT_EQ(q.phases, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(q.themes, (std::vector<std::uint8_t>{4}));
  EXPECT_EQ(q.statuses, (std::vector<TaskStatus>{TaskStatus::Completed}));
  EXPECT_EQ(q.priorities, (std::vector<Priority>{Priority::CriticalPath, Priority::Mandatory}));
  EXPECT_EQ(q.colours, (std::vector<DeadlineColour>{DeadlineColour::Yellow, DeadlineColour::Red}));
  EXPECT_EQ(q.responsible.users, (std::vector<UserRef>{UserId(17), std::string("anne@x.dk")}));
  EXPECT_TRUE(q.responsible.not_set);
  EXPECT_FALSE(q.responsible.negated);
  EXPECT_EQ(q.performer.users, (std::vector<UserRef>{UserId(5)}));
  EXPECT_FALSE(q.performer.not_set);
  EXPECT_TRUE(q.performer.negated);
  EXPECT_EQ(q.title_contains, "Test \"A\" \\ b");
  EXPECT_EQ(q.end_from, Date(2025, 1, 1));
  EXPECT_EQ(q.end_to, Date(2025, 12, 31));
  EXPECT_EQ(q.sort, (std::vector<SortKey>{{TaskColumn::Priority, true}, {TaskColumn::Title, false}}));
  EXPECT_EQ(q.limit, 100u);
  EXPECT_EQ(q.offset, 200u);
  EXPECT_EQ(q.cursor, "abc");
  EXPECT_EQ(to_text(q),
            "project in (1, 3, \"Ydelsesrefusion\") and phase in (1, 2) and theme = 4 and status = completed "
            "and priority in (critical_path, mandatory) and colour in (yellow, red) and responsible in (17, "
            "\"anne@x.dk\", empty) and performer != 5 and title ~ \"Test \\\"A\\\" \\\\ b\" and end >= 2025-01-01 "
            "and end <= 2025-12-31 order by priority desc, title limit 100 offset 200 after \"abc\"");
}

TEST(TaskQueryText, DanishAndEnglishLabelsAreAccepted) {
  const TaskQuery q = parse_task_query(
      "status in (\"Ikke påbegyndt\", Påbegyndt, \"Completed\") and priority = \"Obligatorisk på kritisk vej\" "
      "and deadline in (Rød, \"Gul\", Flueben)");
  EXPECT_EQ(q.statuses, (std::vector<TaskStatus>{TaskStatus::NotStarted, TaskStatus::Started, TaskStatus::Completed}));
  EXPECT_EQ(q.priorities, (std::vector<Priority>{Priority::CriticalPath}));
  EXPECT_EQ(q.colours,
            (std::vector<DeadlineColour>{DeadlineColour::Yellow, DeadlineColour::Red, DeadlineColour::Done}));
  EXPECT_EQ(
      to_text(q),
      "status in (not_started, started, completed) and priority = critical_path and colour in (yellow, red, done)");
}

TEST(TaskQueryText, KeywordsAndValuesAreCaseInsensitive) {
  const TaskQuery q = parse_task_query("STATUS IN (started) AND Responsible IS NOT EMPTY ORDER BY End_Date DESC");
  EXPECT_EQ(q.statuses, (std::vector<TaskStatus>{TaskStatus::Started}));
  EXPECT_TRUE(q.responsible.negated);
  EXPECT_TRUE(q.responsible.not_set);
  EXPECT_EQ(q.sort, (std::vector<SortKey>{{TaskColumn::EndDate, true}}));
  EXPECT_EQ(parse_task_query("status = Started").statuses,
            (std::vector<TaskStatus>{TaskStatus::Started}));  // English name
  EXPECT_EQ(parse_task_query("status = STARTED").statuses, (std::vector<TaskStatus>{TaskStatus::Started}));
  EXPECT_EQ(parse_task_query("colour in (rød, GUL)").colours,
            (std::vector<DeadlineColour>{DeadlineColour::Yellow, DeadlineColour::Red}));
  expect_parse_error("status = STARTD", 9, "unknown status \"STARTD\"");
}

// The filter panel's words, as the manual writes them ("Se opgaver i projektet"):
// farve = rød, ansvarlig = "ikke påført" ...
TEST(TaskQueryText, DanishFieldNames) {
  const TaskQuery q = parse_task_query(
      "projekt = 3 and fase = 2 and tema = 1 and status = påbegyndt and prioritet = obligatorisk and farve = rød "
      "and ansvarlig = \"Ikke påført\" and Udfører is not empty and titel ~ data and SLUTDATO >= 2025-01-01");
  EXPECT_EQ(to_text(q),
            "project = 3 and phase = 2 and theme = 1 and status = started and priority = mandatory and colour = red "
            "and responsible is empty and performer is not empty and title ~ \"data\" and end >= 2025-01-01");
  EXPECT_EQ(parse_task_query("udførende = 7"), parse_task_query("performer = 7"));
  EXPECT_EQ(parse_task_query("ANSVARLIG = \"IKKE PÅFØRT\""), parse_task_query("responsible is empty"));
  expect_parse_error("farv = rød", 0, "expected a field");
}

TEST(TaskQueryText, NegatedEnumsBecomeTheComplementInEnumOrder) {
  EXPECT_EQ(parse_task_query("status != completed").statuses,
            (std::vector<TaskStatus>{TaskStatus::NotActive, TaskStatus::NotStarted, TaskStatus::Started}));
  EXPECT_EQ(to_text(parse_task_query("status not in (completed, not_active)")), "status in (not_started, started)");
  EXPECT_EQ(to_text(parse_task_query("priority not in (local)")),
            "priority in (critical_path, mandatory, recommended)");
  EXPECT_EQ(to_text(parse_task_query("colour != green")), "colour in (yellow, red, grey, done)");
  expect_parse_error("status not in (not_active, not_started, started, completed)", 7, "excludes every value");
}

TEST(TaskQueryText, SingleValuesPrintWithEqualsAndLists) {
  EXPECT_EQ(to_text(parse_task_query("status in (started)")), "status = started");
  EXPECT_EQ(to_text(parse_task_query("project = 7")), "project = 7");
  EXPECT_EQ(to_text(parse_task_query("project = Ydelsesrefusion")), "project = \"Ydelsesrefusion\"");
  // a quoted number is a name, a bare one an id
  EXPECT_EQ(parse_task_query("project = \"7\"").projects, (std::vector<ProjectRef>{std::string("7")}));
  EXPECT_EQ(parse_task_query("project = 7").projects, (std::vector<ProjectRef>{ProjectId(7)}));
}

TEST(TaskQueryText, DuplicatesAreRemovedAndIdsSortedNamesKeptInOrder) {
  EXPECT_EQ(to_text(parse_task_query("project in (\"B\", 9, \"A\", 2, \"B\", 9)")), "project in (2, 9, \"B\", \"A\")");
  EXPECT_EQ(to_text(parse_task_query("performer in (empty, \"z@x.dk\", 4, \"a@x.dk\", 4, empty)")),
            "performer in (4, \"z@x.dk\", \"a@x.dk\", empty)");
}

TEST(TaskQueryText, PersonFilterForms) {
  // in (...) with "not set"
  PersonFilter f = parse_task_query("responsible = empty").responsible;
  EXPECT_EQ(f, (PersonFilter{{}, true, false}));
  EXPECT_EQ(to_text(parse_task_query("responsible = empty")), "responsible is empty");
  EXPECT_EQ(to_text(parse_task_query("responsible in (empty)")), "responsible is empty");
  EXPECT_EQ(to_text(parse_task_query("responsible = \"Ikke påført\"")), "responsible is empty");
  // negations
  EXPECT_EQ(parse_task_query("responsible is not empty").responsible, (PersonFilter{{}, true, true}));
  EXPECT_EQ(to_text(parse_task_query("responsible != empty")), "responsible is not empty");
  EXPECT_EQ(parse_task_query("performer not in (3, empty)").performer, (PersonFilter{{UserId(3)}, true, true}));
  EXPECT_EQ(to_text(parse_task_query("performer not in (3, empty)")), "performer not in (3, empty)");
  EXPECT_EQ(parse_task_query("performer != \"anne@x.dk\"").performer,
            (PersonFilter{{std::string("anne@x.dk")}, false, true}));
  // bare emails are words
  EXPECT_EQ(parse_task_query("performer = anne@x.dk").performer,
            (PersonFilter{{std::string("anne@x.dk")}, false, false}));
}

TEST(TaskQueryText, EndBoundsAreInclusive) {
  TaskQuery q = parse_task_query("end > 2025-01-31 and end < 2025-03-01");
  EXPECT_EQ(q.end_from, Date(2025, 2, 1));
  EXPECT_EQ(q.end_to, Date(2025, 2, 28));
  EXPECT_EQ(to_text(q), "end >= 2025-02-01 and end <= 2025-02-28");
  q = parse_task_query("end = \"2024-02-29\"");
  EXPECT_EQ(q.end_from, Date(2024, 2, 29));
  EXPECT_EQ(q.end_to, Date(2024, 2, 29));
  EXPECT_EQ(parse_task_query("end <= 2025-01-01 and end >= 2024-01-01").end_from, Date(2024, 1, 1));
}

TEST(TaskQueryText, SortAndPaging) {
  TaskQuery q = parse_task_query("order by deadline asc, id desc, municipality");
  EXPECT_EQ(q.sort, (std::vector<SortKey>{
                        {TaskColumn::Deadline, false}, {TaskColumn::Id, true}, {TaskColumn::Municipality, false}}));
  EXPECT_EQ(to_text(q), "order by deadline, id desc, municipality");
  EXPECT_EQ(to_text(parse_task_query("limit 50 offset 0")), "");
  EXPECT_EQ(to_text(parse_task_query("offset 10")), "offset 10");
  EXPECT_EQ(parse_task_query("after \"x\\\"y\"").cursor, "x\"y");
  EXPECT_EQ(to_text(parse_task_query("after \"x\\\"y\"")), "after \"x\\\"y\"");
}

TEST(TaskQueryText, ErrorsPointAtThePositionAndSayWhatWasExpected) {
  expect_parse_error("status is empty", 7, "expected \"in\", \"=\", \"!=\" or \"not in\" after status, found \"is\"");
  expect_parse_error("status = finished", 9, "unknown status \"finished\"; expected one of not_active");
  expect_parse_error("stat = started", 0, "expected a field (project, phase");
  expect_parse_error("status in (started", 18,
                     "expected \",\" or \")\" in the list of status values, found end of text");
  expect_parse_error("status in started", 10, "expected \"(\" after \"in\", found \"started\"");
  expect_parse_error("status in ()", 11, "expected a status value, found \")\"");
  expect_parse_error("status = started or status = completed", 17,
                     "expected \"and\", \"order by\", \"limit\", \"offset\", \"after\" or end of text, found \"or\"");
  expect_parse_error("title = \"x\"", 6, "expected \"~\" after title, found \"=\"");
  expect_parse_error("end ~ 2025-01-01", 4, "expected \">=\", \"<=\", \">\", \"<\" or \"=\" after end");
  expect_parse_error("end >= 2025-02-30", 7, "expected a date YYYY-MM-DD after end >=, found \"2025-02-30\"");
  expect_parse_error("responsible is full", 15, "expected \"empty\" or \"not empty\" after \"is\", found \"full\"");
  expect_parse_error("title ~ \"abc", 8, "unterminated string");
  expect_parse_error("title ~ \"a\\nb\"", 10, "after a backslash");
  expect_parse_error("status = started; drop", 16, "unexpected character \";\"");
  expect_parse_error("order status", 6, "expected \"by\" after \"order\", found \"status\"");
  expect_parse_error("order by colour, size", 17, "expected a column (project, title");
  expect_parse_error("order by status, status desc", 17, "status given twice in order by");
  expect_parse_error("limit 0", 6, "expected a page size 1-10000 after limit, found \"0\"");
  expect_parse_error("limit 10001", 6, "page size 1-10000");
  expect_parse_error("offset -1", 7, "expected a number 0-4294967295 after offset");
  expect_parse_error("phase = 0 and project = 1", 8, "expected a phase number 1-255, found \"0\"");
  expect_parse_error("project = 1 and theme = 256", 24, "theme number 1-255");
  expect_parse_error("status not started", 11, "expected \"in\" after \"not\", found \"started\"");
  expect_parse_error("status = started order by id limit 5 banana", 37,
                     "expected \"offset\", \"after\" or end of text, found \"banana\"");
}

TEST(TaskQueryText, BadQueriesGiveClearErrors) {
  expect_parse_error("status = started and phase = 2", 21, "phase needs a project: choose a project first");
  expect_parse_error("theme in (1, 2)", 0, "theme needs a project");
  EXPECT_EQ(parse_task_query("phase = 2 and project = 1").phases, (std::vector<std::uint8_t>{2}));
  expect_parse_error("status = started and status = completed", 21, "status given twice");
  expect_parse_error("colour = red and deadline = green", 17, "colour given twice");
  expect_parse_error("end >= 2025-01-01 and end > 2025-02-01", 22, "lower bound (end >= ...) on end given twice");
  expect_parse_error("end = 2025-01-01 and end <= 2025-02-01", 21, "upper bound");
  expect_parse_error("end >= 2025-02-01 and end <= 2025-01-01", 22, "end date range is empty");
  expect_parse_error("project != 3", 8, "project cannot be negated");
  expect_parse_error("project = 1 and phase not in (1)", 22, "phase cannot be negated");
  expect_parse_error("project = \"\"", 10, "empty string");
  expect_parse_error("responsible = \"\"", 14, "empty string");
}

TEST(TaskQuery, CheckNamesTheField) {
  TaskQuery q;
  q.phases = {1};
  expect_check_error(q, "phases", "phase needs a project: choose a project first");
  q = {};
  q.themes = {2};
  expect_check_error(q, "themes", "theme needs a project");
  q.projects = {ProjectId(1)};
  EXPECT_NO_THROW(q.check());
  q.themes = {0};
  expect_check_error(q, "themes", "start at 1");
  q = {};
  q.limit = 0;
  expect_check_error(q, "limit", "out of range 1..10000");
  q.limit = 10001;
  expect_check_error(q, "limit", "out of range");
  q.limit = 10000;
  EXPECT_NO_THROW(q.check());
  q.end_from = Date(2025, 2, 1);
  q.end_to = Date(2025, 1, 31);
  expect_check_error(q, "end_from", "is after end_to");
  q.end_to = Date(2025, 2, 1);
  EXPECT_NO_THROW(q.check());
  q = {};
  q.performer.negated = true;
  expect_check_error(q, "performer", "negated filter needs users or not_set");
  q = {};
  q.sort = {{TaskColumn::Title, false}, {TaskColumn::Title, true}};
  expect_check_error(q, "sort", "title given twice");
}

// "not set" (Ikke påført) under negation, spelled out on the five kinds of task a
// filter can meet: responsible is anne (17), bob (18), "not set". Here we check the
// value the parser builds; the engine's tests check the matching itself.
TEST(TaskQuery, NotSetUnderNegationIsTheExactComplement) {
  // not in (anne): bob and "not set" pass -> negated, not_set false
  EXPECT_EQ(parse_task_query("responsible != 17").responsible, (PersonFilter{{UserId(17)}, false, true}));
  // not in (anne, empty): only bob passes -> negated, not_set true
  EXPECT_EQ(parse_task_query("responsible not in (17, empty)").responsible, (PersonFilter{{UserId(17)}, true, true}));
  // is not empty == not in (empty): anne and bob pass
  EXPECT_EQ(parse_task_query("responsible is not empty"), parse_task_query("responsible not in (empty)"));
  // is empty == in (empty) == = empty
  EXPECT_EQ(parse_task_query("responsible is empty"), parse_task_query("responsible in (empty)"));
  EXPECT_EQ(parse_task_query("responsible is empty"), parse_task_query("responsible = empty"));
}

TEST(TaskQuery, ChipsCountRemoveReset) {
  TaskQuery q = parse_task_query(
      "project = 1 and phase = 2 and theme = 3 and status = started and responsible is empty and title ~ \"x\" "
      "and end <= 2025-06-30 order by title desc limit 20 offset 40 after \"c\"");
  EXPECT_EQ(q.applied_filters(),
            (std::vector<FilterField>{FilterField::Project, FilterField::Phase, FilterField::Theme, FilterField::Status,
                                      FilterField::Responsible, FilterField::Title, FilterField::EndTo}));
  EXPECT_EQ(q.filter_count(), 7u);

  const TaskQuery no_status = q.without(FilterField::Status);
  EXPECT_EQ(to_text(no_status),
            "project = 1 and phase = 2 and theme = 3 and responsible is empty and title ~ \"x\" and end <= 2025-06-30 "
            "order by title desc limit 20");
  EXPECT_EQ(no_status.filter_count(), 6u);

  // removing the project removes phase and theme too: they need a project
  const TaskQuery no_project = q.without(FilterField::Project);
  EXPECT_EQ(no_project.applied_filters(), (std::vector<FilterField>{FilterField::Status, FilterField::Responsible,
                                                                    FilterField::Title, FilterField::EndTo}));
  EXPECT_NO_THROW(no_project.check());
  EXPECT_EQ(q.without(FilterField::Phase).applied_filters().size(), 6u);

  // removing a filter that is not applied changes nothing, page position included
  EXPECT_EQ(q.without(FilterField::Colour), q);

  const TaskQuery reset = q.reset_filters();
  EXPECT_EQ(reset.filter_count(), 0u);
  EXPECT_EQ(to_text(reset), "order by title desc limit 20");

  TaskQuery all = parse_task_query(
      "project = 1 and phase = 1 and theme = 1 and status = started and priority = local and colour = red and "
      "responsible = 1 and performer = 2 and title ~ \"a\" and end >= 2025-01-01 and end <= 2025-02-01");
  EXPECT_EQ(all.filter_count(), 11u);
  EXPECT_EQ(all.without(FilterField::EndFrom).end_from, std::nullopt);
  EXPECT_EQ(all.without(FilterField::EndFrom).end_to, Date(2025, 2, 1));
  EXPECT_FALSE(all.without(FilterField::Performer).performer.active());
  EXPECT_TRUE(all.without(FilterField::Performer).responsible.active());
}

TEST(TaskQuery, NamesOfColumnsAndFields) {
  EXPECT_EQ(code(TaskColumn::EndDate), "end_date");
  EXPECT_EQ(code(TaskColumn::Deadline), "deadline");
  EXPECT_EQ(parse_task_column("end_date"), TaskColumn::EndDate);
  EXPECT_EQ(parse_task_column("End date"), TaskColumn::EndDate);
  EXPECT_EQ(parse_task_column("Municipality"), TaskColumn::Municipality);
  EXPECT_THROW((void)parse_task_column("size"), InvalidArgumentError);
  EXPECT_EQ(code(FilterField::EndFrom), "end_from");
  EXPECT_EQ(code(FilterField::Colour), "colour");
  EXPECT_EQ(parse_filter_field("responsible"), FilterField::Responsible);
  EXPECT_THROW((void)parse_filter_field("sort"), InvalidArgumentError);
}

TEST(TaskQuery, Canonical) {
  TaskQuery q;
  q.statuses = {TaskStatus::Completed, TaskStatus::NotActive, TaskStatus::Completed};
  q.projects = {std::string("b"), ProjectId(5), std::string("a"), ProjectId(2), std::string("b")};
  q.responsible.users = {std::string("x@y.dk"), UserId(3), UserId(1)};
  const TaskQuery c = q.canonical();
  EXPECT_EQ(c.statuses, (std::vector<TaskStatus>{TaskStatus::NotActive, TaskStatus::Completed}));
  EXPECT_EQ(c.projects, (std::vector<ProjectRef>{ProjectId(2), ProjectId(5), std::string("b"), std::string("a")}));
  EXPECT_EQ(c.responsible.users, (std::vector<UserRef>{UserId(1), UserId(3), std::string("x@y.dk")}));
}

TEST(TaskQueryJson, WritesOnlyWhatIsSet) {
  EXPECT_EQ(to_json(TaskQuery{}), "{}");
  const TaskQuery q = parse_task_query(
      "project in (3, \"Ydelsesrefusion\") and phase in (1, 2) and status = not_started and responsible in (17, "
      "\"anne@x.dk\", empty) and end >= 2025-01-01 order by end_date desc limit 10");
  EXPECT_EQ(to_json(q),
            R"({"projects":[3,"Ydelsesrefusion"],"phases":[1,2],"statuses":["not_started"],)"
            R"("responsible":{"users":[17,"anne@x.dk"],"not_set":true,"negated":false},"end_from":"2025-01-01",)"
            R"("sort":[{"column":"end_date","descending":true}],"limit":10})");
  EXPECT_EQ(task_query_from_json(to_json(q)), q);
  EXPECT_EQ(task_query_from_json(to_json(q, 2)), q);
}

TEST(TaskQueryJson, ReadsEveryFieldWithLabels) {
  const TaskQuery q = task_query_from_json(R"({
    "projects": ["Ydelsesrefusion", 3], "phases": [2, 1], "themes": [], "statuses": ["Påbegyndt", "not_started"],
    "priorities": ["Mandatory"], "colours": ["Rød", "green"],
    "responsible": {"users": [], "not_set": true}, "performer": {"users": ["anne@x.dk", 5], "negated": true},
    "title_contains": "Æble", "end_from": "2025-01-01", "end_to": null,
    "sort": [{"column": "status", "descending": false}, {"column": "id"}],
    "offset": 5, "limit": 25, "cursor": "k"})");
  EXPECT_EQ(to_text(q),
            "project in (3, \"Ydelsesrefusion\") and phase in (1, 2) and status in (not_started, started) and "
            "priority = mandatory and colour in (green, red) and responsible is empty and performer not in (5, "
            "\"anne@x.dk\") and title ~ \"Æble\" and end >= 2025-01-01 order by status, id limit 25 offset 5 after "
            "\"k\"");
  EXPECT_EQ(task_query_from_json(to_json(q)), q);
  EXPECT_EQ(parse_task_query(to_text(q)), q);
}

TEST(TaskQueryJson, ErrorsNameThePath) {
  expect_json_error(R"({"statuses": ["finished"]})", "/statuses/0", "unknown TaskStatus \"finished\"");
  expect_json_error(R"({"status": ["started"]})", "/status", "unknown field \"status\"");
  expect_json_error(R"({"phases": [1]})", "/phases", "phase needs a project: choose a project first");
  expect_json_error(R"({"projects": [1], "themes": [0]})", "/themes/0", "out of range 1..255");
  expect_json_error(R"({"projects": [1.5]})", "/projects/0", "expected a project (integer id or string)");
  expect_json_error(R"({"projects": "x"})", "/projects", "expected an array");
  expect_json_error(R"({"responsible": {"users": [true]}})", "/responsible/users/0", "expected a user");
  expect_json_error(R"({"responsible": {"nobody": true}})", "/responsible/nobody", "unknown field");
  expect_json_error(R"({"performer": {"negated": true}})", "/performer", "negated filter needs users or not_set");
  expect_json_error(R"({"end_from": "2025-13-01"})", "/end_from", "2025-13-01");
  expect_json_error(R"({"end_from": "2025-02-01", "end_to": "2025-01-01"})", "/end_from", "is after end_to");
  expect_json_error(R"({"sort": [{"column": "size"}]})", "/sort/0/column", "unknown TaskColumn \"size\"");
  expect_json_error(R"({"sort": [{"column": "title", "desc": true}]})", "/sort/0/desc", "unknown field");
  expect_json_error(R"({"limit": 0})", "/limit", "out of range 1..10000");
  expect_json_error(R"({"offset": -1})", "/offset", "out of range");
  expect_json_error(R"([1])", "/", "expected an object");
  expect_json_error(R"({"title_contains": 3})", "/title_contains", "expected a string");
}

TEST(FoldCase, LowerCasesAsciiAndDanishLetters) {
  EXPECT_EQ(fold_case("ÆBLE Øst Århus"), "æble øst århus");
  EXPECT_EQ(fold_case("æøå ÉÜÖÄ"), "æøå éüöä");
  EXPECT_EQ(fold_case("Test 123 ×"), "test 123 ×");
  EXPECT_EQ(fold_case(""), "");
  EXPECT_EQ(fold_case("€ALREADY"), "€already");
}
