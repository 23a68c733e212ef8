// TaskQuery: canonical form, checks, chips, the text syntax and the JSON form.
// docs/query.md is the user's description of both faces; keep them in step.
#include "klik/query.hpp"
#include "klik/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "detail/json_io.hpp"
#include "klik/error.hpp"

namespace klik {
namespace {

constexpr std::uint32_t default_limit = 50;
constexpr std::uint32_t max_limit = 10000;
constexpr std::int64_t u32max = std::numeric_limits<std::uint32_t>::max();

struct ColumnName {
  TaskColumn column;
  std::string_view code, english;
};
constexpr ColumnName column_names[] = {
    {TaskColumn::Project, "project", "Project"},
    {TaskColumn::Title, "title", "Title"},
    {TaskColumn::Phase, "phase", "Phase"},
    {TaskColumn::Theme, "theme", "Theme"},
    {TaskColumn::Deadline, "deadline", "Deadline"},
    {TaskColumn::Priority, "priority", "Priority"},
    {TaskColumn::Status, "status", "Status"},
    {TaskColumn::EndDate, "end_date", "End date"},
    {TaskColumn::Municipality, "municipality", "Municipality"},
    {TaskColumn::Id, "id", "Id"},
};

constexpr FilterField all_filter_fields[] = {
    FilterField::Project,  FilterField::Phase,   FilterField::Theme,       FilterField::Status,
    FilterField::Priority, FilterField::Colour,  FilterField::Responsible, FilterField::Performer,
    FilterField::Title,    FilterField::EndFrom, FilterField::EndTo,
};
constexpr std::string_view filter_codes[] = {"project",     "phase",     "theme", "status",   "priority", "colour",
                                             "responsible", "performer", "title", "end_from", "end_to"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string join_alternatives(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// ---- canonical form ----

template <class E>
void canon_enums(std::vector<E>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

template <class IdT>
void canon_refs(std::vector<std::variant<IdT, std::string>>& v) {
  std::vector<IdT> ids;
  std::vector<std::string> names;
  for (auto& ref : v) {
    if (const auto* id = std::get_if<IdT>(&ref)) {
      ids.push_back(*id);
    } else {
      auto& name = std::get<std::string>(ref);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  v.clear();
  for (IdT id : ids) v.emplace_back(id);
  for (auto& name : names) v.emplace_back(std::move(name));
}

// ---- checks ----

// `where` turns a field name into the error's where(): "phases" for check(), "/phases" for JSON.
template <class Where>
void check_query(const TaskQuery& q, Where where) {
  if (q.projects.empty()) {
    if (!q.phases.empty()) throw InvalidArgumentError("phase needs a project: choose a project first", where("phases"));
    if (!q.themes.empty()) throw InvalidArgumentError("theme needs a project: choose a project first", where("themes"));
  }
  for (const auto& p : q.projects)
    if (const auto* name = std::get_if<std::string>(&p); name && name->empty())
      throw InvalidArgumentError("a project name must not be empty", where("projects"));
  for (auto n : q.phases)
    if (n == 0) throw InvalidArgumentError("phase numbers start at 1", where("phases"));
  for (auto n : q.themes)
    if (n == 0) throw InvalidArgumentError("theme numbers start at 1", where("themes"));
  const auto check_person = [&](const PersonFilter& f, const char* name) {
    if (f.negated && f.users.empty() && !f.not_set)
      throw InvalidArgumentError("a negated filter needs users or not_set (\"not in\" of nothing)", where(name));
    for (const auto& u : f.users)
      if (const auto* email = std::get_if<std::string>(&u)) {
        if (email->empty()) throw InvalidArgumentError("an email must not be empty", where(name));
        require_utf8(*email, where(name));
      }
  };
  check_person(q.responsible, "responsible");
  check_person(q.performer, "performer");
  for (const auto& p : q.projects)
    if (const auto* name = std::get_if<std::string>(&p)) require_utf8(*name, where("projects"));
  require_utf8(q.title_contains, where("title_contains"));
  require_utf8(q.cursor, where("cursor"));
  const auto check_enums = [&](const auto& values, const char* name) {
    for (const auto v : values)
      if (!is_valid(v))
        throw InvalidArgumentError(
            std::to_string(static_cast<int>(v)) + " is not a " + std::string(enum_name<std::decay_t<decltype(v)>>()),
            where(name));
  };
  check_enums(q.statuses, "statuses");
  check_enums(q.priorities, "priorities");
  check_enums(q.colours, "colours");
  if (q.end_from && q.end_to && *q.end_from > *q.end_to)
    throw InvalidArgumentError(
        "end_from " + q.end_from->iso() + " is after end_to " + q.end_to->iso() + ": the range is empty",
        where("end_from"));
  for (std::size_t i = 0; i < q.sort.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (q.sort[i].column == q.sort[k].column)
        throw InvalidArgumentError("sort column " + std::string(code(q.sort[i].column)) + " given twice",
                                   where("sort"));
  if (q.limit == 0 || q.limit > max_limit)
    throw InvalidArgumentError("limit " + std::to_string(q.limit) + " is out of range 1..10000", where("limit"));
}

// ---- text printing ----

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string list_condition(std::string_view field, const std::vector<std::string>& values, bool negated) {
  std::string out(field);
  if (values.size() == 1) return out + (negated ? " != " : " = ") + values.front();
  out += negated ? " not in (" : " in (";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
  return out + ")";
}

template <class E>
std::vector<std::string> enum_texts(const std::vector<E>& v) {
  std::vector<std::string> out;
  for (E e : v) out.emplace_back(code(e));
  return out;
}

template <class IdT>
std::vector<std::string> ref_texts(const std::vector<std::variant<IdT, std::string>>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) {
    if (const auto* id = std::get_if<IdT>(&r))
      out.push_back(std::to_string(id->value()));
    else
      out.push_back(quote(std::get<std::string>(r)));
  }
  return out;
}

std::string person_condition(std::string_view field, const PersonFilter& f) {
  if (f.users.empty() && f.not_set) return std::string(field) + (f.negated ? " is not empty" : " is empty");
  auto values = ref_texts(f.users);
  if (f.not_set) values.emplace_back("empty");
  return list_condition(field, values, f.negated);
}

// ---- text parsing ----

enum class Tok { Word, String, Punct, End };

struct Token {
  Tok kind;
  std::string text;
  std::size_t pos;
};

[[noreturn]] void fail_at(std::size_t pos, const std::string& message) {
  throw InvalidArgumentError(message, "position " + std::to_string(pos));
}

bool word_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '@' || c == '-' || c == '+' || c >= 0x80;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '"') {
      const std::size_t start = i++;
      std::string text;
      for (;;) {
        if (i >= s.size()) fail_at(start, "unterminated string: expected a closing \" for the string starting here");
        if (s[i] == '"') break;
        if (s[i] == '\\') {
          if (i + 1 >= s.size() || (s[i + 1] != '"' && s[i + 1] != '\\'))
            fail_at(i, "expected \\\" or \\\\ after a backslash in a string");
          ++i;
        }
        text += s[i++];
      }
      ++i;
      out.push_back({Tok::String, std::move(text), start});
    } else if (c == '(' || c == ')' || c == ',' || c == '=' || c == '~') {
      out.push_back({Tok::Punct, std::string(1, static_cast<char>(c)), i++});
    } else if (c == '!' || c == '<' || c == '>') {
      if (i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({Tok::Punct, std::string(s.substr(i, 2)), i});
        i += 2;
      } else if (c == '!') {
        fail_at(i, "expected \"!=\", found \"!\"");
      } else {
        out.push_back({Tok::Punct, std::string(1, static_cast<char>(c)), i++});
      }
    } else if (word_char(c)) {
      const std::size_t start = i;
      while (i < s.size() && word_char(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::Word, std::string(s.substr(start, i - start)), start});
    } else {
      fail_at(i, "unexpected character " + excerpt(s.substr(i, 1)) +
                     "; expected a field, a value, a keyword or one of ( ) , = != ~ >= <= > <");
    }
  }
  out.push_back({Tok::End, {}, s.size()});
  return out;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End:
      return "end of text";
    case Tok::String:
      return "the string " + excerpt(t.text);
    default:
      return excerpt(t.text);
  }
}

enum class Field { Project, Phase, Theme, Status, Priority, Colour, Responsible, Performer, Title, End };

std::optional<Field> field_of(std::string_view w) {
  static constexpr std::pair<std::string_view, Field> names[] = {
      {"project", Field::Project},     {"phase", Field::Phase},       {"theme", Field::Theme},
      {"status", Field::Status},       {"priority", Field::Priority}, {"colour", Field::Colour},
      {"color", Field::Colour},        {"deadline", Field::Colour},   {"responsible", Field::Responsible},
      {"performer", Field::Performer}, {"title", Field::Title},       {"end", Field::End},
  };
  for (const auto& [n, f] : names)
    if (iequals(w, n)) return f;
  // The filter panel's own words (the manual, "Se opgaver i projektet"), in any case.
  static constexpr std::pair<std::string_view, Field> danish[] = {
      {"projekt", Field::Project},     {"fase", Field::Phase},        {"tema", Field::Theme},
      {"prioritet", Field::Priority},  {"farve", Field::Colour},      {"ansvarlig", Field::Responsible},
      {"udførende", Field::Performer}, {"udfører", Field::Performer}, {"titel", Field::Title},
      {"slutdato", Field::End},
  };
  const std::string folded = fold_case(w);
  for (const auto& [n, f] : danish)
    if (folded == n) return f;
  return std::nullopt;
}

std::optional<TaskColumn> column_of_word(std::string_view w) {
  for (const auto& c : column_names)
    if (iequals(w, c.code)) return c.column;
  if (iequals(w, "colour") || iequals(w, "color")) return TaskColumn::Deadline;
  if (iequals(w, "end")) return TaskColumn::EndDate;
  return std::nullopt;
}

std::optional<std::uint64_t> digits_value(std::string_view w) {
  if (w.empty() || w.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (ec != std::errc() || p != w.data() + w.size()) return std::nullopt;
  return v;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : toks_(tokenize(text)) {}

  TaskQuery run() {
    if (!at_keyword("order") && !at_keyword("limit") && !at_keyword("offset") && !at_keyword("after") &&
        peek().kind != Tok::End) {
      condition();
      while (at_keyword("and")) {
        next();
        condition();
      }
    }
    std::vector<std::string> tail = {"\"and\"", "\"order by\"", "\"limit\"", "\"offset\"", "\"after\""};
    if (at_keyword("order")) {
      next();
      expect_keyword("by", "\"by\" after \"order\"");
      sort_key();
      while (peek().kind == Tok::Punct && peek().text == ",") {
        next();
        sort_key();
      }
      tail = {"\",\"", "\"asc\"", "\"desc\"", "\"limit\"", "\"offset\"", "\"after\""};
    }
    if (at_keyword("limit")) {
      next();
      const Token t = next();
      const auto v = t.kind == Tok::Word ? digits_value(t.text) : std::nullopt;
      if (!v || *v == 0 || *v > max_limit)
        fail_at(t.pos, "expected a page size 1-10000 after limit, found " + describe(t));
      q_.limit = static_cast<std::uint32_t>(*v);
      tail = {"\"offset\"", "\"after\""};
    }
    if (at_keyword("offset")) {
      next();
      const Token t = next();
      const auto v = t.kind == Tok::Word ? digits_value(t.text) : std::nullopt;
      if (!v || *v > static_cast<std::uint64_t>(u32max))
        fail_at(t.pos, "expected a number 0-4294967295 after offset, found " + describe(t));
      q_.offset = static_cast<std::uint32_t>(*v);
      tail = {"\"after\""};
    }
    if (at_keyword("after")) {
      next();
      const Token t = next();
      if (t.kind != Tok::String && t.kind != Tok::Word)
        fail_at(t.pos, "expected a cursor string after \"after\", found " + describe(t));
      q_.cursor = t.text;
      tail.clear();
    }
    if (peek().kind != Tok::End) {
      tail.emplace_back("end of text");
      fail_at(peek().pos, "expected " + join_alternatives(tail) + ", found " + describe(peek()));
    }
    if (!q_.projects.empty() || (q_.phases.empty() && q_.themes.empty())) {
      // fine
    } else {
      const bool phase = !q_.phases.empty();
      fail_at(phase ? phase_pos_ : theme_pos_,
              std::string(phase ? "phase" : "theme") + " needs a project: choose a project first");
    }
    TaskQuery q = q_.canonical();
    try {
      q.check();
    } catch (const InvalidArgumentError& e) {
      fail_at(0, e.what());
    }
    return q;
  }

 private:
  enum class Op { Eq, Ne, In, NotIn, IsEmpty, IsNotEmpty, Contains, Ge, Le, Gt, Lt };

  const Token& peek() const { return toks_[i_]; }
  Token next() {
    Token t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool at_keyword(std::string_view kw) const { return peek().kind == Tok::Word && iequals(peek().text, kw); }
  void expect_keyword(std::string_view kw, const std::string& what) {
    if (!at_keyword(kw)) fail_at(peek().pos, "expected " + what + ", found " + describe(peek()));
    next();
  }

  /// One condition as read: its field, operator and value tokens.
  struct Condition {
    Token field_token;
    Field field{};
    std::string name;  ///< the field's canonical name, for messages
    Token op_token;
    Op op{};
    std::vector<Token> values;
    [[nodiscard]] bool negated() const noexcept { return op == Op::Ne || op == Op::NotIn; }
  };

  static bool is_person(Field f) noexcept { return f == Field::Responsible || f == Field::Performer; }

  /// field operator values: read, checked against the conditions before it, applied.
  void condition() {
    Condition c;
    c.field_token = next();
    c.field = field(c.field_token);
    static constexpr std::string_view field_names[] = {"project", "phase",       "theme",     "status", "priority",
                                                       "colour",  "responsible", "performer", "title",  "end"};
    c.name = std::string(field_names[static_cast<std::size_t>(c.field)]);
    c.op_token = peek();
    c.op = operator_after(c.field, c.name);
    not_repeated(c);
    c.values = values_after(c.op, c.name);
    apply(c);
  }

  Field field(const Token& ft) const {
    const auto f = ft.kind == Tok::Word ? field_of(ft.text) : std::nullopt;
    if (!f)
      fail_at(ft.pos,
              "expected a field (project, phase, theme, status, priority, colour, responsible, performer, title or "
              "end; or in Danish projekt, fase, tema, prioritet, farve, ansvarlig, udførende, titel, slutdato), "
              "found " +
                  describe(ft));
    return *f;
  }

  /// The operator after a field: "~" for title, comparisons for end, (not) in,
  /// =, != and (for people) is (not) empty for the others.
  Op operator_after(Field f, const std::string& fname) {
    const Token ot = peek();
    const auto bad_op = [&]() -> void {
      std::string expected;
      if (f == Field::Title)
        expected = "\"~\"";
      else if (f == Field::End)
        expected = "\">=\", \"<=\", \">\", \"<\" or \"=\"";
      else if (is_person(f))
        expected = "\"=\", \"!=\", \"in\", \"not in\", \"is empty\" or \"is not empty\"";
      else
        expected = "\"in\", \"=\", \"!=\" or \"not in\"";
      fail_at(ot.pos, "expected " + expected + " after " + fname + ", found " + describe(ot));
    };
    if (ot.kind == Tok::Punct) {
      const auto op = punct_operator(f, ot.text);
      if (!op) bad_op();
      next();
      return *op;
    }
    if (ot.kind == Tok::Word && f != Field::Title && f != Field::End) {
      if (iequals(ot.text, "in")) {
        next();
        return Op::In;
      }
      if (iequals(ot.text, "not")) {
        next();
        expect_keyword("in", "\"in\" after \"not\"");
        return Op::NotIn;
      }
      if (is_person(f) && iequals(ot.text, "is")) {
        next();
        Op op = Op::IsEmpty;
        if (at_keyword("not")) {
          next();
          op = Op::IsNotEmpty;
        }
        expect_keyword("empty",
                       op == Op::IsEmpty ? "\"empty\" or \"not empty\" after \"is\"" : "\"empty\" after \"is not\"");
        return op;
      }
    }
    bad_op();
    return Op::Eq;  // not reached: bad_op throws
  }

  /// A punctuation operator the field allows, or nothing.
  static std::optional<Op> punct_operator(Field f, const std::string& p) {
    if (f == Field::Title) return p == "~" ? std::optional(Op::Contains) : std::nullopt;
    if (f == Field::End) {
      if (p == ">=") return Op::Ge;
      if (p == "<=") return Op::Le;
      if (p == ">") return Op::Gt;
      if (p == "<") return Op::Lt;
      if (p == "=") return Op::Eq;
      return std::nullopt;
    }
    if (p == "=") return Op::Eq;
    if (p == "!=") return Op::Ne;
    return std::nullopt;
  }

  /// Each field once, except end, which takes one lower and one upper bound.
  void not_repeated(const Condition& c) {
    if (c.field == Field::End) {
      const bool lower_bound = c.op == Op::Ge || c.op == Op::Gt || c.op == Op::Eq;
      const bool upper_bound = c.op == Op::Le || c.op == Op::Lt || c.op == Op::Eq;
      if ((lower_bound && have_from_) || (upper_bound && have_to_))
        fail_at(c.field_token.pos,
                std::string(lower_bound && have_from_ ? "a lower bound (end >= ...)" : "an upper bound (end <= ...)") +
                    " on end given twice");
      have_from_ |= lower_bound;
      have_to_ |= upper_bound;
      return;
    }
    if (std::find(seen_.begin(), seen_.end(), c.field) != seen_.end())
      fail_at(c.field_token.pos,
              c.name + " given twice; combine the values in one condition, e.g. " + c.name + " in (a, b)");
    seen_.push_back(c.field);
  }

  /// The values after the operator: a parenthesised list after (not) in, none
  /// after is (not) empty, else one.
  std::vector<Token> values_after(Op op, const std::string& fname) {
    std::vector<Token> values;
    if (op == Op::In || op == Op::NotIn) {
      const Token lp = next();
      if (lp.kind != Tok::Punct || lp.text != "(")
        fail_at(lp.pos,
                "expected \"(\" after \"" + std::string(op == Op::In ? "in" : "not in") + "\", found " + describe(lp));
      for (;;) {
        values.push_back(value(fname));
        const Token sep = next();
        if (sep.kind == Tok::Punct && sep.text == ")") break;
        if (sep.kind != Tok::Punct || sep.text != ",")
          fail_at(sep.pos, "expected \",\" or \")\" in the list of " + fname + " values, found " + describe(sep));
      }
    } else if (op != Op::IsEmpty && op != Op::IsNotEmpty) {
      values.push_back(value(fname));
    }
    return values;
  }

  /// The condition into the query, by field.
  void apply(const Condition& c) {
    switch (c.field) {
      case Field::Project:
        project_values(c);
        break;
      case Field::Phase:
      case Field::Theme:
        number_values(c);
        break;
      case Field::Status:
        enum_values(q_.statuses, c.values, c.negated(), c.op_token, c.name);
        break;
      case Field::Priority:
        enum_values(q_.priorities, c.values, c.negated(), c.op_token, c.name);
        break;
      case Field::Colour:
        enum_values(q_.colours, c.values, c.negated(), c.op_token, c.name);
        break;
      case Field::Responsible:
      case Field::Performer:
        person_values(c);
        break;
      case Field::Title:
        q_.title_contains = c.values.front().text;
        break;
      case Field::End:
        end_bound(c);
        break;
    }
  }

  /// project in (3, "Ydelsesrefusion"): ids (digits) or exact names.
  void project_values(const Condition& c) {
    no_negation(c.negated(), c.op_token, c.name);
    for (const auto& v : c.values) {
      if (v.kind == Tok::Word) {
        if (const auto n = digits_value(v.text)) {
          if (*n > static_cast<std::uint64_t>(u32max)) fail_at(v.pos, "project id " + v.text + " is too large");
          q_.projects.emplace_back(ProjectId(static_cast<std::uint32_t>(*n)));
          continue;
        }
      }
      if (v.text.empty()) fail_at(v.pos, "expected a project id or name, found an empty string");
      q_.projects.emplace_back(v.text);
    }
  }

  /// phase in (1, 2) / theme = 3: numbers 1-255 (the project check comes at the end).
  void number_values(const Condition& c) {
    no_negation(c.negated(), c.op_token, c.name);
    const bool phase = c.field == Field::Phase;
    auto& out = phase ? q_.phases : q_.themes;
    (phase ? phase_pos_ : theme_pos_) = c.field_token.pos;
    for (const auto& v : c.values) {
      const auto n = v.kind == Tok::Word ? digits_value(v.text) : std::nullopt;
      if (!n || *n == 0 || *n > 255) fail_at(v.pos, "expected a " + c.name + " number 1-255, found " + describe(v));
      out.push_back(static_cast<std::uint8_t>(*n));
    }
  }

  /// responsible / performer: user ids, emails, or empty ("Ikke påført").
  void person_values(const Condition& c) {
    PersonFilter& f = c.field == Field::Responsible ? q_.responsible : q_.performer;
    if (c.op == Op::IsEmpty || c.op == Op::IsNotEmpty) {
      f.not_set = true;
      f.negated = c.op == Op::IsNotEmpty;
      return;
    }
    f.negated = c.negated();
    for (const auto& v : c.values) {
      if ((v.kind == Tok::Word && iequals(v.text, "empty")) || fold_case(v.text) == "ikke påført") {
        f.not_set = true;
        continue;
      }
      if (v.kind == Tok::Word) {
        if (const auto n = digits_value(v.text)) {
          if (*n > static_cast<std::uint64_t>(u32max)) fail_at(v.pos, "user id " + v.text + " is too large");
          f.users.emplace_back(UserId(static_cast<std::uint32_t>(*n)));
          continue;
        }
      }
      if (v.text.empty()) fail_at(v.pos, "expected a user id, an email or empty, found an empty string");
      f.users.emplace_back(v.text);
    }
  }

  /// end >= / <= / > / < / = a date: strict bounds become inclusive ones.
  void end_bound(const Condition& c) {
    const Token& v = c.values.front();
    Date d;
    try {
      d = Date::parse(v.text);
    } catch (const InvalidArgumentError&) {
      fail_at(v.pos, "expected a date YYYY-MM-DD after end " + c.op_token.text + ", found " + describe(v));
    }
    if (c.op == Op::Gt) d += 1;
    if (c.op == Op::Lt) d -= 1;
    if (c.op == Op::Ge || c.op == Op::Gt || c.op == Op::Eq) q_.end_from = d;
    if (c.op == Op::Le || c.op == Op::Lt || c.op == Op::Eq) q_.end_to = d;
    if (q_.end_from && q_.end_to && *q_.end_from > *q_.end_to)
      fail_at(c.field_token.pos, "end date range is empty: from " + q_.end_from->iso() + " to " + q_.end_to->iso());
  }

  Token value(const std::string& fname) {
    Token t = next();
    if (t.kind != Tok::Word && t.kind != Tok::String)
      fail_at(t.pos, "expected a " + fname + " value, found " + describe(t));
    return t;
  }

  static void no_negation(bool negated, const Token& op, const std::string& fname) {
    if (negated) fail_at(op.pos, fname + " cannot be negated: use \"=\" or \"in\" (found " + describe(op) + ")");
  }

  template <class E>
  static void enum_values(std::vector<E>& out, const std::vector<Token>& values, bool negated, const Token& op,
                          const std::string& fname) {
    std::vector<E> given;
    for (const auto& v : values) {
      try {
        given.push_back(parse<E>(v.text));
      } catch (const InvalidArgumentError& e) {
        const std::string message = e.what();
        const auto at = message.find("expected");
        fail_at(v.pos, "unknown " + fname + " " + excerpt(v.text) +
                           (at == std::string::npos ? std::string() : "; " + message.substr(at)));
      }
    }
    if (!negated) {
      out = std::move(given);
      return;
    }
    for (E e : all_values<E>())
      if (std::find(given.begin(), given.end(), e) == given.end()) out.push_back(e);
    if (out.empty()) fail_at(op.pos, fname + " " + op.text + " ... excludes every value, so no task could match");
  }

  void sort_key() {
    const Token t = next();
    const auto col = t.kind == Tok::Word ? column_of_word(t.text) : std::nullopt;
    if (!col)
      fail_at(t.pos,
              "expected a column (project, title, phase, theme, deadline, priority, status, end_date, municipality or "
              "id), found " +
                  describe(t));
    for (const auto& k : q_.sort)
      if (k.column == *col) fail_at(t.pos, std::string(code(*col)) + " given twice in order by");
    SortKey key{*col, false};
    if (at_keyword("asc")) {
      next();
    } else if (at_keyword("desc")) {
      next();
      key.descending = true;
    }
    q_.sort.push_back(key);
  }

  std::vector<Token> toks_;
  std::size_t i_ = 0;
  TaskQuery q_;
  std::vector<Field> seen_;
  bool have_from_ = false, have_to_ = false;
  std::size_t phase_pos_ = 0, theme_pos_ = 0;
};

// ---- JSON ----

using detail::enum_at;
using detail::json;
using ojson = nlohmann::ordered_json;

template <class IdT>
ojson refs_json(const std::vector<std::variant<IdT, std::string>>& v) {
  ojson out = ojson::array();
  for (const auto& r : v) {
    if (const auto* id = std::get_if<IdT>(&r))
      out.push_back(id->value());
    else
      out.push_back(std::get<std::string>(r));
  }
  return out;
}

template <class E>
ojson enums_json(const std::vector<E>& v) {
  ojson out = ojson::array();
  for (E e : v) out.push_back(std::string(code(e)));
  return out;
}

ojson person_json(const PersonFilter& f) {
  ojson out = ojson::object();
  out["users"] = refs_json(f.users);
  out["not_set"] = f.not_set;
  out["negated"] = f.negated;
  return out;
}

template <class F>
void read_array(detail::ObjectReader& r, const char* key, F&& read_one) {
  const json* j = r.find(key);
  if (!j || j->is_null()) return;
  const std::string path = r.field_path(key);
  if (!j->is_array()) throw InvalidArgumentError("expected an array", path);
  for (std::size_t i = 0; i < j->size(); ++i) read_one((*j)[i], path + "/" + std::to_string(i));
}

template <class IdT>
std::variant<IdT, std::string> ref_at(const json& j, const std::string& path, const char* what) {
  if (j.is_number_integer()) return IdT(static_cast<std::uint32_t>(detail::integer_at(j, path, 0, u32max)));
  if (j.is_string()) return j.get<std::string>();
  throw InvalidArgumentError(std::string("expected a ") + what + " (integer id or string)", path);
}

PersonFilter person_at(const json& j, const std::string& path) {
  PersonFilter f;
  if (j.is_null()) return f;
  detail::ObjectReader r(j, path);
  read_array(r, "users", [&](const json& e, const std::string& p) { f.users.push_back(ref_at<UserId>(e, p, "user")); });
  f.not_set = r.boolean_or("not_set", false);
  f.negated = r.boolean_or("negated", false);
  r.finish();
  return f;
}

}  // namespace

// ---- names ----

std::string_view code(TaskColumn c) noexcept { return column_names[static_cast<std::size_t>(c)].code; }

TaskColumn parse_task_column(std::string_view text) {
  for (const auto& c : column_names)
    if (iequals(text, c.code) || iequals(text, c.english)) return c.column;
  std::string accepted;
  for (const auto& c : column_names) accepted += (accepted.empty() ? "" : ", ") + std::string(c.code);
  throw InvalidArgumentError("unknown TaskColumn " + excerpt(text) + "; expected one of " + accepted);
}

std::string_view code(FilterField f) noexcept { return filter_codes[static_cast<std::size_t>(f)]; }

FilterField parse_filter_field(std::string_view text) {
  for (FilterField f : all_filter_fields)
    if (iequals(text, code(f))) return f;
  std::string accepted;
  for (FilterField f : all_filter_fields) accepted += (accepted.empty() ? "" : ", ") + std::string(code(f));
  throw InvalidArgumentError("unknown FilterField " + excerpt(text) + "; expected one of " + accepted);
}

// ---- TaskQuery ----

TaskQuery TaskQuery::canonical() const {
  TaskQuery q = *this;
  canon_refs(q.projects);
  canon_enums(q.phases);
  canon_enums(q.themes);
  canon_enums(q.statuses);
  canon_enums(q.priorities);
  canon_enums(q.colours);
  canon_refs(q.responsible.users);
  canon_refs(q.performer.users);
  return q;
}

void TaskQuery::check() const {
  check_query(*this, [](const char* name) { return std::string(name); });
}

std::vector<FilterField> TaskQuery::applied_filters() const {
  std::vector<FilterField> out;
  if (!projects.empty()) out.push_back(FilterField::Project);
  if (!phases.empty()) out.push_back(FilterField::Phase);
  if (!themes.empty()) out.push_back(FilterField::Theme);
  if (!statuses.empty()) out.push_back(FilterField::Status);
  if (!priorities.empty()) out.push_back(FilterField::Priority);
  if (!colours.empty()) out.push_back(FilterField::Colour);
  if (responsible.active()) out.push_back(FilterField::Responsible);
  if (performer.active()) out.push_back(FilterField::Performer);
  if (!title_contains.empty()) out.push_back(FilterField::Title);
  if (end_from) out.push_back(FilterField::EndFrom);
  if (end_to) out.push_back(FilterField::EndTo);
  return out;
}

std::size_t TaskQuery::filter_count() const { return applied_filters().size(); }

TaskQuery TaskQuery::without(FilterField field) const {
  const auto applied = applied_filters();
  if (std::find(applied.begin(), applied.end(), field) == applied.end()) return *this;
  TaskQuery q = *this;
  switch (field) {
    case FilterField::Project:
      q.projects.clear();
      q.phases.clear();
      q.themes.clear();
      break;
    case FilterField::Phase:
      q.phases.clear();
      break;
    case FilterField::Theme:
      q.themes.clear();
      break;
    case FilterField::Status:
      q.statuses.clear();
      break;
    case FilterField::Priority:
      q.priorities.clear();
      break;
    case FilterField::Colour:
      q.colours.clear();
      break;
    case FilterField::Responsible:
      q.responsible = {};
      break;
    case FilterField::Performer:
      q.performer = {};
      break;
    case FilterField::Title:
      q.title_contains.clear();
      break;
    case FilterField::EndFrom:
      q.end_from.reset();
      break;
    case FilterField::EndTo:
      q.end_to.reset();
      break;
  }
  q.offset = 0;
  q.cursor.clear();
  return q;
}

TaskQuery TaskQuery::reset_filters() const {
  TaskQuery q;
  q.sort = sort;
  q.limit = limit;
  return q;
}

// ---- text ----

TaskQuery parse_task_query(std::string_view text) {
  if (text.size() > max_query_text_bytes)
    throw InvalidArgumentError("query text of " + std::to_string(text.size()) + " bytes is longer than the " +
                                   std::to_string(max_query_text_bytes) + " bytes a query may have",
                               "query");
  require_utf8(text, "query");
  return Parser(text).run();
}

std::string to_text(const TaskQuery& query) {
  const TaskQuery q = query.canonical();
  std::vector<std::string> conds;
  if (!q.projects.empty()) conds.push_back(list_condition("project", ref_texts(q.projects), false));
  const auto numbers = [](const std::vector<std::uint8_t>& v) {
    std::vector<std::string> out;
    for (auto n : v) out.push_back(std::to_string(n));
    return out;
  };
  if (!q.phases.empty()) conds.push_back(list_condition("phase", numbers(q.phases), false));
  if (!q.themes.empty()) conds.push_back(list_condition("theme", numbers(q.themes), false));
  if (!q.statuses.empty()) conds.push_back(list_condition("status", enum_texts(q.statuses), false));
  if (!q.priorities.empty()) conds.push_back(list_condition("priority", enum_texts(q.priorities), false));
  if (!q.colours.empty()) conds.push_back(list_condition("colour", enum_texts(q.colours), false));
  if (q.responsible.active()) conds.push_back(person_condition("responsible", q.responsible));
  if (q.performer.active()) conds.push_back(person_condition("performer", q.performer));
  if (!q.title_contains.empty()) conds.push_back("title ~ " + quote(q.title_contains));
  if (q.end_from) conds.push_back("end >= " + q.end_from->iso());
  if (q.end_to) conds.push_back("end <= " + q.end_to->iso());

  std::string out;
  for (const auto& c : conds) out += (out.empty() ? "" : " and ") + c;
  const auto clause = [&out](const std::string& s) { out += (out.empty() ? "" : " ") + s; };
  if (!q.sort.empty()) {
    std::string s = "order by ";
    for (std::size_t i = 0; i < q.sort.size(); ++i)
      s += (i ? ", " : "") + std::string(code(q.sort[i].column)) + (q.sort[i].descending ? " desc" : "");
    clause(s);
  }
  if (q.limit != default_limit) clause("limit " + std::to_string(q.limit));
  if (q.offset != 0) clause("offset " + std::to_string(q.offset));
  if (!q.cursor.empty()) clause("after " + quote(q.cursor));
  return out;
}

// ---- JSON ----

std::string to_json(const TaskQuery& query, int indent) {
  const TaskQuery q = query.canonical();
  ojson j = ojson::object();
  if (!q.projects.empty()) j["projects"] = refs_json(q.projects);
  if (!q.phases.empty()) j["phases"] = q.phases;
  if (!q.themes.empty()) j["themes"] = q.themes;
  if (!q.statuses.empty()) j["statuses"] = enums_json(q.statuses);
  if (!q.priorities.empty()) j["priorities"] = enums_json(q.priorities);
  if (!q.colours.empty()) j["colours"] = enums_json(q.colours);
  if (q.responsible.active()) j["responsible"] = person_json(q.responsible);
  if (q.performer.active()) j["performer"] = person_json(q.performer);
  if (!q.title_contains.empty()) j["title_contains"] = q.title_contains;
  if (q.end_from) j["end_from"] = q.end_from->iso();
  if (q.end_to) j["end_to"] = q.end_to->iso();
  if (!q.sort.empty()) {
    ojson s = ojson::array();
    for (const auto& k : q.sort)
      s.push_back(ojson{{"column", std::string(code(k.column))}, {"descending", k.descending}});
    j["sort"] = std::move(s);
  }
  if (q.offset != 0) j["offset"] = q.offset;
  if (q.limit != default_limit) j["limit"] = q.limit;
  if (!q.cursor.empty()) j["cursor"] = q.cursor;
  return j.dump(indent);
}

TaskQuery task_query_from_json(std::string_view text) {
  const json j = detail::parse_text(text);
  detail::ObjectReader r(j, "");
  TaskQuery q;
  read_array(r, "projects",
             [&](const json& e, const std::string& p) { q.projects.push_back(ref_at<ProjectId>(e, p, "project")); });
  read_array(r, "phases", [&](const json& e, const std::string& p) {
    q.phases.push_back(static_cast<std::uint8_t>(detail::integer_at(e, p, 1, 255)));
  });
  read_array(r, "themes", [&](const json& e, const std::string& p) {
    q.themes.push_back(static_cast<std::uint8_t>(detail::integer_at(e, p, 1, 255)));
  });
  read_array(r, "statuses",
             [&](const json& e, const std::string& p) { q.statuses.push_back(enum_at<TaskStatus>(e, p)); });
  read_array(r, "priorities",
             [&](const json& e, const std::string& p) { q.priorities.push_back(enum_at<Priority>(e, p)); });
  read_array(r, "colours",
             [&](const json& e, const std::string& p) { q.colours.push_back(enum_at<DeadlineColour>(e, p)); });
  if (const json* p = r.find("responsible")) q.responsible = person_at(*p, r.field_path("responsible"));
  if (const json* p = r.find("performer")) q.performer = person_at(*p, r.field_path("performer"));
  if (const json* t = r.find("title_contains"); t && !t->is_null())
    q.title_contains = detail::string_at(*t, r.field_path("title_contains"));
  q.end_from = r.optional_date("end_from");
  q.end_to = r.optional_date("end_to");
  read_array(r, "sort", [&](const json& e, const std::string& p) {
    detail::ObjectReader k(e, p);
    SortKey key;
    const std::string column = k.string("column");
    try {
      key.column = parse_task_column(column);
    } catch (const InvalidArgumentError& err) {
      throw InvalidArgumentError(err.what(), k.field_path("column"));
    }
    key.descending = k.boolean_or("descending", false);
    k.finish();
    q.sort.push_back(key);
  });
  q.offset = static_cast<std::uint32_t>(r.optional_integer("offset", 0, u32max).value_or(0));
  q.limit = static_cast<std::uint32_t>(r.optional_integer("limit", 1, max_limit).value_or(default_limit));
  if (const json* c = r.find("cursor"); c && !c->is_null()) q.cursor = detail::string_at(*c, r.field_path("cursor"));
  r.finish();
  q = q.canonical();
  check_query(q, [](const char* name) { return std::string("/").append(name); });
  return q;
}

// ---- case folding ----

}  // namespace klik
