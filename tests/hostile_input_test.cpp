// Hostile input: every reader of outside text refuses it with a bounded,
// UTF-8 clean InvalidArgumentError in klik's words, and never crashes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "klik/dataset.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/json.hpp"
#include "klik/query.hpp"
#include "klik/query_engine.hpp"
#include "klik/rights.hpp"
#include "klik/synthetic.hpp"
#include "klik/text.hpp"

using namespace klik;

namespace {

/// Every JSON reader klik has, by name.
const std::vector<std::pair<std::string, std::function<void(std::string_view)>>>& json_readers() {
  static const std::vector<std::pair<std::string, std::function<void(std::string_view)>>> readers = {
      {"Municipality", [](std::string_view t) { (void)from_json<Municipality>(t); }},
      {"Project", [](std::string_view t) { (void)from_json<Project>(t); }},
      {"RolloutWave", [](std::string_view t) { (void)from_json<RolloutWave>(t); }},
      {"TaskTemplate", [](std::string_view t) { (void)from_json<TaskTemplate>(t); }},
      {"Task", [](std::string_view t) { (void)from_json<Task>(t); }},
      {"LocalTask", [](std::string_view t) { (void)from_json<LocalTask>(t); }},
      {"User", [](std::string_view t) { (void)from_json<User>(t); }},
      {"Message", [](std::string_view t) { (void)from_json<Message>(t); }},
      {"Attachment", [](std::string_view t) { (void)from_json<Attachment>(t); }},
      {"InternalNote", [](std::string_view t) { (void)from_json<InternalNote>(t); }},
      {"Dataset", [](std::string_view t) { (void)from_json<Dataset>(t); }},
      {"TaskQuery", [](std::string_view t) { (void)task_query_from_json(t); }},
      {"ProjectQuery", [](std::string_view t) { (void)project_query_from_json(t); }},
      {"UserQuery", [](std::string_view t) { (void)user_query_from_json(t); }},
      {"RightsModel", [](std::string_view t) { (void)RightsModel::from_json(t); }},
  };
  return readers;
}

/// Runs `read` on `text` and returns the InvalidArgumentError it must throw.
InvalidArgumentError refusal(const std::function<void(std::string_view)>& read, std::string_view text) {
  try {
    read(text);
  } catch (const InvalidArgumentError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InvalidArgumentError: " << typeid(e).name() << ": " << e.what();
    return InvalidArgumentError("wrong type");
  }
  ADD_FAILURE() << "accepted";
  return InvalidArgumentError("accepted");
}

/// What every klik error message promises: valid UTF-8, bounded, in klik's words.
void expect_clean(const Error& e, std::size_t max_bytes = Error::max_message_bytes + 64) {
  const std::string_view what = e.what();
  EXPECT_FALSE(what.empty());
  EXPECT_FALSE(invalid_utf8_offset(what).has_value()) << what;
  EXPECT_LE(what.size(), max_bytes) << what.substr(0, 200);
  EXPECT_EQ(what.find("json.exception"), std::string_view::npos) << what;
  EXPECT_EQ(what.find("last read"), std::string_view::npos) << what;
}

std::string nested(std::size_t depth, std::string_view leaf = "1") {
  return std::string(depth, '[') + std::string(leaf) + std::string(depth, ']');
}

}  // namespace

// ---- UTF-8 ----

TEST(Utf8, AcceptsWellFormedText) {
  for (const std::string_view ok : {"", "ascii", "Ikke påbegyndt", "Rød æøå ÆØÅ", "€", "𝄞 (U+1D11E)",
                                    "\xF4\x8F\xBF\xBF" /* U+10FFFF */, "\xED\x9F\xBF" /* U+D7FF */}) {
    EXPECT_FALSE(invalid_utf8_offset(ok).has_value()) << ok;
  }
}

TEST(Utf8, NamesTheFirstBadByte) {
  const std::vector<std::pair<std::string, std::size_t>> cases = {
      {"\xFF", 0},
      {"ab\x80", 2},  // a continuation byte alone
      {"a\xC3", 1},  // truncated two-byte form
      {"\xC0\xAF", 0},  // overlong '/'
      {"\xC1\xBF", 0},  // overlong
      {"\xE0\x80\xAF", 0},  // overlong three-byte
      {"\xED\xA0\x80", 0},  // a surrogate (U+D800)
      {"\xF0\x80\x80\xAF", 0},  // overlong four-byte
      {"\xF4\x90\x80\x80", 0},  // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},  // never a lead byte
      {"ok æ \xE2\x82", 6},  // truncated '€' after valid text
      {"x\xE2\x28\xA1", 1},  // bad second byte
  };
  for (const auto& [text, offset] : cases) {
    const auto bad = invalid_utf8_offset(text);
    ASSERT_TRUE(bad.has_value()) << excerpt(text);
    EXPECT_EQ(*bad, offset) << excerpt(text);
  }
}

namespace {
/// An independent reading of RFC 3629: decode a scalar value, then judge it.
std::optional<std::size_t> reference_invalid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<std::uint8_t>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<std::uint8_t>(s[i + k]);
      if ((c >> 6) != 0x2) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    const std::uint32_t min = len == 1 ? 0 : len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}
}  // namespace

