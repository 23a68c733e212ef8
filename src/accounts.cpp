// Accounts (include/klik/accounts.hpp, docs/accounts.md): libsodium does every
// piece of cryptography -- argon2id (crypto_pwhash_str_alg), random tokens
// (randombytes_buf), SHA-256 (crypto_hash_sha256) and constant-time comparison
// (crypto_pwhash_str_verify, sodium_memcmp). Nothing here is hand-rolled.
#include "klik/accounts.hpp"

#include <sodium.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "detail/embedded.hpp"
#include "detail/json_io.hpp"
#include "klik/error.hpp"
#include "klik/notification.hpp"
#include "klik/text.hpp"
#include "klik/user_admin.hpp"

namespace klik {

static_assert(HashParameters{}.opslimit == crypto_pwhash_OPSLIMIT_MODERATE);
static_assert(HashParameters{}.memlimit == crypto_pwhash_MEMLIMIT_INTERACTIVE);

namespace {

/// sodium_init() once, whichever thread asks first (a function-local static is
/// initialised exactly once, C++11 [stmt.dcl]); sodium_init itself is also
/// safe to call repeatedly.
void ensure_sodium() {
  static const int ready = sodium_init();
  if (ready < 0) throw Error(ErrorCode::Internal, "libsodium could not be initialised");
}

constexpr std::size_t max_password_bytes = std::size_t{1} << 20;

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Lower-cases ASCII and the Danish letters Æ, Ø, Å (UTF-8), so "Sommer" and
/// "FORÅR" compare as the list writes them.
std::string fold(std::string_view s) {
  std::string out = lower_ascii(s);
  static const std::pair<std::string_view, std::string_view> danish[] = {
      {"\xC3\x86", "\xC3\xA6"}, {"\xC3\x98", "\xC3\xB8"}, {"\xC3\x85", "\xC3\xA5"}};
  for (const auto& [upper, lower] : danish)
    for (std::size_t at = out.find(upper); at != std::string::npos; at = out.find(upper, at + lower.size()))
      out.replace(at, upper.size(), lower);
  return out;
}

const std::unordered_set<std::string>& common_passwords() {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> out;
    const std::string_view text = detail::embedded_file("common_passwords.txt");
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t end = text.find('\n', at);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(at, end - at);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      if (!line.empty() && line.front() != '#') out.insert(fold(line));
      at = end + 1;
    }
    return out;
  }();
  return words;
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xF];
  }
  return out;
}

/// The current copy of the actor; NotFoundError when they no longer exist.
User actor_of(const World& w, UserId id) {
  const User* u = w.user(id);
  if (!u) throw not_found(ObjectKind::User);
  return *u;
}

/// The notification of an account event about `user`, routed (none when the routing tells no one).
std::vector<Notification> account_notification(NotificationEvent event, const Recipients& to, UserId user,
                                               std::string link, const std::string& sender, Timestamp now) {
  if (to.empty()) return {};
  Notification n;
  n.event = code(event);
  n.sender = sender;
  n.link = std::move(link);
  n.payload = detail::json{{"user", user.value()}}.dump();
  n.recipients = to.users;
  n.mailbox = to.mailbox;
  n.created = now;
  n.next_attempt = now;
  return {std::move(n)};
}

/// The failure bookkeeping of one attempt that did not match.
Credentials failed(Credentials c, Timestamp now, const AccountPolicy& policy) {
  if (c.failed_logins < std::numeric_limits<std::uint32_t>::max()) ++c.failed_logins;
  const std::int64_t wait = throttle_seconds(c.failed_logins, policy);
  c.throttled_until = wait > 0 ? Timestamp(now.unix_seconds() + wait) : Timestamp();
  return c;
}

std::string retry_text(Timestamp t) { return "too many failed attempts; try again after " + t.iso(); }

}  // namespace

