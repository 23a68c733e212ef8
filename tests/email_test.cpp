// Notifications as e-mail (email.hpp): the templates and their checks, the mails
// of an outbox entry, the Message-ID, and the MIME text.
#include "klik/email.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "klik/error.hpp"
#include "klik/notifier.hpp"
#include "klik/routing.hpp"
#include "klik/workflows_sweep.hpp"
#include "workflow_fixture.hpp"

namespace klik {
namespace {

using testing::Fixture;

std::string default_json() {
  // The compiled-in templates, edited by the tests below.
  std::ifstream in(std::string(KLIK_SOURCE_DIR) + "/src/data/mail_templates.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(MailTemplates, TheDefaultsCoverEveryEvent) {
  const MailTemplates& t = MailTemplates::default_templates();
  EXPECT_FALSE(t.name().empty());
  const std::vector<std::string> events = MailTemplates::events();
  for (NotificationEvent e : all_notification_events())
    EXPECT_NE(std::find(events.begin(), events.end(), std::string(code(e))), events.end()) << code(e);
  EXPECT_NE(std::find(events.begin(), events.end(), "deadline.digest"), events.end());
  const auto red = MailTemplates::placeholders("deadline.red");
  EXPECT_NE(std::find(red.begin(), red.end(), "task.title"), red.end());
  EXPECT_TRUE(MailTemplates::placeholders("no.such.event").empty());
}

TEST(MailTemplates, AnUnknownPlaceholderIsNamedWithItsTemplate) {
  const std::string bad = replaced(default_json(), "er blevet rød\"", "er blevet {{task.titel}}\"");
  try {
    (void)MailTemplates::from_json(bad);
    FAIL() << "accepted";
  } catch (const InvalidArgumentError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("deadline.red.subject"), std::string::npos) << m;
    EXPECT_NE(m.find("{{task.titel}}"), std::string::npos) << m;
    EXPECT_NE(m.find("task.title"), std::string::npos) << m;  // what it may use
  }
}

TEST(MailTemplates, APlaceholderOfAnotherEventIsRefused) {
  // {{text}} (a message's text) does not exist for a deadline change.
  const std::string bad = replaced(default_json(), "Farven var før: {{old_colour}}.\"", "{{text}}\"");
  EXPECT_THROW((void)MailTemplates::from_json(bad), InvalidArgumentError);
}

TEST(MailTemplates, MissingEventsUnclosedBracesAndUnknownFieldsAreRefused) {
  const std::string json = default_json();
  nlohmann::json doc = nlohmann::json::parse(json);
  doc["events"].erase("user.created");
  try {
    (void)MailTemplates::from_json(doc.dump());
    FAIL() << "accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("user.created"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)MailTemplates::from_json(replaced(json, "er blevet rød\"", "er blevet {{colour\"")),
               InvalidArgumentError);
  nlohmann::json extra = nlohmann::json::parse(json);
  extra["events"]["deadline.red"]["subjekt"] = "x";
  EXPECT_THROW((void)MailTemplates::from_json(extra.dump()), InvalidArgumentError);
  extra = nlohmann::json::parse(json);
  extra["events"]["deadline.purple"] = extra["events"]["deadline.red"];
  EXPECT_THROW((void)MailTemplates::from_json(extra.dump()), InvalidArgumentError);
  EXPECT_THROW((void)MailTemplates::from_json("[1, 2]"), InvalidArgumentError);
  EXPECT_THROW((void)MailTemplates::from_json(std::string(100000, '[')), InvalidArgumentError);
}

struct EmailTest : Fixture {
  MailSettings settings{{"klik@kombit.dk", "KOMBIT KLIK"}, "https://klik.example/", ""};

  /// A task with a responsible user, and that user.
  std::pair<Task, User> assigned_task() {
    for (const Task& t : data.tasks)
      if (t.responsible) return {t, user(*t.responsible)};
    ADD_FAILURE() << "no assigned task";
    return {};
  }
  std::vector<Email> compose(const Notification& n) {
    const Snapshot snap = store->snapshot();
    return compose_emails(snap.world(), n, MailTemplates::default_templates(), settings);
  }
};

