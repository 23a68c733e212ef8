// klik.Accounts and the password functions (docs/accounts.md). A Credentials
// repr never shows a hash: it says whether there is one.
#include "bindings.hpp"
#include "casters.hpp"
#include "klik/accounts.hpp"

namespace {

using namespace klik;
using py::arg;

}  // namespace

void init_accounts(py::module_& m) {
  py::class_<Credentials>(m, "Credentials",
                          "A user's account record (read-only): password hash, reset link, failed logins. Its "
                          "repr never shows the hash.")
      .def(py::self == py::self)
      .def_readonly("user", &Credentials::user)
      .def_readonly("password_hash", &Credentials::password_hash,
                    "libsodium's argon2id string; '' when no password is set. Never the password.")
      .def_readonly("reset_token_hash", &Credentials::reset_token_hash,
                    "SHA-256 (hex) of the outstanding reset link's token; '' when none.")
      .def_readonly("reset_expires", &Credentials::reset_expires)
      .def_readonly("failed_logins", &Credentials::failed_logins)
      .def_readonly("throttled_until", &Credentials::throttled_until)
      .def_property_readonly("has_password", [](const Credentials& c) { return !c.password_hash.empty(); })
      .def("__repr__", [](const Credentials& c) {
        return "Credentials(user=" + std::to_string(c.user.value()) +
               ", has_password=" + (c.password_hash.empty() ? "False" : "True") +
               ", reset_link=" + (c.reset_token_hash.empty() ? "False" : "True") +
               ", failed_logins=" + std::to_string(c.failed_logins) + ")";
      });

  py::class_<HashParameters>(m, "HashParameters", "argon2id's cost: opslimit passes over memlimit bytes.")
      .def(py::init([](std::uint64_t opslimit, std::size_t memlimit) {
             return HashParameters{opslimit, memlimit};
           }),
           arg("opslimit") = HashParameters{}.opslimit, arg("memlimit") = HashParameters{}.memlimit)
      .def_readwrite("opslimit", &HashParameters::opslimit)
      .def_readwrite("memlimit", &HashParameters::memlimit)
      .def_static("standard", &HashParameters::standard, "klik's default: 3 passes over 64 MiB.")
      .def_static("minimum", &HashParameters::minimum, "libsodium's minimum: for tests only.")
      .def(py::self == py::self)
      .def("__repr__", [](const HashParameters& h) {
        return "HashParameters(opslimit=" + std::to_string(h.opslimit) + ", memlimit=" + std::to_string(h.memlimit) +
               ")";
      });

  py::class_<AccountPolicy>(m, "AccountPolicy", "Hashing cost, reset-link lifetime, throttling and password length.")
      .def(py::init([](const py::object& hashing, std::int64_t reset_link_seconds, std::uint32_t free_failures,
                       std::int64_t base_delay_seconds, std::int64_t max_delay_seconds, std::size_t min_length) {
             AccountPolicy p;
             if (!hashing.is_none()) p.hashing = hashing.cast<HashParameters>();
             p.reset_link_seconds = reset_link_seconds;
             p.free_failures = free_failures;
             p.base_delay_seconds = base_delay_seconds;
             p.max_delay_seconds = max_delay_seconds;
             p.min_length = min_length;
             return p;
           }),
           arg("hashing") = py::none(), arg("reset_link_seconds") = AccountPolicy{}.reset_link_seconds,
           arg("free_failures") = AccountPolicy{}.free_failures,
           arg("base_delay_seconds") = AccountPolicy{}.base_delay_seconds,
           arg("max_delay_seconds") = AccountPolicy{}.max_delay_seconds, arg("min_length") = AccountPolicy{}.min_length)
      .def_readwrite("hashing", &AccountPolicy::hashing)
      .def_readwrite("reset_link_seconds", &AccountPolicy::reset_link_seconds)
      .def_readwrite("free_failures", &AccountPolicy::free_failures)
      .def_readwrite("base_delay_seconds", &AccountPolicy::base_delay_seconds)
      .def_readwrite("max_delay_seconds", &AccountPolicy::max_delay_seconds)
      .def_readwrite("min_length", &AccountPolicy::min_length)
      .def("__repr__", [](const AccountPolicy& p) {
        return "AccountPolicy(opslimit=" + std::to_string(p.hashing.opslimit) +
               ", memlimit=" + std::to_string(p.hashing.memlimit) +
               ", reset_link_seconds=" + std::to_string(p.reset_link_seconds) +
               ", free_failures=" + std::to_string(p.free_failures) + ")";
      });

  py::class_<LoginResult>(m, "LoginResult", "How a login came out, the user on success, and when to retry.")
      .def_readonly("outcome", &LoginResult::outcome)
      .def_readonly("user", &LoginResult::user)
      .def_readonly("retry_after", &LoginResult::retry_after)
      .def(py::self == py::self)
      .def("__bool__", [](const LoginResult& r) { return r.outcome == LoginOutcome::Success; })
      .def("__repr__", [](const LoginResult& r) {
        return "LoginResult(outcome=LoginOutcome." +
               std::string(r.outcome == LoginOutcome::Success   ? "SUCCESS"
                           : r.outcome == LoginOutcome::Refused ? "REFUSED"
                                                                : "THROTTLED") +
               ", user=" + (r.user ? std::to_string(r.user->value()) : std::string("None")) + ")";
      });

  m.def("hash_password", &hash_password, arg("password"), arg("parameters") = HashParameters{}, releases_gil(),
        "An argon2id hash of the password (libsodium's string form).");
  m.def("verify_password", &verify_password, arg("hash"), arg("password"), releases_gil(),
        "Whether the password matches the hash (constant-time).");
  m.def("needs_rehash", &needs_rehash, arg("hash"), arg("parameters") = HashParameters{},
        "Whether the hash was made with other parameters (or is not argon2id).");
  m.def("password_problems", &password_problems, arg("password"), arg("email"), arg("policy") = AccountPolicy{},
        "What is wrong with the password as a new one for this email; [] when nothing.");
  m.def("is_common_password", &is_common_password, arg("password"),
        "Whether the password is on klik's list of common passwords (case-insensitive).");
  m.def("throttle_seconds", &throttle_seconds, arg("failures"), arg("policy") = AccountPolicy{},
        "The wait after that many failures in a row.");
  m.def("reset_token_hash", &reset_token_hash, arg("token"), "SHA-256 (hex) of a reset token.");

  py::class_<Accounts>(m, "Accounts",
                       "Logins, password changes and reset links over a store (docs/accounts.md). Refusals raise "
                       "klik.NotFound or klik.PermissionDenied as the workflows do.")
      .def(py::init([](std::shared_ptr<Store> store, const py::object& clock, const py::object& policy,
                       const py::object& rights, const py::object& routing) {
             const Clock& c = clock.is_none() ? system_clock() : clock.cast<const Clock&>();
             AccountPolicy p = policy.is_none() ? AccountPolicy{} : policy.cast<AccountPolicy>();
             RightsModel r = rights.is_none() ? RightsModel::default_model() : rights.cast<RightsModel>();
             NotificationRouting n =
                 routing.is_none() ? NotificationRouting::default_routing() : routing.cast<NotificationRouting>();
             py::gil_scoped_release release;  // one dummy hash
             return std::make_unique<Accounts>(*store, c, std::move(p), std::move(r), std::move(n));
           }),
           arg("store"), arg("clock") = py::none(), arg("policy") = py::none(), arg("rights") = py::none(),
           arg("routing") = py::none(), py::keep_alive<1, 2>(), py::keep_alive<1, 3>(),
           "Accounts over `store`; `clock` defaults to the system clock.")
      .def("login", &Accounts::login, arg("email"), arg("password"), releases_gil(),
           "Checks email and password; a klik.LoginResult (truthy on success).")
      .def("change_password", &Accounts::change_password, arg("actor"), arg("old_password"), arg("new_password"),
           releases_gil(), "The actor changes their own password; the old one is required.")
      .def("send_reset_link", &Accounts::send_reset_link, arg("actor"), arg("target"), releases_gil(),
           "Sends the target a link to set their password (Administrators, Plusbrugere within their rights).")
      .def("set_password_with_token", &Accounts::set_password_with_token, arg("user"), arg("token"),
           arg("new_password"), releases_gil(), "Sets the password with the token of the user's latest reset link.");
}