HashParameters HashParameters::minimum() noexcept { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

std::int64_t throttle_seconds(std::uint32_t failures, const AccountPolicy& policy) noexcept {
  if (failures <= policy.free_failures) return 0;
  const std::uint32_t k = failures - policy.free_failures - 1;
  const std::int64_t cap = std::max<std::int64_t>(policy.max_delay_seconds, 0);
  std::int64_t wait = std::max<std::int64_t>(policy.base_delay_seconds, 0);
  if (wait == 0 || cap == 0) return 0;  // throttling switched off (and no endless doubling of 0)
  for (std::uint32_t i = 0; i < k && wait < cap; ++i) wait *= 2;  // stops at the cap: no overflow
  return std::min(wait, cap);
}

std::string hash_password(std::string_view password, const HashParameters& parameters) {
  ensure_sodium();
  if (password.size() > max_password_bytes) throw InvalidArgumentError("a password is at most 1 MiB", "password");
  if (parameters.opslimit < crypto_pwhash_OPSLIMIT_MIN || parameters.opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      parameters.memlimit < crypto_pwhash_MEMLIMIT_MIN || parameters.memlimit > crypto_pwhash_MEMLIMIT_MAX)
    throw InvalidArgumentError("hash parameters outside libsodium's limits (opslimit " +
                                   std::to_string(parameters.opslimit) + ", memlimit " +
                                   std::to_string(parameters.memlimit) + ")",
                               "hashing");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), parameters.opslimit, parameters.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw Error(ErrorCode::Internal, "argon2id hashing failed (out of memory for memlimit " +
                                         std::to_string(parameters.memlimit) + " bytes?)");
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) noexcept {
  if (sodium_init() < 0) return false;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || password.size() > max_password_bytes) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::copy(hash.begin(), hash.end(), buf);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, const HashParameters& parameters) noexcept {
  if (sodium_init() < 0) return true;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::copy(hash.begin(), hash.end(), buf);
  // crypto_pwhash_str_needs_rehash checks the default algorithm (argon2id) only.
  return hash.substr(0, 10) != "$argon2id$" ||
         crypto_pwhash_str_needs_rehash(buf, parameters.opslimit, parameters.memlimit) != 0;
}

bool is_common_password(std::string_view password) {
  const std::string folded = fold(password);
  const auto& words = common_passwords();
  if (words.count(folded)) return true;
  // A listed word followed only by digits and punctuation: "sommer2024!", "password123".
  std::size_t end = folded.size();
  while (end > 0) {
    const char c = folded[end - 1];
    const bool tail = (c >= '0' && c <= '9') || (c > ' ' && c < 127 && !(c >= 'a' && c <= 'z'));
    if (!tail) break;
    --end;
  }
  return end > 0 && end < folded.size() && words.count(folded.substr(0, end)) > 0;
}

std::vector<std::string> password_problems(std::string_view password, std::string_view email,
                                           const AccountPolicy& policy) {
  std::vector<std::string> out;
  if (invalid_utf8_offset(password)) {
    out.push_back("the password is not valid UTF-8 text");
    return out;
  }
  if (password.size() > policy.max_bytes)
    out.push_back("the password is longer than " + std::to_string(policy.max_bytes) + " bytes");
  if (code_points(password) < policy.min_length)
    out.push_back("the password must have at least " + std::to_string(policy.min_length) + " characters");
  const std::string mail = normalise_email(email);
  const std::string local = fold(std::string_view(mail).substr(0, mail.find('@')));
  if (code_points(local) >= 3 && fold(password).find(local) != std::string::npos)
    out.push_back("the password must not contain the email's name part");
  if (is_common_password(password)) out.push_back("the password is too common (it is on klik's list)");
  return out;
}

void require_good_password(std::string_view password, std::string_view email, const AccountPolicy& policy) {
  const auto problems = password_problems(password, email, policy);
  if (problems.empty()) return;
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  throw InvalidArgumentError(message, "password");
}

ResetToken new_reset_token() {
  ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
  ResetToken t;
  t.token = text;
  t.hash = reset_token_hash(t.token);
  return t;
}

std::string reset_token_hash(std::string_view token) {
  ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return hex(digest, sizeof digest);
}

std::string reset_link(UserId user, std::string_view token) {
  return "/password-reset?user=" + std::to_string(user.value()) + "&token=" + std::string(token);
}

std::string_view code(LoginOutcome outcome) noexcept {
  switch (outcome) {
    case LoginOutcome::Success:
      return "success";
    case LoginOutcome::Refused:
      return "refused";
    case LoginOutcome::Throttled:
      return "throttled";
  }
  return "?";
}

// ---- Accounts ----

Accounts::Accounts(Store& store, const Clock& clock, AccountPolicy policy, RightsModel rights,
                   NotificationRouting routing)
    : store_(store),
      clock_(clock),
      policy_(std::move(policy)),
      rights_(std::move(rights)),
      routing_(std::move(routing)) {
  // A random password: nothing ever matches the dummy by design.
  dummy_hash_ = hash_password(new_reset_token().token, policy_.hashing);
}