TEST_F(EmailTest, ADeadlineTurningRedNamesTheTaskAndWhyTheRecipientGetsIt) {
  const auto [task, responsible] = assigned_task();
  const TaskTemplate& tpl = data.templates[task.template_id.value() - 1];
  Notification n;
  n.id = 7;
  n.event = "deadline.red";
  n.key = "deadline/" + std::to_string(task.id.value()) + "/red/2026-03-02";
  n.recipients = {responsible.id};
  n.sender = "KOMBIT KLIK";
  n.link = "/tasks/" + std::to_string(task.id.value());
  n.payload = R"({"task": )" + std::to_string(task.id.value()) +
              R"(, "colour": "red", "old_colour": "yellow", "reached_on": "2026-02-27", "priority": "mandatory"})";
  n.created = Timestamp(1772445600);
  const std::vector<Email> mails = compose(n);
  ASSERT_EQ(mails.size(), 1u);
  const Email& e = mails[0];
  EXPECT_EQ(e.subject, "Opgaven '" + tpl.title + "' er blevet rød");
  EXPECT_EQ(e.to.address, responsible.email);
  EXPECT_EQ(e.from.address, "klik@kombit.dk");
  EXPECT_NE(e.text.find("Kære " + responsible.full_name), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("fordi du er ansvarlig for opgaven."), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("https://klik.example/tasks/" + std::to_string(task.id.value())), std::string::npos);
  EXPECT_NE(e.text.find("27. februar 2026"), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("Farven var før: gul."), std::string::npos) << e.text;
  EXPECT_NE(e.html.find("href=\"https://klik.example/tasks/"), std::string::npos) << e.html;
  EXPECT_EQ(e.text.find("{{"), std::string::npos);
  EXPECT_EQ(e.message_id, email_message_id(n, responsible.id.value(), settings));
  EXPECT_TRUE(e.message_id.ends_with("@kombit.dk")) << e.message_id;
}

TEST_F(EmailTest, TheMessageIdFollowsTheKeyAndTheRecipient) {
  Notification n;
  n.id = 1;
  n.key = "deadline/1/red/2026-03-02";
  Notification again = n;
  again.id = 99;  // the same entry read back after a restart keeps its key
  EXPECT_EQ(email_message_id(n, 5, settings), email_message_id(again, 5, settings));
  EXPECT_NE(email_message_id(n, 5, settings), email_message_id(n, 6, settings));
  EXPECT_NE(email_message_id(n, 5, settings), email_message_id(n, 0, settings));
  Notification keyless;
  keyless.id = 3;
  Notification other = keyless;
  other.id = 4;
  EXPECT_NE(email_message_id(keyless, 5, settings), email_message_id(other, 5, settings));
}

TEST_F(EmailTest, EveryNotificationTheWorkflowsRecordComposes) {
  const auto [task, responsible] = assigned_task();
  flows->write_message(kombit_admin().id, task.id, "Husk <b>fristen</b> & æøå ÆØÅ");
  sweep_to_outbox(*store, Date(2026, 3, 2), clock.now());
  const std::vector<Notification> outbox = store->outbox();
  ASSERT_FALSE(outbox.empty());
  std::size_t mails = 0;
  for (const Notification& n : outbox) {
    for (const Email& e : compose(n)) {
      ++mails;
      EXPECT_FALSE(e.subject.empty()) << n.event;
      EXPECT_EQ(e.subject.find('\n'), std::string::npos);
      EXPECT_EQ(e.text.find("{{"), std::string::npos) << n.event;
      EXPECT_EQ(e.html.find("<b>fristen</b>"), std::string::npos) << "message text unescaped in HTML";
      if (n.event == "message.kombit_task") {
        EXPECT_NE(e.text.find("Husk <b>fristen</b> & æøå ÆØÅ"), std::string::npos) << e.text;
        EXPECT_NE(e.html.find("Husk &lt;b&gt;fristen&lt;/b&gt; &amp; æøå ÆØÅ"), std::string::npos) << e.html;
      }
    }
  }
  EXPECT_GT(mails, outbox.size() / 2);
}

TEST_F(EmailTest, ADeletedRecipientGetsNothingAndTheMailboxGetsItsOwnReason) {
  const auto [task, responsible] = assigned_task();
  Notification n;
  n.id = 2;
  n.event = "message.municipality_task";
  n.recipients = {UserId(999999)};
  n.mailbox = "projekt@kombit.dk";
  n.payload = R"({"task": )" + std::to_string(task.id.value()) + R"(, "text": "Hej"})";
  const std::vector<Email> mails = compose(n);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to.address, "projekt@kombit.dk");
  EXPECT_NE(mails[0].text.find("kontaktpostkasse"), std::string::npos) << mails[0].text;
}

TEST_F(EmailTest, ADigestGroupsItsChangesByProject) {
  const auto [task, responsible] = assigned_task();
  const TaskTemplate& tpl = data.templates[task.template_id.value() - 1];
  Notification n;
  n.id = 3;
  n.event = "deadline.digest";
  n.key = "digest/" + std::to_string(responsible.id.value()) + "/2026-03-02";
  n.recipients = {responsible.id};
  n.payload = R"({"date": "2026-03-02", "items": [{"task": )" + std::to_string(task.id.value()) + R"(, "project": )" +
              std::to_string(tpl.project.value()) +
              R"(, "colour": "red", "old_colour": null, "reached_on": "2026-03-02"}]})";
  const std::vector<Email> mails = compose(n);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].subject, "KLIK: 1 ændrede frister 2. marts 2026");
  EXPECT_NE(mails[0].text.find(tpl.title), std::string::npos) << mails[0].text;
  EXPECT_NE(mails[0].html.find("<h3>"), std::string::npos) << mails[0].html;
}

/// Fails every delivery with a DeliveryError, permanent or not.
class RefusingNotifier final : public Notifier {
 public:
  explicit RefusingNotifier(bool permanent) : permanent_(permanent) {}

