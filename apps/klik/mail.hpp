#pragma once
// The e-mail side of `klik dispatch` and `klik serve` (docs/email.md): the options
// that configure SMTP delivery and the dispatcher, and the notifier they make.
#include <CLI/CLI.hpp>
#include <klik/klik.hpp>
#include <memory>
#include <string>

namespace klik_app {

struct MailOptions {
  std::string smtp;  ///< smtp://host:port or smtps://host:port; empty: no e-mail
  std::string username;  ///< SMTP AUTH user (or KLIK_SMTP_USERNAME); the password only from KLIK_SMTP_PASSWORD
  std::string starttls;  ///< never, if_offered, required; empty: KLIK_SMTP_STARTTLS or if_offered
  bool insecure = false;  ///< do not verify the server's certificate (a test server)
  std::string from = "klik@localhost";
  std::string from_name = "KOMBIT KLIK";
  std::string portal_url = "http://localhost:8080";  ///< links in mails point here
  std::string templates;  ///< a JSON file of mail templates; empty: klik's Danish ones
  std::size_t batch = 500;  ///< entries per round
  unsigned max_attempts = 10;  ///< failed deliveries before an entry is a dead letter (0: never)
  long first_retry_seconds = 30;
  long max_retry_seconds = 3600;
  int interval_ms = 1000;  ///< how often a running dispatcher looks for due entries
};

/// Adds the SMTP and dispatcher options to a subcommand (dispatch and serve use the same names).
void add_mail_options(CLI::App& cmd, MailOptions& o);

/// The SMTP notifier the options describe (InvalidArgumentError for a bad URL or templates file).
std::unique_ptr<klik::SmtpNotifier> make_smtp_notifier(const klik::Store& store, const MailOptions& o);

/// The dispatcher's batch, back-off and attempts.
klik::Dispatcher::Options dispatcher_options(const MailOptions& o);

}  // namespace klik_app
