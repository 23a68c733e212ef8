// Delivering the outbox from Python: klik.MailTemplates, klik.compose_emails, the
// notifiers (klik.SmtpNotifier, klik.JsonLinesNotifier, klik.MemoryNotifier) and
// klik.Dispatcher (docs/email.md). Every call that reads or writes the store, or
// talks to an SMTP server, runs without the GIL; no notifier calls back into Python.
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/email.hpp"
#include "klik/notifier.hpp"
#include "klik/smtp.hpp"
#include "klik/store.hpp"

namespace {

using namespace klik;
using py::arg;
using StorePtr = std::shared_ptr<Store>;

Timestamp now_or_real(const std::optional<Timestamp>& now) { return now ? *now : system_clock().now(); }

py::dict email_dict(const Email& e) {
  py::dict d;
  d["from_address"] = e.from.address;
  d["from_name"] = e.from.name;
  d["to_address"] = e.to.address;
  d["to_name"] = e.to.name;
  d["subject"] = e.subject;
  d["text"] = e.text;
  d["html"] = e.html;
  d["message_id"] = e.message_id;
  d["event"] = e.event;
  d["outbox_id"] = e.outbox_id;
  d["mime"] = py::bytes(to_mime(e));
  return d;
}

MailSettings mail_settings(const std::string& sender, const std::string& sender_name, const std::string& portal_url,
                           const std::string& message_id_domain) {
  MailSettings s;
  s.from = {sender, sender_name};
  s.portal_url = portal_url;
  s.message_id_domain = message_id_domain;
  return s;
}

/// Deletes a notifier without the GIL: an SMTP notifier's destructor says QUIT to its
/// server and waits for the reply, which a server in this same interpreter (a test's)
/// can only give while the GIL is free.
template <class T>
struct ReleasingDelete {
  void operator()(T* p) const {
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      delete p;
    } else {
      delete p;
    }
  }
};

}  // namespace