 protected:
  void do_deliver(const Notification&) override { throw DeliveryError("550 no such mailbox", permanent_); }

 private:
  bool permanent_;
};

TEST_F(EmailTest, APermanentRefusalIsADeadLetterAtOnceATransientOneIsRetried) {
  const auto [task, responsible] = assigned_task();
  flows->write_message(kombit_admin().id, task.id, "Hej");
  const std::size_t entries = store->outbox().size();
  ASSERT_GT(entries, 0u);
  RefusingNotifier transient(false);
  Dispatcher retrying(*store, transient, {.batch = 100, .max_attempts = 5});
  EXPECT_EQ(retrying.run_once(clock.now()), 0u);
  EXPECT_TRUE(store->dead_letters(100).empty());
  EXPECT_EQ(store->outbox()[0].attempts, 1u);
  RefusingNotifier permanent(true);
  Dispatcher refused(*store, permanent, {.batch = 100, .max_attempts = 5});
  EXPECT_EQ(refused.run_once(Timestamp(clock.now().unix_seconds() + 7200)), 0u);
  const std::vector<Notification> dead = store->dead_letters(100);
  ASSERT_EQ(dead.size(), entries);
  EXPECT_EQ(dead[0].attempts, 2u);
  EXPECT_NE(dead[0].last_error.find("550"), std::string::npos);
}

TEST_F(EmailTest, TheSweepGivesADigestUserOneEntryForAllTheirChanges) {
  // The user told about most changes on this day chooses the digest.
  auto probe = make_memory_store(data);
  sweep_to_outbox(*probe, Date(2026, 3, 2), clock.now());
  std::map<std::uint32_t, std::size_t> told;
  for (const Notification& n : probe->outbox())
    for (UserId u : n.recipients) ++told[u.value()];
  ASSERT_FALSE(told.empty());
  const auto [who, changes] =
      *std::max_element(told.begin(), told.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  ASSERT_GE(changes, 2u);
  flows->set_daily_digest(UserId(who), UserId(who), true);
  const OutboxSweep swept = sweep_to_outbox(*store, Date(2026, 3, 2), clock.now());
  EXPECT_EQ(swept.digests, 1u);
  std::size_t digests = 0;
  for (const Notification& n : store->outbox()) {
    if (n.event == "deadline.digest") {
      ++digests;
      EXPECT_EQ(n.recipients, std::vector<UserId>{UserId(who)});
      EXPECT_EQ(nlohmann::json::parse(n.payload)["items"].size(), changes);
      const std::vector<Email> mails = compose(n);
      ASSERT_EQ(mails.size(), 1u);
      EXPECT_TRUE(mails[0].subject.starts_with("KLIK: " + std::to_string(changes) + " ændrede frister"))
          << mails[0].subject;
    } else if (n.event.starts_with("deadline.")) {
      EXPECT_EQ(std::count(n.recipients.begin(), n.recipients.end(), UserId(who)), 0);
    }
  }
  EXPECT_EQ(digests, 1u);
}

TEST(Mime, HeadersAreEncodedWordsAndBodiesQuotedPrintable) {
  Email e;
  e.from = {"klik@kombit.dk", "KOMBIT KLIK"};
  e.to = {"soren@aeroe.dk", "Søren Ærø-Åberg"};
  e.subject = "Opgaven 'Udpeg adgangsrettigheder til økonomisystemet og lønsystemet i kommunen' er blevet rød";
  e.text = "Linje ét\n" + std::string(200, 'x') + "\n.punktum\nslut =\n";
  e.html = "<p>æøå</p>";
  e.message_id = "klik.abc.u5@kombit.dk";
  e.date = Timestamp(0);
  const std::string m = to_mime(e);
  EXPECT_NE(m.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("Message-ID: <klik.abc.u5@kombit.dk>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("To: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/alternative"), std::string::npos);
  // Every line ends in CRLF and is at most 78 characters; nothing but ASCII.
  std::size_t start = 0;
  while (start < m.size()) {
    const std::size_t end = m.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "a line without CRLF at " << start;
    EXPECT_LE(end - start, 78u) << m.substr(start, end - start);
    EXPECT_EQ(m.substr(start, end - start).find('\n'), std::string::npos);
    start = end + 2;
  }
  EXPECT_TRUE(std::all_of(m.begin(), m.end(), [](char c) { return static_cast<unsigned char>(c) < 128; }));
  EXPECT_NE(m.find("=2Epunktum"), std::string::npos);  // a dot starting a line is encoded
  EXPECT_NE(m.find("slut =3D"), std::string::npos);
  EXPECT_EQ(encode_header_text("plain ascii"), "plain ascii");
  EXPECT_EQ(encode_header_text("ø"), "=?UTF-8?B?w7g=?=");
  EXPECT_EQ(encode_header_text("a\r\nBcc: x@y"), "a Bcc: x@y");  // no header injection
}

}  // namespace
}  // namespace klik
