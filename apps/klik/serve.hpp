// klik serve: the portal service (docs/portal.md). An HTTP JSON API over klik's
// public API, with sessions; a thin layer that adds no rule of its own.
#pragma once

#include <cstddef>
#include <string>

#include "mail.hpp"

namespace klik_app {

struct ServeOptions {
  std::string db;  ///< a SQLite file or a postgresql:// URL (klik::open_store)
  std::string bind = "127.0.0.1";  ///< loopback unless told otherwise: TLS ends at a reverse proxy
  int port = 8080;  ///< 0: any free port (printed on stdout)
  /// Worker threads. Each open connection holds one while it is kept alive (httplib
  /// answers a connection on one thread), so this bounds the concurrent connections.
  unsigned threads = 64;
  /// SQLite: how often (ms) a read asks whether other processes committed (0: every
  /// read). The service's own writes are seen at once whatever this is.
  int follow_ms = 50;
  std::string date;  ///< judge colours on this day (YYYY-MM-DD) instead of today in Copenhagen
  bool demo = false;  ///< give a few demo users a fresh password, printed once on stdout
  bool secure_cookies = false;  ///< mark the session cookie Secure (behind a TLS proxy)
  std::size_t max_body_bytes = std::size_t{8} << 20;  ///< larger request bodies get 413
  double idle_minutes = 30;  ///< a session unused this long ends (fractions of a minute too)
  long max_session_hours = 12;  ///< and every session ends after this long
  MailOptions mail;  ///< with mail.smtp set, the service also delivers the outbox as e-mail
};

/// Runs the service until SIGINT or SIGTERM. Returns the exit code.
int serve(const ServeOptions& options);

}  // namespace klik_app
