#pragma once
/// @file email.hpp
/// @brief Notifications as Danish e-mail: templates as data, the mails of one
/// outbox entry composed over a World, and the message in MIME form.
///
/// An outbox entry (notification.hpp) names its recipients by user id and its
/// object by ids in the payload. compose_emails() turns it into one Email per
/// recipient who still exists (and one to the entry's functional mailbox):
/// subject, a plain-text and an HTML part from the event's template, a link to
/// the object in the portal, and the reason this recipient gets it (the
/// manual's Tabel 3 and Tabel 4 as routed: responsible, performer, the user
/// type on the project, Administrator, the project's contact mailbox).
///
/// The templates are data (MailTemplates): klik's Danish ones are compiled in
/// from `src/data/mail_templates.json`; KOMBIT may load its own with
/// MailTemplates::from_json(), which checks every template at load and names
/// the template and placeholder that is wrong. Values put into the HTML part
/// are escaped; the templates themselves are trusted text.
///
/// to_mime() writes the message as RFC 5322 text: multipart/alternative, both
/// parts UTF-8 in quoted-printable, headers with non-ASCII text as RFC 2047
/// encoded words, CRLF line ends. The Message-ID is derived from the outbox
/// entry's key and the recipient (email_message_id()), so a redelivery after a
/// crash carries the same Message-ID as the first delivery.
///
/// The daily digest: a user with User::daily_digest gets the day's deadline
/// changes (deadline.yellow, deadline.red) as one "deadline.digest" entry per
/// sweep, grouped by project, instead of one entry per change (the sweep
/// writes it: workflows_sweep.hpp). See docs/email.md.
///
/// Thread-safety: MailTemplates is an immutable value; compose_emails and
/// to_mime are pure functions of their arguments (the World must be held
/// alive by a Snapshot while composing).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klik/date.hpp"
#include "klik/notification.hpp"

namespace klik {

class World;

/// An e-mail address with an optional display name.
struct MailAddress {
  std::string address;  ///< "klik@kombit.dk"
  std::string name;  ///< "KOMBIT KLIK"; may be empty
  friend bool operator==(const MailAddress&, const MailAddress&) = default;
};

/// One composed e-mail.
struct Email {
  MailAddress from;
  MailAddress to;
  std::string subject;  ///< one line, UTF-8
  std::string text;  ///< the plain-text part, UTF-8, '\n' line ends
  std::string html;  ///< the HTML part, UTF-8
  std::string message_id;  ///< without angle brackets: "klik.1f3a...u17@kombit.dk"
  Timestamp date;  ///< the Date header (the entry's creation)
  std::string event;  ///< the outbox entry's event (the X-KLIK-Event header)
  std::uint64_t outbox_id = 0;  ///< the outbox entry it was composed from
  friend bool operator==(const Email&, const Email&) = default;
};

/// How mails are addressed and linked.
struct MailSettings {
  MailAddress from{"klik@localhost", "KOMBIT KLIK"};  ///< the From of every mail
  /// The portal's address; a notification's link ("/tasks/28") is appended to it.
  std::string portal_url = "http://localhost:8080";
  /// The right-hand side of Message-IDs; empty: the domain of `from`.
  std::string message_id_domain;
};

/// The e-mail templates: one per event (NotificationEvent codes and
/// "deadline.digest"), the layout around them and the reasons. See the file
/// comment and docs/email.md for the placeholders each template may use.
class MailTemplates {
 public:
  /// klik's Danish templates, compiled into the library.
  static const MailTemplates& default_templates();
  /// Loads and checks templates: every event needs subject, text and html;
  /// every placeholder must be one its event offers. Throws
  /// InvalidArgumentError naming the template (e.g. "deadline.red.subject")
  /// and the placeholder or JSON path that is wrong.
  static MailTemplates from_json(std::string_view text);

  /// The templates' name as given in their JSON.
  [[nodiscard]] const std::string& name() const noexcept;
  /// The placeholders the template of `event` may use, sorted (empty for an unknown event).
  [[nodiscard]] static std::vector<std::string> placeholders(std::string_view event);
  /// Every event that has a template: the notification events and "deadline.digest".
  [[nodiscard]] static std::vector<std::string> events();

  struct Compiled;
  [[nodiscard]] const Compiled& compiled() const noexcept { return *compiled_; }

 private:
  MailTemplates() = default;
  std::shared_ptr<const Compiled> compiled_;
};

/// The Message-ID (without angle brackets) of the mail of outbox entry `n` to
/// `recipient` (0: its functional mailbox): the same for every delivery of the
/// entry. Built from the entry's key (its id when the key is empty).
std::string email_message_id(const Notification& n, std::uint64_t recipient, const MailSettings& settings);

/// The mails of one outbox entry, one per recipient who still exists (in
/// recipient order), then one to its mailbox if it has one. An event without
/// a template (not one klik produces) gets the generic one.
std::vector<Email> compose_emails(const World& world, const Notification& n, const MailTemplates& templates,
                                  const MailSettings& settings);

/// The message as RFC 5322 text with CRLF line ends (see the file comment).
std::string to_mime(const Email& email);

/// `text` as RFC 2047 encoded words where it is not printable ASCII (a header
/// value; `first_line_used` is how many characters of the first line the header
/// name took), folded to lines of at most 76 characters.
std::string encode_header_text(std::string_view text, std::size_t first_line_used = 0);

}  // namespace klik