void Accounts::count_unknown_failure(const std::string& key, Timestamp now) {
  const std::lock_guard lock(unknown_mutex_);
  if (unknown_.size() >= 10000 && !unknown_.count(key)) unknown_.clear();  // bounded memory
  auto& [failures, until] = unknown_[key];
  Credentials c;
  c.failed_logins = failures;
  c = failed(c, now, policy_);
  failures = c.failed_logins;
  until = c.throttled_until;
}

LoginResult Accounts::login(std::string_view email, std::string_view password) {
  const Timestamp now = clock_.now();
  const std::string key = normalise_email(email);
  std::optional<UserId> user;
  {
    const Snapshot snap = store_.snapshot();
    if (const User* u = snap->user_by_email(key)) user = u->id;
  }
  std::optional<Credentials> stored;
  if (user) {
    try {
      stored = store_.credentials(*user);
    } catch (const NotFoundError&) {
      user.reset();  // removed meanwhile: as unknown
    }
  }
  LoginResult result;
  if (!stored) {
    // Unknown email: the same work (one verification with the same parameters)
    // and the same answers as a known email with a wrong password.
    {
      const std::lock_guard lock(unknown_mutex_);
      if (const auto it = unknown_.find(key); it != unknown_.end() && now < it->second.second)
        return {LoginOutcome::Throttled, std::nullopt, it->second.second};
    }
    (void)verify_password(dummy_hash_, password);
    count_unknown_failure(key, now);
    const std::lock_guard lock(unknown_mutex_);
    result.retry_after = unknown_[key].second;
    return result;
  }
  if (now < stored->throttled_until) return {LoginOutcome::Throttled, std::nullopt, stored->throttled_until};
  const std::string hash = stored->password_hash;
  const bool match = !hash.empty() ? verify_password(hash, password) : (verify_password(dummy_hash_, password), false);
  if (!match) {
    Credentials after;
    try {
      after = store_.update_credentials(
          *user,
          [&](const Credentials& current) -> std::optional<Credentials> { return failed(current, now, policy_); }, {},
          {.actor = *user, .operation = "login_failed", .at = now});
    } catch (const NotFoundError&) {
      return result;
    }
    result.retry_after = after.throttled_until;
    return result;
  }
  // Re-hash (outside the store's lock) when the policy's parameters moved.
  std::optional<std::string> rehashed;
  if (needs_rehash(hash, policy_.hashing)) rehashed = hash_password(password, policy_.hashing);
  try {
    store_.update_credentials(*user,
                              [&](const Credentials& current) -> std::optional<Credentials> {
                                Credentials next = current;
                                next.failed_logins = 0;
                                next.throttled_until = Timestamp();
                                // Only when the password is still the one checked (not changed meanwhile).
                                if (rehashed && current.password_hash == hash) next.password_hash = *rehashed;
                                return next;
                              },
                              {}, {.actor = *user, .operation = "login", .at = now});
  } catch (const NotFoundError&) {
    return result;  // removed meanwhile
  }
  return {LoginOutcome::Success, user, Timestamp()};
}

void Accounts::change_password(UserId actor_id, std::string_view old_password, std::string_view new_password) {
  User actor;
  Recipients to;
  {
    const Snapshot snap = store_.snapshot();
    actor = actor_of(snap.world(), actor_id);
    to = RecipientResolver(routing_, rights_, snap.world()).user_event(NotificationEvent::UserPasswordChanged, actor);
  }
  require(rights_.decide(actor, Action::OwnProfile));
  require_good_password(new_password, actor.email, policy_);
  const Timestamp now = clock_.now();
  const Credentials stored = store_.credentials(actor_id);
  if (now < stored.throttled_until) throw FailedPreconditionError(retry_text(stored.throttled_until));
  const std::string old_hash = stored.password_hash;
  if (!verify_password(old_hash, old_password)) {
    store_.update_credentials(
        actor_id,
        [&](const Credentials& current) -> std::optional<Credentials> { return failed(current, now, policy_); }, {},
        {.actor = actor_id, .operation = "change_password_failed", .at = now});
    throw PermissionDeniedError("the current password is wrong");
  }
  const std::string fresh = hash_password(new_password, policy_.hashing);
  const std::vector<Notification> notes =
      account_notification(NotificationEvent::UserPasswordChanged, to, actor_id, "/profile", "KLIK", now);
  bool changed = false;
  store_.update_credentials(actor_id,
                            [&](const Credentials& current) -> std::optional<Credentials> {
                              if (current.password_hash != old_hash) return std::nullopt;  // changed meanwhile
                              Credentials next = current;
                              next.password_hash = fresh;
                              next.failed_logins = 0;
                              next.throttled_until = Timestamp();
                              next.reset_token_hash.clear();  // an outstanding link is void now
                              next.reset_expires = Timestamp();
                              changed = true;
                              return next;
                            },
                            notes, {.actor = actor_id, .operation = "change_password", .at = now});
  if (!changed) throw ConflictError("the password was changed meanwhile; try again", {"password_hash"});
}

