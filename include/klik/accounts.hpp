#pragma once
/// @file accounts.hpp
/// @brief Passwords and logins (docs/accounts.md): argon2id hashes through
/// libsodium, single-use reset links, login verification with per-account
/// throttling, and the password policy.
///
/// A user's password state lives in their Credentials record (model.hpp),
/// kept apart from User and written through the store (Store::credentials,
/// Store::update_credentials) atomically with its notifications. Nothing here
/// keeps a password: it is hashed (argon2id, crypto_pwhash_str) and forgotten.
/// A reset link's token is 256 random bits, stored only as its SHA-256; the
/// plain token travels only in the notification to the user.
///
/// The Accounts class is the layer a portal calls: login, change one's own
/// password, send a reset link (Administrators and Plusbrugere, within their
/// rights: user_admin.hpp validate_reset_password), and set a password with a
/// link. Administrators never see or set a password.
///
/// Thread-safety: the free functions are safe from any thread. An Accounts
/// object holds references to its store and clock and may be used from several
/// threads (the store serialises writes; the unknown-address throttle has its
/// own lock). Password hashing runs outside the store's locks.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/deadline.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
#include "klik/store.hpp"

namespace klik {

/// argon2id's cost: passes over memory (opslimit) and memory in bytes
/// (memlimit). Stored inside every hash, so raising them later re-hashes each
/// password at its owner's next successful login (needs_rehash).
struct HashParameters {
  std::uint64_t opslimit = 3;  ///< crypto_pwhash_OPSLIMIT_MODERATE
  std::size_t memlimit = std::size_t{64} << 20;  ///< crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB)
  /// klik's default: 3 passes over 64 MiB (about 0.2 s on one core; docs/accounts.md says why).
  static HashParameters standard() noexcept { return {}; }
  /// libsodium's minimum (1 pass, 8 KiB): for tests only, never for real passwords.
  static HashParameters minimum() noexcept;
  friend bool operator==(const HashParameters&, const HashParameters&) = default;
};

/// Everything Accounts can be tuned by, with the defaults docs/accounts.md explains.
struct AccountPolicy {
  HashParameters hashing = HashParameters::standard();
  /// How long a reset link works (24 hours).
  std::int64_t reset_link_seconds = 24 * 3600;
  /// Failed attempts in a row that cost nothing; from the next one on, each
  /// failure makes the account wait (throttle_seconds).
  std::uint32_t free_failures = 5;
  /// The first wait; each further failure doubles it...
  std::int64_t base_delay_seconds = 1;
  /// ... up to this cap (15 minutes), so nobody is ever locked out for longer.
  std::int64_t max_delay_seconds = 15 * 60;
  /// A password's minimum length in characters (Unicode code points).
  std::size_t min_length = 12;
  /// A password's maximum length in bytes (hashing input is bounded).
  std::size_t max_bytes = 1024;
};

/// The wait after the `failures`-th failure in a row: 0 while failures <=
/// free_failures, then base * 2^(failures - free_failures - 1), capped at
/// max_delay_seconds. With the defaults: failures 1-5 free, then 1 s, 2 s,
/// 4 s, ... 512 s, and 900 s from the 16th failure on.
std::int64_t throttle_seconds(std::uint32_t failures, const AccountPolicy& policy = {}) noexcept;

/// An argon2id hash of `password` (libsodium's string form, salt and
/// parameters included). Throws InvalidArgumentError when the password is longer
/// than 1 MiB, and Error(Internal) when libsodium cannot allocate the memory.
std::string hash_password(std::string_view password, const HashParameters& parameters = {});
/// Whether `password` matches `hash` (libsodium's verification: constant-time
/// comparison). False for an empty or malformed hash.
bool verify_password(std::string_view hash, std::string_view password) noexcept;
/// Whether `hash` was made with other parameters than `parameters` (or is not
/// an argon2id hash at all): then it should be replaced at the next login.
bool needs_rehash(std::string_view hash, const HashParameters& parameters = {}) noexcept;

/// What is wrong with `password` as a new password for the user with `email`:
/// shorter than min_length characters, longer than max_bytes, not UTF-8,
/// containing the email's local part (when it has 3 characters or more;
/// case-insensitive), or a common password (is_common_password). Empty: fine.
std::vector<std::string> password_problems(std::string_view password, std::string_view email,
                                           const AccountPolicy& policy = {});
/// Throws InvalidArgumentError("password") listing password_problems, if any.
void require_good_password(std::string_view password, std::string_view email, const AccountPolicy& policy = {});
/// Whether `password`, lower-cased, is in the list shipped with klik
/// (src/data/common_passwords.txt), or is one of its words followed only by
/// digits and punctuation ("Sommer2024!").
bool is_common_password(std::string_view password);

/// A fresh reset token: 32 random bytes (randombytes_buf) as 43 characters of
/// unpadded URL-safe base64, with the hash that is stored instead.
struct ResetToken {
  std::string token;  ///< goes only into the notification's link
  std::string hash;  ///< reset_token_hash(token): what Credentials keeps
};
ResetToken new_reset_token();
/// SHA-256 of `token`, 64 lower-case hex digits.
std::string reset_token_hash(std::string_view token);
/// The link a reset notification carries: "/password-reset?user=<id>&token=<token>".
std::string reset_link(UserId user, std::string_view token);

/// How a login attempt came out. Refused is the one answer for an unknown
/// email, a user without a password and a wrong password.
enum class LoginOutcome : std::uint8_t {
  Success = 0,
  Refused = 1,  ///< wrong email or password (which one is never said)
  Throttled = 2,  ///< too many failures: not checked at all until retry_after
};
/// "success", "refused", "throttled".
std::string_view code(LoginOutcome outcome) noexcept;

struct LoginResult {
  LoginOutcome outcome = LoginOutcome::Refused;
  std::optional<UserId> user;  ///< set only on Success
  /// Refused or Throttled: the earliest instant the next attempt is checked
  /// (the epoch when it may come at once).
  Timestamp retry_after;
  friend bool operator==(const LoginResult&, const LoginResult&) = default;
};

/// Logins and password changes over a store. See the file comment.
class Accounts {
 public:
  /// Uses `store` and `clock` by reference: both must outlive this object.
  /// Computes one dummy hash with the policy's parameters (what an unknown
  /// email is checked against, so it takes as long as a wrong password).
  /// `routing` decides who is told (user.password_changed, user.password_reset; routing.hpp).
  Accounts(Store& store, const Clock& clock, AccountPolicy policy = {},
           RightsModel rights = RightsModel::default_model(),
           NotificationRouting routing = NotificationRouting::default_routing());

