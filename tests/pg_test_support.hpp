#pragma once
// A throwaway PostgreSQL 15 server for tests: initdb into a temporary
// directory, listening on a Unix socket in that directory and on 127.0.0.1 at a
// free port, stopped and removed at the end. PostgreSQL refuses to run as
// root, so under root (CI) initdb, pg_ctl and the server run as an
// unprivileged user through runuser: KLIK_TEST_PG_USER, else "klik-test"
// (scripts/setup creates it), else "postgres", else "nobody". When PostgreSQL
// is missing the constructor throws naming what is missing: the test fails,
// it never skips.
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace klik::testing {

class PgCluster {
 public:
  /// `create_klik`: create the database "klik" (url()'s default); without it
  /// only PostgreSQL's own "postgres" database exists.
  explicit PgCluster(bool create_klik = true) {
    bin_ = find_bin();
    std::string tmpl = "/tmp/klik-pg-XXXXXX";  // short: a socket path is limited to 107 bytes
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("PgCluster: cannot create a temporary directory");
    dir_ = tmpl;
    if (::geteuid() == 0) {
      user_ = pick_user();
      const passwd* pw = ::getpwnam(user_.c_str());
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("PgCluster: cannot give " + dir_ + " to user " + user_);
    }
    port_ = free_port();
    run({bin_ + "/initdb", "-D", data(), "-U", "klik", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
         "--no-instructions"},
        "initdb");
    // fsync stays on (the crash tests rely on it); small settings for a test machine.
    std::ofstream(data() + "/postgresql.auto.conf", std::ios::app)
        << "listen_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '" << dir_
        << "'\nfsync = on\nshared_buffers = 64MB\nmax_connections = 60\nlogging_collector = off\n"
        // After a crash the server fsyncs every file of the data directory (one per
        // table of each test database) unless it may sync the file system at once.
        << "recovery_init_sync_method = syncfs\n";
    start();
    if (create_klik)
      run({bin_ + "/createdb", "-h", dir_, "-p", std::to_string(port_), "-U", "klik", "klik"}, "createdb");
  }
  ~PgCluster() {
    if (running_) run_quiet({bin_ + "/pg_ctl", "-D", data(), "-m", "immediate", "-w", "stop"});
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  /// Starts the server and waits until it accepts connections.
  void start() {
    run({bin_ + "/pg_ctl", "-D", data(), "-l", dir_ + "/server.log", "-w", "-t", "60", "start"}, "pg_ctl start");
    running_ = true;
  }
  /// Stops the server: "fast", "smart" or "immediate" (a crash: no checkpoint).
  void stop(const std::string& mode = "fast") {
    run({bin_ + "/pg_ctl", "-D", data(), "-m", mode, "-w", "-t", "60", "stop"}, "pg_ctl stop");
    running_ = false;
  }

  /// A new, empty database; returns its URL (over the Unix socket).
  std::string create_database(const std::string& name) {
    run({bin_ + "/createdb", "-h", dir_, "-p", std::to_string(port_), "-U", "klik", name}, "createdb " + name);
    return url(name);
  }
  /// A new, empty schema in database "klik"; returns a URL whose connections
  /// use it (search_path). Much cheaper than a database: a database copies its
  /// template's ~300 files, which a crash recovery then syncs.
  std::string create_schema(const std::string& name) {
    psql("klik", "CREATE SCHEMA \"" + name + "\"");
    return url("klik") + "&options=-csearch_path%3D" + name;
  }
  /// The URL of database `db` over the Unix socket.
  [[nodiscard]] std::string url(const std::string& db = "klik") const {
    return "postgresql://klik@/" + db + "?host=" + dir_ + "&port=" + std::to_string(port_);
  }
  /// The URL of database `db` over TCP on 127.0.0.1.
  [[nodiscard]] std::string tcp_url(const std::string& db = "klik") const {
    return "postgresql://klik@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  /// Runs SQL through psql as the superuser; returns its output (unaligned, tuples only).
  std::string psql(const std::string& db, const std::string& sql) {
    return run({bin_ + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir_, "-p",
                std::to_string(port_), "-U", "klik", "-d", db, "-c", sql},
               "psql", false);
  }
  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

 private:
  [[nodiscard]] std::string data() const { return dir_ + "/data"; }

  static std::string find_bin() {
    std::vector<std::string> candidates;
    if (const char* e = std::getenv("KLIK_TEST_PG_BIN")) candidates.emplace_back(e);
    candidates.emplace_back("/usr/lib/postgresql/15/bin");
    for (const auto& c : candidates)
      if (::access((c + "/initdb").c_str(), X_OK) == 0 && ::access((c + "/pg_ctl").c_str(), X_OK) == 0) return c;
    throw std::runtime_error(
        "PostgreSQL 15 is missing: no initdb and pg_ctl in /usr/lib/postgresql/15/bin (or KLIK_TEST_PG_BIN). "
        "Install the Debian package postgresql-15 (scripts/setup does).");
  }

  static std::string pick_user() {
    std::vector<std::string> users;
    if (const char* e = std::getenv("KLIK_TEST_PG_USER")) users.emplace_back(e);
    users.insert(users.end(), {"klik-test", "postgres", "nobody"});
    for (const auto& u : users)
      if (::getpwnam(u.c_str())) return u;
    throw std::runtime_error(
        "running as root, and PostgreSQL refuses root: no unprivileged user (klik-test, postgres, nobody) to run it "
        "as. scripts/setup creates klik-test.");
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("PgCluster: cannot find a free port on 127.0.0.1");
    ::close(fd);
    return ntohs(a.sin_port);
  }

  /// Runs argv (as user_ when root and `as_server`), capturing its output;
  /// throws with the output when it fails.
  std::string run(std::vector<std::string> argv, const std::string& what, bool as_server = true) {
    if (!user_.empty() && as_server) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", user_, "--"});
    const std::string out_file = dir_ + "/cmd.out";
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("PgCluster: fork failed");
    if (pid == 0) {
      const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::ifstream in(out_file);
    std::string out{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::error_code ec;
    std::filesystem::remove(out_file, ec);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::string log;
      if (what.starts_with("pg_ctl")) {
        std::ifstream l(dir_ + "/server.log");
        log = std::string{std::istreambuf_iterator<char>(l), std::istreambuf_iterator<char>()};
        if (log.size() > 2000) log = log.substr(log.size() - 2000);
      }
      throw std::runtime_error("PgCluster: " + what + " failed (status " + std::to_string(status) + "): " + out +
                               (log.empty() ? "" : "\nserver log:\n" + log));
    }
    return out;
  }
  void run_quiet(std::vector<std::string> argv) noexcept {
    try {
      run(std::move(argv), "cleanup");
    } catch (...) {
    }
  }

  std::string bin_;
  std::string dir_;
  std::string user_;  // empty: run as ourselves
  int port_ = 0;
  bool running_ = false;
};

/// The one cluster of this test binary, started on first use and stopped at exit.
inline PgCluster& shared_pg_cluster() {
  static PgCluster cluster;
  return cluster;
}

}  // namespace klik::testing