RC_GTEST_PROP(Utf8, AgreesWithADecodingReference, (const std::vector<std::uint8_t>& bytes)) {
  const std::string s(bytes.begin(), bytes.end());
  RC_ASSERT(invalid_utf8_offset(s) == reference_invalid(s));
}

RC_GTEST_PROP(Utf8, ExcerptIsAlwaysValidAndBounded, (const std::vector<std::uint8_t>& bytes)) {
  const std::string s(bytes.begin(), bytes.end());
  const std::string e = excerpt(s, 10);
  RC_ASSERT(!invalid_utf8_offset(e).has_value());
  // 10 characters, each at most 4 bytes (\xNN), quotes and the "more bytes" note.
  RC_ASSERT(e.size() <= 10 * 4 + 2 + 40);
}

TEST(Utf8, RequireUtf8NamesFieldAndByte) {
  try {
    require_utf8("Kø\xFF", "email");
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "email");
    EXPECT_NE(std::string(e.what()).find("invalid UTF-8 at byte 3"), std::string::npos) << e.what();
  }
}

TEST(Excerpt, QuotesShortTextWhole) {
  EXPECT_EQ(excerpt("Rød"), "\"Rød\"");
  EXPECT_EQ(excerpt("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(excerpt(std::string_view("\x01\xFF", 2)), "\"\\x01\\xff\"");
}

TEST(Excerpt, CutsLongTextAtACharacterAndSaysHowMuchIsLeft) {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "æ";  // 2 bytes each
  const std::string e = excerpt(long_text);
  EXPECT_FALSE(invalid_utf8_offset(e).has_value());
  EXPECT_NE(e.find("… (40 more bytes)"), std::string::npos) << e;
}

// ---- error messages ----

TEST(ErrorMessages, AreBoundedAndValidUtf8WhateverTheThrowerPuts) {
  const std::string huge(1 << 20, 'x');
  const InvalidArgumentError e("bad " + huge + "\xFF", huge);
  expect_clean(e);
  EXPECT_LE(e.where().size(), InvalidArgumentError::max_where_bytes + 64);
  const Error bad_bytes(ErrorCode::Internal, "x\xC3");
  EXPECT_EQ(std::string(bad_bytes.what()), "x\\xc3");
}

// ---- JSON ----

TEST(HostileJson, DeepNestingIsRefusedByEveryReaderWithoutRecursion) {
  // ~130 KB of nesting once crashed the process while the error was formatted.
  const std::string deep = nested(65000);
  for (const auto& [name, read] : json_readers()) {
    SCOPED_TRACE(name);
    const auto e = refusal(read, deep);
    expect_clean(e);
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64"), std::string::npos) << e.what();
    // The same depth where an integer is expected, inside a valid document shape.
    const auto e2 = refusal(read, R"({"id": )" + nested(65000) + "}");
    expect_clean(e2);
  }
}

TEST(HostileJson, BracketsInsideStringsDoNotCountAsNesting) {
  // 100 '[' and an escaped quote inside a string value: one level deep.
  const std::string doc = R"({"id": 1, "name": ")" + std::string(100, '[') + R"(\"{{{"})";
  const Municipality m = from_json<Municipality>(doc);
  EXPECT_EQ(m.name, std::string(100, '[') + "\"{{{");
}

TEST(HostileJson, NestingUpToTheBoundIsReadNormally) {
  // 63 levels inside the root object still parse; the reader then says what was wrong.
  const auto e = refusal([](std::string_view t) { (void)from_json<Municipality>(t); }, R"({"id": )" + nested(62) + "}");
  EXPECT_EQ(e.where(), "/id");
  EXPECT_NE(std::string(e.what()).find("expected an integer, got an array"), std::string::npos) << e.what();
}

TEST(HostileJson, HugeNumbersAreValidationErrors) {
  for (const auto& [name, read] : json_readers()) {
    SCOPED_TRACE(name);
    for (const char* number : {"1e309", "-1e309", "1E400"}) {
      const auto e = refusal(read, std::string(R"({"id": )") + number + "}");
      expect_clean(e);
      EXPECT_NE(std::string(e.what()).find("number is too large"), std::string::npos) << e.what();
    }
  }
}

TEST(HostileJson, IntegersBeyondInt64AreOutOfRangeNotWrapped) {
  const auto e = refusal([](std::string_view t) { (void)from_json<Municipality>(t); },
                         R"({"id": 18446744073709551615, "name": "x"})");
  EXPECT_EQ(e.where(), "/id");
  EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
}

TEST(HostileJson, InvalidUtf8IsRefusedNamingTheByte) {
  for (const auto& [name, read] : json_readers()) {
    SCOPED_TRACE(name);
    const auto e = refusal(read,
                           "{\"name\": \"K\xF8"
                           "benhavn\"}");  // Latin-1 ø
    expect_clean(e);
    EXPECT_NE(std::string(e.what()).find("invalid UTF-8 at byte 11"), std::string::npos) << e.what();
  }
}

