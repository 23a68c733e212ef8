// Fuzzes klik::MailTemplates::from_json (klik/email.hpp, docs/email.md).
// Oracle: accepted templates compose every event's mail for an entry whose payload
// names nothing that exists, and write it as MIME that is ASCII with CRLF lines.
#include <memory>
#include <optional>

#include "fuzz_support.hpp"
#include "klik/email.hpp"
#include "klik/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  static const std::unique_ptr<Store> store = make_memory_store(Dataset{});
  std::optional<MailTemplates> t;
  if (!fuzz::accepts([&] { t = MailTemplates::from_json(fuzz::text(data, size)); })) return 0;
  const Snapshot snap = store->snapshot();
  for (const std::string& event : MailTemplates::events()) {
    Notification n;
    n.id = 1;
    n.event = event;
    n.mailbox = "projekt@kombit.dk";
    n.payload = R"({"task": 1, "project": 2, "colour": "red", "items": [{"task": 1}]})";
    fuzz::must_succeed("composing a mail with accepted templates", [&] {
      for (const Email& e : compose_emails(snap.world(), n, *t, MailSettings{})) {
        const std::string mime = to_mime(e);
        for (std::size_t i = 0; i < mime.size(); ++i) {
          if (static_cast<unsigned char>(mime[i]) >= 128) fuzz::finding("a MIME message that is not ASCII", mime);
          if (mime[i] == '\n' && (i == 0 || mime[i - 1] != '\r')) fuzz::finding("a bare LF in MIME", mime);
        }
      }
    });
  }
  return 0;
}
