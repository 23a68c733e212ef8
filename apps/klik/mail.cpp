#include "mail.hpp"

#include <fstream>
#include <sstream>

namespace klik_app {

void add_mail_options(CLI::App& cmd, MailOptions& o) {
  cmd.add_option("--smtp", o.smtp, "deliver as e-mail to this SMTP server: smtp://host:port or smtps://host:port");
  cmd.add_option("--smtp-username", o.username,
                 "SMTP AUTH user (or KLIK_SMTP_USERNAME); the password is read from KLIK_SMTP_PASSWORD only");
  cmd.add_option("--starttls", o.starttls,
                 "STARTTLS on smtp://: never, if_offered or required (default: KLIK_SMTP_STARTTLS, else if_offered)")
      ->check(CLI::IsMember({"never", "if_offered", "required"}));
  cmd.add_flag("--smtp-insecure", o.insecure, "do not verify the SMTP server's certificate (test servers only)");
  cmd.add_option("--mail-from", o.from, "the From address of every mail")->capture_default_str();
  cmd.add_option("--mail-from-name", o.from_name, "the From display name")->capture_default_str();
  cmd.add_option("--portal-url", o.portal_url, "the portal's address: links in mails point there")
      ->capture_default_str();
  cmd.add_option("--mail-templates", o.templates, "a JSON file of mail templates (docs/email.md); default: klik's");
  cmd.add_option("--batch", o.batch, "entries per round")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
  cmd.add_option("--max-attempts", o.max_attempts, "failed deliveries before an entry is a dead letter (0: never)")
      ->capture_default_str();
  cmd.add_option("--first-retry", o.first_retry_seconds, "seconds before the first retry (doubling after)")
      ->check(CLI::Range(0L, 86400L))
      ->capture_default_str();
  cmd.add_option("--max-retry", o.max_retry_seconds, "the longest wait between retries, in seconds")
      ->check(CLI::Range(1L, 7L * 86400L))
      ->capture_default_str();
  cmd.add_option("--interval-ms", o.interval_ms, "how often a running dispatcher looks for due entries")
      ->check(CLI::Range(10, 3600000))
      ->capture_default_str();
}

std::unique_ptr<klik::SmtpNotifier> make_smtp_notifier(const klik::Store& store, const MailOptions& o) {
  // The environment fills what the command line leaves out; the password comes only from there.
  klik::SmtpSettings smtp = klik::SmtpSettings::from_environment();
  if (!o.smtp.empty()) smtp.url = o.smtp;
  if (!o.username.empty()) smtp.username = o.username;
  if (!o.starttls.empty()) smtp.starttls = klik::SmtpSettings::parse_starttls(o.starttls, "--starttls");
  smtp.verify_peer = !o.insecure;
  klik::MailSettings mail;
  mail.from = {o.from, o.from_name};
  mail.portal_url = o.portal_url;
  if (o.templates.empty()) return std::make_unique<klik::SmtpNotifier>(store, smtp, mail);
  std::ifstream in(o.templates, std::ios::binary);
  if (!in) throw klik::InvalidArgumentError("cannot read the mail templates file " + o.templates, "--mail-templates");
  std::ostringstream text;
  text << in.rdbuf();
  return std::make_unique<klik::SmtpNotifier>(store, smtp, mail, klik::MailTemplates::from_json(text.str()));
}

klik::Dispatcher::Options dispatcher_options(const MailOptions& o) {
  klik::Dispatcher::Options d;
  d.batch = o.batch;
  d.first_retry = std::chrono::seconds(o.first_retry_seconds);
  d.max_retry = std::chrono::seconds(o.max_retry_seconds);
  d.max_attempts = o.max_attempts;
  return d;
}

}  // namespace klik_app