void Accounts::send_reset_link(UserId actor_id, UserId target_id) {
  const Timestamp now = clock_.now();
  std::string sender;
  Recipients to;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const User* target = snap->user(target_id);
    // Another municipality's user is "not found", exactly like a missing one.
    if (!target || (actor.side == Side::Municipality && target->municipality != actor.municipality))
      throw not_found(ObjectKind::User);
    throw_if_any(validate_reset_password(rights_, actor, *target, snap->projects()));
    sender = actor.side == Side::Kombit ? "KOMBIT KLIK (" + actor.full_name + ")"
                                        : actor.full_name + " <" + actor.email + ">";
    to = RecipientResolver(routing_, rights_, snap.world()).user_event(NotificationEvent::UserPasswordReset, *target);
  }
  const ResetToken token = new_reset_token();
  const std::vector<Notification> notes = account_notification(NotificationEvent::UserPasswordReset, to, target_id,
                                                               reset_link(target_id, token.token), sender, now);
  store_.update_credentials(target_id,
                            [&](const Credentials& current) -> std::optional<Credentials> {
                              Credentials next = current;
                              next.reset_token_hash = token.hash;  // replaces any older link
                              next.reset_expires = Timestamp(now.unix_seconds() + policy_.reset_link_seconds);
                              return next;
                            },
                            notes, {.actor = actor_id, .operation = "send_reset_link", .at = now});
}

void Accounts::set_password_with_token(UserId user, std::string_view token, std::string_view new_password) {
  static const char* invalid = "this password link is not valid (it was used, replaced by a newer one, or expired)";
  const Timestamp now = clock_.now();
  std::string email;
  Recipients to;
  {
    const Snapshot snap = store_.snapshot();
    const User* u = snap->user(user);
    if (!u) throw FailedPreconditionError(invalid);
    email = u->email;
    to = RecipientResolver(routing_, rights_, snap.world()).user_event(NotificationEvent::UserPasswordChanged, *u);
  }
  const std::string offered = reset_token_hash(token);
  const auto valid = [&](const Credentials& c) {
    return c.reset_token_hash.size() == offered.size() && now < c.reset_expires &&
           sodium_memcmp(c.reset_token_hash.data(), offered.data(), offered.size()) == 0;
  };
  Credentials stored;
  try {
    stored = store_.credentials(user);
  } catch (const NotFoundError&) {
    throw FailedPreconditionError(invalid);
  }
  if (!valid(stored)) throw FailedPreconditionError(invalid);
  require_good_password(new_password, email, policy_);
  const std::string fresh = hash_password(new_password, policy_.hashing);
  const std::vector<Notification> notes =
      account_notification(NotificationEvent::UserPasswordChanged, to, user, "/profile", "KLIK", now);
  bool used = false;
  try {
    store_.update_credentials(user,
                              [&](const Credentials& current) -> std::optional<Credentials> {
                                if (!valid(current)) return std::nullopt;  // used or replaced meanwhile
                                Credentials next = current;
                                next.password_hash = fresh;
                                next.reset_token_hash.clear();  // single use
                                next.reset_expires = Timestamp();
                                next.failed_logins = 0;
                                next.throttled_until = Timestamp();
                                used = true;
                                return next;
                              },
                              notes, {.actor = user, .operation = "set_password_with_token", .at = now});
  } catch (const NotFoundError&) {
    throw FailedPreconditionError(invalid);
  }
  if (!used) throw FailedPreconditionError(invalid);
}

}  // namespace klik
