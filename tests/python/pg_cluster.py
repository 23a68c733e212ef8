"""A throwaway PostgreSQL 15 server for the Python tests (the C++ twin is
tests/pg_test_support.hpp).

initdb into a temporary directory, listen on a Unix socket there and on
127.0.0.1 at a free port (fsync on), create a database, and stop and remove it
all at the end. PostgreSQL refuses to run as root, so under root (CI) initdb,
pg_ctl and the server run as an unprivileged user through runuser:
KLIK_TEST_PG_USER, else ``klik-test`` (scripts/setup creates it), else
``postgres``, else ``nobody``. When PostgreSQL is missing, starting raises
naming what is missing: the test fails, it never skips.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile

BIN_DIRS = [os.environ.get("KLIK_TEST_PG_BIN", ""), "/usr/lib/postgresql/15/bin"]


def _find_bin() -> str:
    for d in BIN_DIRS:
        if d and os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    raise RuntimeError(
        "PostgreSQL 15 is missing: no initdb and pg_ctl in /usr/lib/postgresql/15/bin (or KLIK_TEST_PG_BIN). "
        "Install the Debian package postgresql-15 (scripts/setup does)."
    )


def _pick_user() -> str:
    for user in [os.environ.get("KLIK_TEST_PG_USER", ""), "klik-test", "postgres", "nobody"]:
        if not user:
            continue
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            pass
    raise RuntimeError(
        "running as root, and PostgreSQL refuses root: no unprivileged user (klik-test, postgres, nobody) "
        "to run it as. scripts/setup creates klik-test."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """Use as a context manager: ``with PgCluster() as pg: pg.url("klik")``."""

    def __init__(self) -> None:
        self.bin = _find_bin()
        self.dir = tempfile.mkdtemp(prefix="klik-pg-", dir="/tmp")  # short: socket paths are limited
        self.user = ""
        if os.geteuid() == 0:
            self.user = _pick_user()
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = _free_port()
        self.running = False

    def _run(self, *argv: str, as_server: bool = True) -> str:
        cmd = list(argv)
        if self.user and as_server:
            cmd = ["/usr/sbin/runuser", "-u", self.user, "--", *cmd]
        # The server's programs run without the sanitizer runtimes the ASan pytest run preloads
        # into Python (an instrumented LD_PRELOAD hangs `postgres -V` under initdb).
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
        r = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, check=False, env=env)
        if r.returncode != 0:
            log = ""
            if os.path.exists(os.path.join(self.dir, "server.log")):
                with open(os.path.join(self.dir, "server.log"), encoding="utf-8", errors="replace") as f:
                    log = f.read()[-2000:]
            raise RuntimeError(f"PgCluster: {' '.join(argv[:2])} failed ({r.returncode}): {r.stdout}{r.stderr}\n{log}")
        return r.stdout

    @property
    def data(self) -> str:
        return os.path.join(self.dir, "data")

    def start(self) -> None:
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                  "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def create_database(self, name: str) -> str:
        self._run(os.path.join(self.bin, "createdb"), "-h", self.dir, "-p", str(self.port), "-U", "klik", name)
        return self.url(name)

    def url(self, db: str = "klik") -> str:
        """The database's URL over the Unix socket."""
        return f"postgresql://klik@/{db}?host={self.dir}&port={self.port}"

    def tcp_url(self, db: str = "klik") -> str:
        return f"postgresql://klik@127.0.0.1:{self.port}/{db}"

    def __enter__(self) -> "PgCluster":
        try:
            self._run(os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "klik", "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-sync", "--no-instructions")
            with open(os.path.join(self.data, "postgresql.auto.conf"), "a", encoding="utf-8") as f:
                f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                        "fsync = on\nshared_buffers = 64MB\nmax_connections = 60\nrecovery_init_sync_method = syncfs\n")
            self.start()
            self.create_database("klik")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