void init_email(py::module_& m) {
  py::class_<MailTemplates>(m, "MailTemplates",
                            "The e-mail templates, one per notification event, as data (docs/email.md). "
                            "MailTemplates.default() is klik's Danish set; from_json() loads KOMBIT's own, "
                            "checked at load.")
      .def_static(
          "default", [] { return MailTemplates::default_templates(); }, "klik's Danish templates.")
      .def_static("from_json", &MailTemplates::from_json, arg("text"),
                  "Loads templates from JSON; raises klik.ValidationError naming the template and the "
                  "placeholder that is wrong.")
      .def_static("events", &MailTemplates::events, "Every event that has a template.")
      .def_static("placeholders", &MailTemplates::placeholders, arg("event"),
                  "The placeholders the template of `event` may use, sorted.")
      .def_property_readonly("name", &MailTemplates::name)
      .def("__repr__", [](const MailTemplates& t) { return "<klik.MailTemplates " + t.name() + ">"; });

  m.def(
      "compose_emails",
      [](const StorePtr& store, std::uint64_t outbox_id, const std::string& sender, const std::string& sender_name,
         const std::string& portal_url, const std::optional<MailTemplates>& templates) {
        const MailSettings settings = mail_settings(sender, sender_name, portal_url, "");
        const MailTemplates& t = templates ? *templates : MailTemplates::default_templates();
        const std::vector<Email> mails = without_gil([&] {
          const std::vector<Notification> all = store->outbox();
          const auto it =
              std::find_if(all.begin(), all.end(), [&](const Notification& n) { return n.id == outbox_id; });
          if (it == all.end()) throw NotFoundError("outbox entry " + std::to_string(outbox_id) + " not found");
          const Snapshot snap = store->snapshot();
          return compose_emails(snap.world(), *it, t, settings);
        });
        py::list out;
        for (const Email& e : mails) out.append(email_dict(e));
        return out;
      },
      arg("store"), arg("outbox_id"), py::kw_only(), arg("sender") = "klik@localhost",
      arg("sender_name") = "KOMBIT KLIK", arg("portal_url") = "http://localhost:8080", arg("templates") = py::none(),
      "The e-mails of one outbox entry, as an SmtpNotifier would send them: dicts with the addresses, "
      "subject, text, html, message_id and the whole message as `mime` (bytes).");

  py::class_<Notifier>(m, "Notifier", "Where the Dispatcher delivers notifications (docs/email.md).")
      .def("__repr__", [](const Notifier&) { return std::string("<klik.Notifier>"); });

  py::class_<MemoryNotifier, Notifier>(m, "MemoryNotifier",
                                       "Keeps delivered notifications in memory (tests, notebooks).")
      .def(py::init<>())
      .def_property_readonly(
          "delivered", [](const MemoryNotifier& n) { return notification_dicts(n.delivered()); },
          "Every notification delivered so far, in delivery order, as the dicts of Store.outbox().")
      .def("fail_next", &MemoryNotifier::fail_next, arg("n"), "Makes the next `n` deliveries fail.")
      .def("__repr__", [](const MemoryNotifier& n) {
        return "<klik.MemoryNotifier delivered=" + std::to_string(n.delivered().size()) + ">";
      });

  py::class_<JsonLinesNotifier, Notifier>(m, "JsonLinesNotifier",
                                          "Appends each notification as one JSON line to a file.")
      .def(py::init([](const py::object& path) { return std::make_unique<JsonLinesNotifier>(path_of(path)); }),
           arg("path"))
      .def_property_readonly("path", &JsonLinesNotifier::path)
      .def("__repr__", [](const JsonLinesNotifier& n) { return "<klik.JsonLinesNotifier " + n.path() + ">"; });

  py::class_<SmtpNotifier, Notifier, std::unique_ptr<SmtpNotifier, ReleasingDelete<SmtpNotifier>>>(
      m, "SmtpNotifier",
      "Sends each notification as Danish e-mail over SMTP (docs/email.md): smtp:// (STARTTLS as `starttls` says) "
      "or smtps://. `username` and `password` default to KLIK_SMTP_USERNAME and KLIK_SMTP_PASSWORD; they never "
      "appear in an error.")
      .def(py::init([](const StorePtr& store, const std::string& url, const std::string& sender,
                       const std::string& sender_name, const std::string& portal_url,
                       const std::optional<std::string>& username, const std::optional<std::string>& password,
                       const std::string& starttls, bool verify_peer, double timeout,
                       const std::optional<MailTemplates>& templates) {
             SmtpSettings smtp = SmtpSettings::from_environment();
             smtp.url = url;
             if (username) smtp.username = *username;
             if (password) smtp.password = *password;
             smtp.starttls = SmtpSettings::parse_starttls(starttls);
             smtp.verify_peer = verify_peer;
             KLIK_REQUIRE(timeout > 0 && timeout <= 3600, "timeout must be 0-3600 seconds");
             smtp.timeout = std::chrono::seconds(static_cast<long>(timeout + 0.999));
             smtp.connect_timeout = std::min(smtp.connect_timeout, smtp.timeout);
             return std::unique_ptr<SmtpNotifier, ReleasingDelete<SmtpNotifier>>(
                 new SmtpNotifier(*store, smtp, mail_settings(sender, sender_name, portal_url, ""),
                                  templates ? *templates : MailTemplates::default_templates()));
           }),
           arg("store"), arg("url"), py::kw_only(), arg("sender") = "klik@localhost",
           arg("sender_name") = "KOMBIT KLIK", arg("portal_url") = "http://localhost:8080",
           arg("username") = py::none(), arg("password") = py::none(), arg("starttls") = "if_offered",
           arg("verify_peer") = true, arg("timeout") = 60.0, arg("templates") = py::none(), py::keep_alive<1, 2>())
      .def_property_readonly("sent", &SmtpNotifier::sent, "Mails the server has accepted so far.")
      .def("__repr__",
           [](const SmtpNotifier& n) {
             return "<klik.SmtpNotifier " + n.server() + " sent=" + std::to_string(n.sent()) + ">";
           })
      .def("close", &SmtpNotifier::close, releases_gil(),
           "Ends the connection to the server (the next mail opens a new one).")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](SmtpNotifier& n, const py::args&) {
            py::gil_scoped_release r;
            n.close();
          },
          "Closes the connection.");

  py::class_<Dispatcher>(m, "Dispatcher",
                         "Hands the outbox's due entries to a notifier and marks them delivered; failures are "
                         "retried with back-off, and after `max_attempts` failures (0: never) or one that "
                         "retrying cannot mend (an SMTP 5xx) the entry is a dead letter (store.dead_letters()). "
                         "Use it from one thread at a time (docs/email.md).")
      .def(py::init([](const StorePtr& store, Notifier& notifier, std::size_t batch, double first_retry,
                       double max_retry, std::uint32_t max_attempts) {
             KLIK_REQUIRE(batch >= 1 && batch <= 100000, "batch must be 1-100000");
             KLIK_REQUIRE(first_retry >= 0 && max_retry >= 1 && first_retry <= max_retry,
                          "retry delays must satisfy 0 <= first_retry <= max_retry, max_retry >= 1");
             Dispatcher::Options o;
             o.batch = batch;
             o.first_retry = std::chrono::seconds(static_cast<long>(first_retry));
             o.max_retry = std::chrono::seconds(static_cast<long>(max_retry));
             o.max_attempts = max_attempts;
             return std::make_unique<Dispatcher>(*store, notifier, o);
           }),
           arg("store"), arg("notifier"), py::kw_only(), arg("batch") = 500, arg("first_retry") = 30.0,
           arg("max_retry") = 3600.0, arg("max_attempts") = 10, py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def(
          "run_once",
          [](Dispatcher& d, const std::optional<Timestamp>& now) {
            const Timestamp t = now_or_real(now);
            return without_gil([&] { return d.run_once(t); });
          },
          arg("now") = py::none(),
          "Delivers the entries due at `now` (default: the real time), up to `batch`; returns how many.")
      .def(
          "drain",
          [](Dispatcher& d, const std::optional<Timestamp>& now) {
            const Timestamp t = now_or_real(now);
            return without_gil([&] { return d.drain(t); });
          },
          arg("now") = py::none(), "Runs until nothing is due at `now`; returns how many were delivered.")
      .def(
          "backoff", [](const Dispatcher& d, std::uint32_t attempts) { return d.backoff(attempts).count(); },
          arg("attempts"), "The retry delay in seconds after `attempts` failures.")
      .def("__repr__", [](const Dispatcher& d) {
        return "<klik.Dispatcher backoff=" + std::to_string(d.backoff(1).count()) + "s..." +
               std::to_string(d.backoff(64).count()) + "s>";
      });
}
