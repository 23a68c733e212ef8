// Accounts: argon2id hashes, the password policy, reset links, login
// throttling and the rights of sending a link. A settable clock, never sleep;
// libsodium's minimum hashing cost, so the suite stays fast.
#include "klik/accounts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "klik/json.hpp"
#include "klik/synthetic.hpp"
#include "klik/workflows.hpp"

using namespace klik;

namespace {

class SettableClock final : public Clock {
 public:
  [[nodiscard]] Timestamp now() const override { return t_; }
  void advance(std::int64_t seconds) { t_ = Timestamp(t_.unix_seconds() + seconds); }

 private:
  Timestamp t_{1'772'445'600};  // 2026-03-02
};

AccountPolicy fast_policy() {
  AccountPolicy p;
  p.hashing = HashParameters::minimum();
  return p;
}

constexpr const char* good = "Blå hest løber langsomt";

struct Fixture : ::testing::Test {
  Dataset data;
  std::unique_ptr<Store> store;
  SettableClock clock;
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<Workflows> flows;

  void SetUp() override {
    synthetic::Options o;
    o.municipalities = 2;
    o.scale = 0.2;
    data = synthetic::generate(o);
    store = make_memory_store(data);
    accounts = std::make_unique<Accounts>(*store, clock, fast_policy());
    flows = std::make_unique<Workflows>(*store, clock);
  }
  const User& admin_of(MunicipalityId m) const {
    return *std::find_if(data.users.begin(), data.users.end(),
                         [&](const User& u) { return u.municipality == m && u.administrator; });
  }
  /// A user of `m` who is not an Administrator and not Plusbruger anywhere.
  const User& plain_user_of(MunicipalityId m) const {
    return *std::find_if(data.users.begin(), data.users.end(), [&](const User& u) {
      return u.municipality == m && !u.administrator &&
             std::none_of(u.memberships.begin(), u.memberships.end(),
                          [](const Membership& x) { return x.type == UserType::Plus; });
    });
  }
  /// Gives `user` a password directly (as a reset link would).
  void set_password(UserId user, const std::string& password) {
    store->update_credentials(user, [&](const Credentials& c) -> std::optional<Credentials> {
      Credentials next = c;
      next.password_hash = hash_password(password, HashParameters::minimum());
      return next;
    });
  }
  /// The token of the last reset link sent to `user` (from the outbox).
  std::string last_token(UserId user) const {
    std::string token;
    for (const Notification& n : store->outbox())
      if (n.recipients == std::vector<UserId>{user} && n.link.find("&token=") != std::string::npos)
        token = n.link.substr(n.link.find("&token=") + 7);
    return token;
  }
};

}  // namespace

TEST(PasswordHashing, Argon2idWithTheStatedParametersAndNothingReversible) {
  const std::string h = hash_password("correct horse battery", HashParameters::minimum());
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << h;
  EXPECT_EQ(h.find("correct"), std::string::npos);
  EXPECT_NE(h, hash_password("correct horse battery", HashParameters::minimum()));  // salted
  EXPECT_TRUE(verify_password(h, "correct horse battery"));
  EXPECT_FALSE(verify_password(h, "correct horse batterY"));
  EXPECT_FALSE(verify_password("", ""));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
  EXPECT_FALSE(needs_rehash(h, HashParameters::minimum()));
  EXPECT_TRUE(needs_rehash(h, HashParameters{2, HashParameters::minimum().memlimit}));
  EXPECT_TRUE(needs_rehash("legacy-md5-hash", HashParameters::minimum()));
  // The defaults are libsodium's OPSLIMIT_MODERATE and MEMLIMIT_INTERACTIVE.
  EXPECT_EQ(HashParameters::standard().opslimit, 3u);
  EXPECT_EQ(HashParameters::standard().memlimit, std::size_t{64} << 20);
  EXPECT_THROW((void)hash_password("x", HashParameters{0, 0}), InvalidArgumentError);
}

TEST(PasswordPolicy, LengthLocalPartAndCommonPasswords) {
  EXPECT_TRUE(password_problems(good, "anne.ny@kommune.dk").empty());
  const auto short_one = password_problems("kort1!", "anne@kommune.dk");
  ASSERT_EQ(short_one.size(), 1u);
  EXPECT_NE(short_one[0].find("at least 12 characters"), std::string::npos);
  // twelve characters, counted as characters, not bytes
  EXPECT_TRUE(password_problems("æøåæøåæøåæøå", "x@y.dk").empty());
  EXPECT_FALSE(password_problems("æøåæøåæøåæø", "x@y.dk").empty());
  EXPECT_FALSE(password_problems("my-Anne.Ny-is-long", "anne.ny@kommune.dk").empty());
  EXPECT_TRUE(password_problems("short local ab here", "ab@kommune.dk").empty());  // a 2-letter local part
  for (const char* common : {"passwordpassword", "Sommer2024!!!!", "VELKOMMEN2026", "qwertyuiop123", "Efterår2025!!!"})
    EXPECT_TRUE(is_common_password(common)) << common;
  EXPECT_FALSE(is_common_password("sommerfugle i maven"));
  EXPECT_FALSE(password_problems("Sommer2024!!!!", "x@y.dk").empty());
  EXPECT_FALSE(password_problems(std::string("ikke\xff utf8 tekst"), "x@y.dk").empty());
  try {
    require_good_password("sommer2024", "x@y.dk");
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "password");
    EXPECT_NE(std::string(e.what()).find("at least 12"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("too common"), std::string::npos);
  }
}

TEST(Throttling, ScheduleDoublesAndIsCapped) {
  const AccountPolicy p;
  for (std::uint32_t f = 0; f <= 5; ++f) EXPECT_EQ(throttle_seconds(f, p), 0) << f;
  EXPECT_EQ(throttle_seconds(6, p), 1);
  EXPECT_EQ(throttle_seconds(7, p), 2);
  EXPECT_EQ(throttle_seconds(15, p), 512);
  EXPECT_EQ(throttle_seconds(16, p), 900);
  EXPECT_EQ(throttle_seconds(4'000'000'000u, p), 900);  // never longer, never overflows
  AccountPolicy off;
  off.base_delay_seconds = 0;
  EXPECT_EQ(throttle_seconds(4'000'000'000u, off), 0);  // returns at once
  AccountPolicy odd;
  odd.base_delay_seconds = 7;
  odd.max_delay_seconds = 20;
  odd.free_failures = 0;
  EXPECT_EQ(throttle_seconds(1, odd), 7);
  EXPECT_EQ(throttle_seconds(2, odd), 14);
  EXPECT_EQ(throttle_seconds(3, odd), 20);
}

TEST(ResetTokens, RandomUrlSafeAndStoredOnlyAsSha256) {
  const ResetToken a = new_reset_token(), b = new_reset_token();
  EXPECT_EQ(a.token.size(), 43u);  // 256 bits, unpadded base64url
  EXPECT_NE(a.token, b.token);
  EXPECT_TRUE(std::all_of(a.token.begin(), a.token.end(),
                          [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }));
  EXPECT_EQ(a.hash, reset_token_hash(a.token));
  EXPECT_EQ(reset_token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(reset_link(UserId(7), "tok"), "/password-reset?user=7&token=tok");
}

TEST_F(Fixture, LoginSucceedsAndRefusesUnknownEmailsAndWrongPasswordsAlike) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  const LoginResult ok = accounts->login("  " + u.email + " ", good);
  EXPECT_EQ(ok.outcome, LoginOutcome::Success);
  EXPECT_EQ(ok.user, u.id);
  const LoginResult wrong = accounts->login(u.email, "not the password");
  const LoginResult unknown = accounts->login("nobody@nowhere.dk", "not the password");
  EXPECT_EQ(wrong, unknown);  // the same value: outcome, no user, no wait yet
  EXPECT_EQ(wrong.outcome, LoginOutcome::Refused);
  // A user without a password is refused the same way.
  const User& other = data.users.back();
  EXPECT_EQ(accounts->login(other.email, ""), unknown);
}

TEST_F(Fixture, RepeatedFailuresThrottleWithBoundedWaitsAndSuccessResets) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(accounts->login(u.email, "wrong").outcome, LoginOutcome::Refused);
  const LoginResult sixth = accounts->login(u.email, "wrong");
  EXPECT_EQ(sixth.outcome, LoginOutcome::Refused);
  EXPECT_EQ(sixth.retry_after.unix_seconds(), clock.now().unix_seconds() + 1);
  // Throttled: even the right password is not checked, and the attempt is not counted.
  const LoginResult blocked = accounts->login(u.email, good);
  EXPECT_EQ(blocked.outcome, LoginOutcome::Throttled);
  EXPECT_EQ(blocked.retry_after, sixth.retry_after);
  EXPECT_EQ(store->credentials(u.id).failed_logins, 6u);
  // Keep failing: the wait doubles up to 15 minutes and never beyond.
  for (int i = 0; i < 30; ++i) {
    clock.advance(900);
    EXPECT_EQ(accounts->login(u.email, "wrong").outcome, LoginOutcome::Refused);
  }
  const Credentials c = store->credentials(u.id);
  EXPECT_EQ(c.throttled_until.unix_seconds() - clock.now().unix_seconds(), 900);
  clock.advance(899);
  EXPECT_EQ(accounts->login(u.email, good).outcome, LoginOutcome::Throttled);
  clock.advance(1);
  EXPECT_EQ(accounts->login(u.email, good).outcome, LoginOutcome::Success);
  EXPECT_EQ(store->credentials(u.id).failed_logins, 0u);
  EXPECT_EQ(store->credentials(u.id).throttled_until, Timestamp());
}

TEST_F(Fixture, UnknownEmailsAreThrottledExactlyLikeKnownOnes) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  for (int i = 0; i < 7; ++i) {
    const LoginResult known = accounts->login(u.email, "wrong");
    const LoginResult unknown = accounts->login("ghost@kommune.dk", "wrong");
    EXPECT_EQ(known, unknown) << i;
  }
}

TEST_F(Fixture, RaisingTheParametersReHashesAtTheNextSuccessfulLogin) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  const std::string before = store->credentials(u.id).password_hash;
  AccountPolicy stronger = fast_policy();
  stronger.hashing.opslimit = 2;
  Accounts upgraded(*store, clock, stronger);
  EXPECT_EQ(upgraded.login(u.email, "wrong").outcome, LoginOutcome::Refused);
  EXPECT_EQ(store->credentials(u.id).password_hash, before);  // not on a failure
  EXPECT_EQ(upgraded.login(u.email, good).outcome, LoginOutcome::Success);
  const std::string after = store->credentials(u.id).password_hash;
  EXPECT_NE(after, before);
  EXPECT_NE(after.find("t=2,"), std::string::npos) << after;
  EXPECT_FALSE(needs_rehash(after, stronger.hashing));
  EXPECT_EQ(upgraded.login(u.email, good).outcome, LoginOutcome::Success);
  EXPECT_EQ(store->credentials(u.id).password_hash, after);  // once only
}

TEST_F(Fixture, CreatedUsersGetASingleUseLinkThatExpires) {
  const Municipality& m = data.municipalities[0];
  User anne;
  anne.email = "anne.ny@kommune.dk";
  anne.full_name = "Anne Ny";
  anne.municipality = m.id;
  const User created = flows->create_user(admin_of(m.id).id, anne);
  const auto out = store->outbox();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "user.created");
  const std::string token = last_token(created.id);
  ASSERT_EQ(token.size(), 43u);
  EXPECT_EQ(out[0].link, reset_link(created.id, token));
  const Credentials c = store->credentials(created.id);
  EXPECT_EQ(c.reset_token_hash, reset_token_hash(token));  // the hash only
  EXPECT_EQ(c.reset_expires.unix_seconds(), clock.now().unix_seconds() + 24 * 3600);
  EXPECT_TRUE(c.password_hash.empty());

  EXPECT_THROW(accounts->set_password_with_token(created.id, token, "anne.ny er fin"), InvalidArgumentError);
  EXPECT_THROW(accounts->set_password_with_token(created.id, token + "x", good), FailedPreconditionError);
  accounts->set_password_with_token(created.id, token, good);  // the policy refusal left the link usable
  EXPECT_EQ(accounts->login(anne.email, good).outcome, LoginOutcome::Success);
  EXPECT_TRUE(store->credentials(created.id).reset_token_hash.empty());
  EXPECT_EQ(store->outbox().back().event, "user.password_changed");
  try {
    accounts->set_password_with_token(created.id, token, "En anden lang sætning");
    FAIL() << "a link works once";
  } catch (const FailedPreconditionError& e) {
    // one text for used, wrong, replaced, expired and unknown users
    std::string unknown;
    try {
      accounts->set_password_with_token(UserId(999'999), token, good);
    } catch (const FailedPreconditionError& e2) {
      unknown = e2.what();
    }
    EXPECT_EQ(unknown, e.what());
  }

  // An expired link does nothing.
  accounts->send_reset_link(admin_of(m.id).id, created.id);
  const std::string late = last_token(created.id);
  clock.advance(24 * 3600);
  EXPECT_THROW(accounts->set_password_with_token(created.id, late, "Endnu en lang sætning"), FailedPreconditionError);
  EXPECT_EQ(accounts->login(anne.email, good).outcome, LoginOutcome::Success);
}

TEST_F(Fixture, ANewLinkVoidsTheOlderOneAndClearsThrottling) {
  const MunicipalityId m = data.municipalities[0].id;
  const User& u = plain_user_of(m);
  accounts->send_reset_link(admin_of(m).id, u.id);
  const std::string first = last_token(u.id);
  accounts->send_reset_link(admin_of(m).id, u.id);
  const std::string second = last_token(u.id);
  EXPECT_NE(first, second);
  for (int i = 0; i < 8; ++i) accounts->login(u.email, "wrong");
  EXPECT_EQ(accounts->login(u.email, good).outcome, LoginOutcome::Throttled);
  EXPECT_THROW(accounts->set_password_with_token(u.id, first, good), FailedPreconditionError);
  accounts->set_password_with_token(u.id, second, good);
  EXPECT_EQ(accounts->login(u.email, good).outcome, LoginOutcome::Success);
}

TEST_F(Fixture, SendingALinkFollowsTheUserAdministrationRules) {
  const MunicipalityId m0 = data.municipalities[0].id, m1 = data.municipalities[1].id;
  const User& target = plain_user_of(m0);
  const std::size_t before = store->outbox().size();
  // Another municipality's Administrator: not found, the same text as a missing user.
  std::string other, missing;
  try {
    accounts->send_reset_link(admin_of(m1).id, target.id);
  } catch (const NotFoundError& e) {
    other = e.what();
  }
  try {
    accounts->send_reset_link(admin_of(m1).id, UserId(999'999));
  } catch (const NotFoundError& e) {
    missing = e.what();
  }
  EXPECT_FALSE(other.empty());
  EXPECT_EQ(other, missing);
  // A plain user may not send one; the refusal carries the rights model's decision.
  const User& plain = *std::find_if(data.users.begin(), data.users.end(), [&](const User& u) {
    return u.municipality == m0 && u.id != target.id && !u.administrator &&
           std::none_of(u.memberships.begin(), u.memberships.end(),
                        [](const Membership& x) { return x.type == UserType::Plus; });
  });
  try {
    accounts->send_reset_link(plain.id, target.id);
    FAIL();
  } catch (const PermissionDeniedError& e) {
    const Decision d = flows->rights().decide(plain, Action::ResetPassword, Target::of(target), data.projects);
    EXPECT_FALSE(d.allowed());
    EXPECT_EQ(e.rule(), d.rule);
  }
  EXPECT_EQ(store->outbox().size(), before);  // nothing recorded by a refusal
  EXPECT_TRUE(store->credentials(target.id).reset_token_hash.empty());
  // A Plusbruger of one of the target's projects may.
  const auto plus = std::find_if(data.users.begin(), data.users.end(), [&](const User& u) {
    return u.municipality == m0 && std::any_of(u.memberships.begin(), u.memberships.end(), [&](const Membership& x) {
             return x.type == UserType::Plus && target.type_on(x.project);
           });
  });
  ASSERT_NE(plus, data.users.end());
  accounts->send_reset_link(plus->id, target.id);
  const Notification sent = store->outbox().back();
  EXPECT_EQ(sent.event, "user.password_reset");
  EXPECT_EQ(sent.recipients, std::vector<UserId>{target.id});
  EXPECT_TRUE(store->credentials(target.id).password_hash.empty());  // never sets a password
}

TEST_F(Fixture, UsersChangeTheirOwnPasswordWithTheOldOne) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  EXPECT_THROW(accounts->change_password(u.id, "wrong", "Et helt nyt kodeord her"), PermissionDeniedError);
  EXPECT_EQ(store->credentials(u.id).failed_logins, 1u);  // a guess counts like a failed login
  EXPECT_THROW(accounts->change_password(u.id, good, "sommer2024"), InvalidArgumentError);
  accounts->change_password(u.id, good, "Et helt nyt kodeord her");
  EXPECT_EQ(accounts->login(u.email, good).outcome, LoginOutcome::Refused);
  EXPECT_EQ(accounts->login(u.email, "Et helt nyt kodeord her").outcome, LoginOutcome::Success);
  EXPECT_EQ(store->outbox().back().event, "user.password_changed");
  EXPECT_THROW(accounts->change_password(UserId(999'999), good, good), NotFoundError);
}

TEST_F(Fixture, HashesStayOutOfUsersJsonAndOrdinaryExports) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  const std::string hash = store->credentials(u.id).password_hash;
  EXPECT_EQ(to_json(*store->snapshot()->user(u.id)).find("password"), std::string::npos);
  const Dataset plain = store->export_dataset();
  EXPECT_TRUE(plain.credentials.empty());
  EXPECT_EQ(to_json(plain).find(hash), std::string::npos);
  const Dataset backup = store->export_dataset(true);
  ASSERT_EQ(backup.credentials.size(), 1u);
  EXPECT_NE(to_json(backup).find(hash), std::string::npos);
  // A backup restores the accounts.
  auto restored = make_memory_store(from_json<Dataset>(to_json(backup)));
  EXPECT_EQ(restored->credentials(u.id).password_hash, hash);
}

TEST(LegacyData, AUsersPasswordHashMovesIntoCredentials) {
  synthetic::Options o;
  o.municipalities = 1;
  o.scale = 0.1;
  Dataset d = synthetic::generate(o);
  std::string text = to_json(d);
  const std::string key = "\"email\":\"" + d.users[0].email + "\"";
  const auto at = text.find(key);
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"password_hash\":\"$argon2id$v=19$m=8,t=1,p=1$legacy\",");
  const Dataset read = from_json<Dataset>(text);
  ASSERT_EQ(read.credentials.size(), 1u);
  EXPECT_EQ(read.credentials[0].user, d.users[0].id);
  EXPECT_EQ(read.credentials[0].password_hash, "$argon2id$v=19$m=8,t=1,p=1$legacy");
  EXPECT_EQ(read.users, d.users);
}

TEST_F(Fixture, HostileInputIsRefusedInWordsNeverACrash) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  const std::string huge(2u << 20, 'x');
  EXPECT_EQ(accounts->login(u.email, huge).outcome, LoginOutcome::Refused);
  EXPECT_EQ(accounts->login(huge, huge).outcome, LoginOutcome::Refused);
  EXPECT_EQ(accounts->login(std::string("\xff\xfe@\0x", 5), good).outcome, LoginOutcome::Refused);
  EXPECT_THROW(accounts->change_password(u.id, good, huge), InvalidArgumentError);
  EXPECT_THROW(accounts->change_password(u.id, good, std::string("gyldig l\xe6ngde men ikke utf8")),
               InvalidArgumentError);
  EXPECT_THROW(accounts->set_password_with_token(u.id, huge, good), FailedPreconditionError);
  EXPECT_THROW(accounts->set_password_with_token(UserId(0), "", good), FailedPreconditionError);
  EXPECT_THROW((void)hash_password(huge), InvalidArgumentError);
  EXPECT_FALSE(verify_password(huge, good));
  EXPECT_TRUE(needs_rehash(huge));
  EXPECT_EQ(accounts->login(u.email, good).outcome, LoginOutcome::Success);  // 3 failures: not throttled yet
}

TEST_F(Fixture, ConcurrentFailuresAllCount) {
  const User& u = plain_user_of(data.municipalities[0].id);
  set_password(u.id, good);
  AccountPolicy lenient = fast_policy();
  lenient.free_failures = 1000;  // no throttling: every attempt is checked
  Accounts shared(*store, clock, lenient);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < 5; ++i) (void)shared.login(u.email, "wrong");
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(store->credentials(u.id).failed_logins, 20u);  // no lost update
  EXPECT_EQ(shared.login(u.email, good).outcome, LoginOutcome::Success);
}