TEST(HostileJson, SyntaxErrorsAreInKliksWordsWithoutEchoingInput) {
  for (const auto& [name, read] : json_readers()) {
    SCOPED_TRACE(name);
    const auto e = refusal(read, "{\"name\": tru");
    expect_clean(e);
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("byte"), std::string::npos) << e.what();
  }
}

TEST(HostileJson, LongValuesAreQuotedShortly) {
  const std::string mb(1 << 18, 'q');
  for (const auto& [name, read] : json_readers()) {
    SCOPED_TRACE(name);
    // As an unknown key, as a value of the wrong type, as an unknown enum value.
    for (const std::string& doc : {"{\"" + mb + "\": 1}", "{\"id\": \"" + mb + "\"}", "{\"status\": \"" + mb + "\"}",
                                   "{\"format\": \"" + mb + "\"}"}) {
      const auto e = refusal(read, doc);
      expect_clean(e, 400);
      EXPECT_LE(e.where().size(), InvalidArgumentError::max_where_bytes + 64);
    }
  }
}

TEST(HostileJson, OversizedQueriesAreRefusedBeforeParsing) {
  const std::string big = "[" + std::string(2 << 20, ' ') + "]";
  const auto e = refusal([](std::string_view t) { (void)task_query_from_json(t); }, big);
  EXPECT_NE(std::string(e.what()).find("larger than"), std::string::npos) << e.what();
}

// ---- query text ----

TEST(HostileQueryText, InvalidUtf8AndSizeAreRefusedAtTheEntry) {
  const auto read = [](std::string_view t) { (void)parse_task_query(t); };
  auto e = refusal(read, "title ~ \"K\xF8ge\"");
  EXPECT_EQ(e.where(), "query");
  EXPECT_NE(std::string(e.what()).find("invalid UTF-8 at byte 10"), std::string::npos) << e.what();
  e = refusal(read, std::string(max_query_text_bytes + 1, ' '));
  EXPECT_EQ(e.where(), "query");
  expect_clean(e);
}

TEST(HostileQueryText, LongTokensAreQuotedShortly) {
  const std::string mb(1 << 20, 'z');
  for (const std::string& q : {"status = " + mb, mb, "order by " + mb, "status in (\"" + mb + "\")"}) {
    const auto e = refusal([](std::string_view t) { (void)parse_task_query(t); }, q);
    expect_clean(e, 400);
  }
}

TEST(HostileQuery, EnumsOutsideTheirRangeAreRefusedByCheck) {
  TaskQuery q;
  q.statuses.push_back(static_cast<TaskStatus>(4));
  try {
    q.check();
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "statuses");
    EXPECT_NE(std::string(e.what()).find("4 is not a TaskStatus"), std::string::npos) << e.what();
  }
  q = {};
  q.title_contains = "\xFF";
  EXPECT_THROW(q.check(), InvalidArgumentError);
}

// ---- enumerations ----

TEST(HostileEnums, NamesOfAnInvalidValueAreSafe) {
  const auto bad = static_cast<TaskStatus>(200);
  EXPECT_FALSE(is_valid(bad));
  EXPECT_EQ(code(bad), "invalid");
  EXPECT_EQ(danish(static_cast<Side>(99)), "invalid");
  EXPECT_TRUE(is_valid(TaskStatus::Completed));
}

TEST(HostileEnums, FromIntegerChecksTheRange) {
  EXPECT_EQ(enum_from_integer<Side>(1, "side"), Side::Kombit);
  for (const std::int64_t v : {-1LL, 2LL, 99LL, 1LL << 40}) {
    try {
      (void)enum_from_integer<Side>(v, "users.side");
      FAIL() << v;
    } catch (const InvalidArgumentError& e) {
      EXPECT_EQ(e.where(), "users.side");
      EXPECT_NE(std::string(e.what()).find("is not a Side (0..1)"), std::string::npos) << e.what();
    }
  }
}

// ---- whole datasets ----

TEST(HostileDataset, FieldsAreCheckedForUtf8AndEnums) {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.05;
  Dataset d = synthetic::generate(o);
  ASSERT_TRUE(validate(d).empty());
  d.users.at(1).full_name = "J\xF8rgen";
  d.tasks.at(2).status = static_cast<TaskStatus>(7);
  d.projects.at(0).phases.at(0) += "\xC3";
  const auto v = validate(d);
  const auto has = [&](const std::string& path, const std::string& fragment) {
    for (const auto& x : v)
      if (x.path == path && x.message.find(fragment) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("/users/1/full_name", "invalid UTF-8 at byte 1"));
  EXPECT_TRUE(has("/tasks/2/status", "7 is not a TaskStatus"));
  EXPECT_TRUE(has("/projects/0/phases/0", "invalid UTF-8"));
  // Nothing that fails validation reaches JSON either way.
  EXPECT_THROW(require_valid(d), InvalidArgumentError);
}

TEST(HostileDataset, RequireValidFieldsNamesTheField) {
  User u;
  u.email = "a@b.dk";
  u.side = static_cast<Side>(255);
  try {
    require_valid_fields(u);
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "side");
  }
}