  /// Checks `email` and `password`. Success resets the failure count and, when
  /// the stored hash has other parameters than the policy's, replaces it with a
  /// new hash (same password). A failure counts towards throttling; an attempt
  /// while throttled is refused without being checked or counted, even with the
  /// right password. Unknown emails are throttled the same way (in this object's
  /// memory), so the answer never tells whether an email exists.
  LoginResult login(std::string_view email, std::string_view password);

  /// The actor changes their own password (own_profile right); the old one is
  /// required. Throws PermissionDeniedError when it is wrong (that counts as a
  /// failed login), FailedPreconditionError while throttled, InvalidArgumentError
  /// when the new one breaks the policy. The user is notified ("user.password_changed").
  void change_password(UserId actor, std::string_view old_password, std::string_view new_password);

  /// Sends `target` a link to set their password (reset_password right: an
  /// Administrator for users of their municipality, a Plusbruger for users of
  /// their projects). A new link replaces any older one. Another municipality's
  /// user is NotFoundError, the same as a missing one. The actor never sees the
  /// token: it goes only into the notification ("user.password_reset", link
  /// reset_link()). The password itself is left as it is until the link is used.
  void send_reset_link(UserId actor, UserId target);

  /// Sets `user`'s password with the token of their reset link: the link must be
  /// the latest one sent and not expired; it works once. Clears the failure
  /// count and throttling. Throws FailedPreconditionError with one text for an
  /// unknown user, a wrong, used, replaced or expired token; InvalidArgumentError
  /// for a password that breaks the policy (the link stays usable then).
  void set_password_with_token(UserId user, std::string_view token, std::string_view new_password);

  [[nodiscard]] const AccountPolicy& policy() const noexcept { return policy_; }

 private:
  void count_unknown_failure(const std::string& key, Timestamp now);

  Store& store_;
  const Clock& clock_;
  AccountPolicy policy_;
  RightsModel rights_;
  NotificationRouting routing_;
  std::string dummy_hash_;
  std::mutex unknown_mutex_;
  /// Failed attempts per unknown (normalised) email: failures and throttled-until.
  /// Bounded: cleared when it reaches 10000 entries.
  std::map<std::string, std::pair<std::uint32_t, Timestamp>> unknown_;
};

}  // namespace klik
