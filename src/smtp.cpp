// SMTP delivery through libcurl's easy interface, one handle per notifier so
// the connection is reused between mails (as curl's smtp-multi example does).

#include "klik/smtp.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_set>
#include <utility>
#include <vector>

#include "klik/store.hpp"
#include "klik/text.hpp"

namespace klik {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw StorageError("libcurl could not be initialised");
  });
}

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::move(fallback);
}

struct Upload {
  std::string_view data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, u->data.size() - u->at);
  std::memcpy(buffer, u->data.data() + u->at, n);
  u->at += n;
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

}  // namespace

SmtpSettings::StartTls SmtpSettings::parse_starttls(std::string_view text, std::string_view field) {
  if (text == "never") return StartTls::Never;
  if (text == "if_offered") return StartTls::IfOffered;
  if (text == "required") return StartTls::Required;
  throw InvalidArgumentError(std::string(field) + " must be never, if_offered or required, not " + excerpt(text, 20),
                             std::string(field));
}

SmtpSettings SmtpSettings::from_environment(SmtpSettings base) {
  base.url = env_or("KLIK_SMTP_URL", std::move(base.url));
  base.username = env_or("KLIK_SMTP_USERNAME", std::move(base.username));
  base.password = env_or("KLIK_SMTP_PASSWORD", std::move(base.password));
  if (const char* tls = std::getenv("KLIK_SMTP_STARTTLS")) base.starttls = parse_starttls(tls, "KLIK_SMTP_STARTTLS");
  return base;
}

std::string describe_smtp_url(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return excerpt(url, 40);
  std::string rest = url.substr(scheme + 3);
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (const std::size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  return excerpt(url.substr(0, scheme + 3) + authority, 80);
}

struct SmtpNotifier::State {
  State(SmtpSettings s, MailSettings m, MailTemplates t)
      : smtp(std::move(s)), mail(std::move(m)), templates(std::move(t)) {}
  SmtpSettings smtp;
  MailSettings mail;
  MailTemplates templates;
  std::string shown_url;
  std::mutex mutex;
  CURL* curl = nullptr;
  std::uint64_t sent = 0;
  // The Message-IDs of the last mails accepted: a retried entry skips them.
  std::unordered_set<std::string> recent;
  std::deque<std::string> recent_order;
  static constexpr std::size_t recent_limit = 100'000;

  void remember(const std::string& id) {
    if (!recent.insert(id).second) return;
    recent_order.push_back(id);
    if (recent_order.size() > recent_limit) {
      recent.erase(recent_order.front());
      recent_order.pop_front();
    }
  }

  void send(const Email& e) {
    const std::string mime = to_mime(e);
    Upload upload{mime};
    std::unique_ptr<curl_slist, SlistDeleter> rcpt(curl_slist_append(nullptr, ("<" + e.to.address + ">").c_str()));
    if (!rcpt) throw DeliveryError("out of memory preparing a mail", false);
    const std::string from = "<" + e.from.address + ">";
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    if (rc == CURLE_OK) {
      ++sent;
      return;
    }
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    const std::string detail = error[0] ? excerpt(error, 160) : curl_easy_strerror(rc);
    const bool permanent = reply >= 500 && reply < 600;
    throw DeliveryError("SMTP " + shown_url + ": mail to " + excerpt(e.to.address, 80) + " not sent" +
                            (reply ? " (reply " + std::to_string(reply) + ")" : std::string()) + ": " + detail,
                        permanent);
  }
};

SmtpNotifier::SmtpNotifier(const Store& store, SmtpSettings smtp, MailSettings mail, MailTemplates templates)
    : store_(&store), state_(std::make_unique<State>(std::move(smtp), std::move(mail), std::move(templates))) {
  State& s = *state_;
  const std::string& url = s.smtp.url;
  const bool tls = url.starts_with("smtps://");
  if (!tls && !url.starts_with("smtp://"))
    throw InvalidArgumentError("the SMTP URL must start with smtp:// or smtps://, not '" + describe_smtp_url(url) + "'",
                               "smtp.url");
  const std::string authority = url.substr(url.find("://") + 3);
  if (authority.substr(0, authority.find('/')).find('@') != std::string::npos)
    throw InvalidArgumentError("the SMTP URL must not carry credentials: give them as username and password",
                               "smtp.url");
  s.shown_url = describe_smtp_url(url);
  global_init();
  s.curl = curl_easy_init();
  if (!s.curl) throw StorageError("libcurl could not make a handle for SMTP");
  CURL* c = s.curl;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(s.smtp.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(s.smtp.timeout.count()));
  if (!tls) {
    const long use = s.smtp.starttls == SmtpSettings::StartTls::Never      ? CURLUSESSL_NONE
                     : s.smtp.starttls == SmtpSettings::StartTls::Required ? CURLUSESSL_ALL
                                                                           : CURLUSESSL_TRY;
    curl_easy_setopt(c, CURLOPT_USE_SSL, use);
  }
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, s.smtp.verify_peer ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, s.smtp.verify_peer ? 2L : 0L);
  if (!s.smtp.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, s.smtp.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, s.smtp.password.c_str());
  }
}

SmtpNotifier::~SmtpNotifier() {
  if (state_ && state_->curl) curl_easy_cleanup(state_->curl);
}

void SmtpNotifier::close() {
  std::lock_guard lock(state_->mutex);
  // A reset handle keeps no connection; set it up again as the constructor did.
  CURL* fresh = curl_easy_duphandle(state_->curl);
  if (!fresh) throw StorageError("libcurl could not make a handle for SMTP");
  curl_easy_cleanup(state_->curl);  // sends QUIT on the open connection
  state_->curl = fresh;
}

std::uint64_t SmtpNotifier::sent() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->sent;
}

const MailSettings& SmtpNotifier::mail_settings() const noexcept { return state_->mail; }

std::string SmtpNotifier::server() const { return state_->shown_url; }

void SmtpNotifier::do_deliver(const Notification& n) {
  std::vector<Email> mails;
  {
    const Snapshot snap = store_->snapshot();  // released before any network I/O
    mails = compose_emails(snap.world(), n, state_->templates, state_->mail);
  }
  std::lock_guard lock(state_->mutex);
  // A transient failure ends the entry's attempt (it is retried whole; mails already
  // accepted are skipped then). A permanent one for one recipient does not keep the
  // others from theirs: the entry fails permanently once they have been tried.
  std::string refused;
  for (const Email& e : mails) {
    if (state_->recent.contains(e.message_id)) continue;  // accepted on an earlier attempt of this entry
    try {
      state_->send(e);
    } catch (const DeliveryError& error) {
      if (!error.permanent()) throw;
      if (!refused.empty()) refused += "; ";
      refused += error.what();
      continue;
    }
    state_->remember(e.message_id);
  }
  if (!refused.empty()) throw DeliveryError(refused, true);
}

}  // namespace klik
