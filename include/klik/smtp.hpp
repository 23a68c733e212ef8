#pragma once
/// @file smtp.hpp
/// @brief Delivering notifications as e-mail over SMTP (through libcurl):
/// `smtp://` with optional or required STARTTLS, `smtps://`, authentication.
///
/// SmtpNotifier is a Notifier (notifier.hpp): the Dispatcher hands it each due
/// outbox entry; it composes the entry's mails over a snapshot of the store
/// (email.hpp: one per recipient, Danish, templates as data), releases the
/// snapshot, and sends them one SMTP transaction each over a connection it
/// keeps open between entries. A failure throws DeliveryError: transient (a
/// 4xx reply, a refused or broken connection, a timeout) or permanent (a 5xx
/// reply: the server will never take that mail), and the Dispatcher retries the
/// first with back-off and gives the second up at once (a dead letter).
///
/// A mail already accepted by the server is not sent again by the same
/// notifier when its entry is retried (it remembers the Message-IDs it sent
/// for the last 100,000 mails); after a restart, a mail sent before a crash
/// may be sent once more, with the same Message-ID (email_message_id()).
///
/// Credentials come from SmtpSettings or the environment
/// (SmtpSettings::from_environment); they are never part of an error message,
/// a log line or the URL klik quotes.
///
/// Thread-safety: deliver() may be called from several threads; sends are
/// serialised on the one connection.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "klik/email.hpp"
#include "klik/error.hpp"
#include "klik/notifier.hpp"

namespace klik {

class Store;

/// How to reach the SMTP server.
struct SmtpSettings {
  /// When to use TLS on an `smtp://` URL (an `smtps://` URL is TLS from the start).
  enum class StartTls : std::uint8_t {
    Never,  ///< plain SMTP (a server on loopback, tests)
    IfOffered,  ///< STARTTLS when the server offers it
    Required,  ///< refuse to send without STARTTLS
  };
  /// `smtp://host[:port]` or `smtps://host[:port]`; no credentials in it.
  std::string url = "smtp://localhost:25";
  std::string username;  ///< empty: no authentication
  std::string password;
  StartTls starttls = StartTls::IfOffered;
  bool verify_peer = true;  ///< check the server's certificate and name (TLS)
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds timeout{60};  ///< for one whole mail

  /// "never", "if_offered" or "required"; InvalidArgumentError naming `field` otherwise.
  static StartTls parse_starttls(std::string_view text, std::string_view field = "starttls");

  /// Settings from KLIK_SMTP_URL, KLIK_SMTP_USERNAME, KLIK_SMTP_PASSWORD and
  /// KLIK_SMTP_STARTTLS ("never", "if_offered", "required"), over `base`.
  static SmtpSettings from_environment(SmtpSettings base);
  static SmtpSettings from_environment() { return from_environment(SmtpSettings{}); }
};

/// The URL as it may be shown: scheme, host and port, never credentials.
std::string describe_smtp_url(const std::string& url);

/// Sends each notification as e-mail; see the file comment.
class SmtpNotifier final : public Notifier {
 public:
  /// Throws InvalidArgumentError for a URL that is not smtp:// or smtps:// or
  /// that carries credentials.
  SmtpNotifier(const Store& store, SmtpSettings smtp, MailSettings mail,
               MailTemplates templates = MailTemplates::default_templates());
  ~SmtpNotifier() override;

  /// Ends the connection to the server (QUIT), if one is open; the next mail opens a new one.
  void close();

  /// The server as it may be shown (describe_smtp_url: no credentials).
  [[nodiscard]] std::string server() const;

  /// Mails accepted by the server so far.
  [[nodiscard]] std::uint64_t sent() const noexcept;
  [[nodiscard]] const MailSettings& mail_settings() const noexcept;

  struct State;

 protected:
  void do_deliver(const Notification& n) override;

 private:
  const Store* store_;
  std::unique_ptr<State> state_;
};

}  // namespace klik
