#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/secret.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "practice/types.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::practice {

// Practice records (issue #7; claims C01, C02, C06, C20, C22, C40, C50; docs/practice.md):
// clients, session notes with their versions, summaries, case conceptualizations.
//
// - Every method takes the caller's TherapistScope (only a therapist may use these
//   records: identity/scope.hpp) and touches only its tenant: every
//   statement runs in a transaction from Db::BeginTenant(who.tenant) (PostgreSQL's
//   row-level security is the second wall) and filters by tenant_id itself. Another
//   tenant's id is kNotFound, exactly like an id that does not exist (C20).
// - Each client has its own data key (C06). Every content field of the client and of
//   everything under it is sealed with that key for its Place (C01, C02). Deleting a
//   client deletes its rows and destroys its key; the audit event stays.
// - Client content enters and leaves only as crypto::PhiString: it cannot be logged or
//   put into an audit event.
// - Every read of content (a client's profile, notes, summaries, conceptualizations,
//   an export) appends a committed audit event before the data is returned (C40); every
//   change is audited in its own transaction.
// - Outside the record a client is only its alias, the initials (alias.hpp, C50). The
//   full and preferred name are sealed fields of the record, or not kept at all when
//   the practice is in initials-only mode (PracticeSettings).
// Thread-safety: every method may be called from any thread.

// The schema (versions 401-499).
std::span<const store::Migration> PracticeMigrations();

// What a module built on practice keeps under a client (schedule: appointments), as the
// client list and deletion need it. Either part may be empty.
struct ClientExtension {
  // Deletes the module's rows of a client, inside DeleteClient's transaction (atomic with
  // the client's own rows).
  std::function<Status(store::Transaction&, store::TenantId, std::string_view client_id)>
      delete_rows;
  // Archiving (discharging) a client, inside UpdateClient's transaction: cancels what the
  // module holds for the client's future (appointments from `now` on); the count.
  std::function<Result<std::int64_t>(store::Transaction&, store::TenantId,
                                     std::string_view client_id, Micros now)>
      archive_rows;
  // The next appointment of every client that has one: one read for a whole list.
  std::function<Result<std::map<std::string, Micros>>(const identity::TherapistScope&)>
      next_appointments;
  // For pages: how a time reads in the therapist's time zone ("Tue 1 Dec, 9:00 AM"),
  // one read per page.
  std::function<Result<std::function<std::string(Micros)>>(const identity::TherapistScope&)>
      time_words;
  // For pages: the local day ("YYYY-MM-DD") of an instant in the therapist's time zone.
  std::function<Result<std::string>(const identity::TherapistScope&, Micros)> local_day;
  // For a new note: the session of appointment `appointment_id` (local date and time in the
  // therapist's zone, length), nullopt when the caller's tenant has no such appointment of
  // client `client_id`.
  std::function<Result<std::optional<SessionTime>>(
      const identity::TherapistScope&, std::string_view client_id, std::string_view appointment_id)>
      session_of;
};

// Seals and opens content that a module built on practice keeps under one client (the
// measures' answers and scores) with that client's data key (C01; deleting the client
// destroys the key, C06), for places in one table of that module: the place is (the
// client's tenant, `table`, column, row id), so a ciphertext moved to another row, column
// or client does not open (C02). Made only by Practice::SealerFor. No key bytes: it holds
// the key's id and calls crypto::FieldCipher. Sealing may reserve seals in the database:
// never call it inside a transaction. Thread-safety: const, any thread; borrows the key
// ring (the practice service must outlive it).
class ClientSealer {
 public:
  Result<std::vector<std::uint8_t>> Seal(std::string_view column, std::string_view row_id,
                                         std::string_view plaintext) const;
  // DecryptionFailedError() for anything that is not this client's ciphertext of this place.
  Result<crypto::PhiString> Open(std::string_view column, std::string_view row_id,
                                 std::span<const std::uint8_t> ciphertext) const;

 private:
  friend class Practice;
  ClientSealer(crypto::KeyRing& keys, crypto::KeyId key, store::TenantId tenant,
               std::string table)
      : keys_(&keys), key_(key), tenant_(tenant), table_(std::move(table)) {}
  crypto::KeyRing* keys_;
  crypto::KeyId key_;
  store::TenantId tenant_;
  std::string table_;
};

class Practice {
 public:
  // Borrows everything; all must outlive the service.
  Practice(store::Db& db, crypto::KeyRing& keys, const audit::Log& log, const Clock& clock);

  // At start-up, before any other call (not thread-safe with them).
  void AddExtension(ClientExtension extension) { extensions_.push_back(std::move(extension)); }
  // How times read on the caller's pages: the first extension's time_words, else UTC
  // ("2026-12-01 09:00 UTC").
  Result<std::function<std::string(Micros)>> TimeWords(const identity::TherapistScope& who);
  // The local day ("YYYY-MM-DD") of `t` for the caller: the first extension's local_day,
  // else the UTC day (a new note's session date defaults to the therapist's today).
  Result<std::string> LocalDay(const identity::TherapistScope& who, Micros t);
  // The session a note of `client_id` for appointment `appointment_id` is about, from the
  // first extension that knows (nullopt without one, or for another client's, another
  // tenant's or a missing appointment).
  Result<std::optional<SessionTime>> SessionOfAppointment(const identity::TherapistScope& who,
                                                          std::string_view client_id,
                                                          std::string_view appointment_id);

  // A sealer for client `client_id` of `tenant` and the table `table` of the calling
  // module. `tenant` is the caller's scope's, or the one a verified link token names
  // (crypto::TokenRecord::tenant: the questionnaire form has no account). kNotFound for
  // a client that is not of `tenant` (C20); kInvalidArgument for a table of practice's
  // own (no other module opens a note or a profile) or a malformed name. Reads the
  // client in a transaction of its own: never inside one.
  Result<ClientSealer> SealerFor(store::TenantId tenant, std::string_view client_id,
                                 std::string_view table);

  // Clients.
  Result<ClientListItem> CreateClient(const identity::TherapistScope& who,
                                      const crypto::PhiString& name, ProfileFields profile,
                                      const identity::Caller& caller);
  Result<std::vector<ClientListItem>> ListClients(const identity::TherapistScope& who);
  // A page of clients whose alias, name or preferred name contains `query.text` (case
  // and accents of ASCII letters aside; "jd" and "J.D." both find "J.D."), in alias
  // order. Names are opened only to match; the page holds aliases. kInvalidArgument for
  // a limit out of range or an `after` that is not a client id.
  Result<ClientPage> SearchClients(const identity::TherapistScope& who, const ClientQuery& query);
  Result<PracticeSettings> GetSettings(const identity::TherapistScope& who);
  // Audited. Turning initials-only on removes every kept name of the practice's clients
  // (and checkpoints the SQLite WAL so no file keeps them).
  Status SetSettings(const identity::TherapistScope& who, const PracticeSettings& settings,
                     const identity::Caller& caller);
  Result<ClientRecord> GetClient(const identity::TherapistScope& who, std::string_view client_id,
                                 const identity::Caller& caller);
  // The client's alias and status only (no content, so not audited; like a list row
  // without last_session_date): for page titles and headings.
  Result<ClientListItem> GetClientInfo(const identity::TherapistScope& who,
                                       std::string_view client_id);
  // The profile, the newest `notes_limit` notes (1..kMaxNotesListed), every summary and
  // conceptualization: one committed audit event naming what was shown (C40).
  Result<ClientOverview> GetClientOverview(const identity::TherapistScope& who,
                                           std::string_view client_id, std::size_t notes_limit,
                                           const identity::Caller& caller);
  // `name`, when given, replaces the initials and (unless initials-only) the kept name.
  Status UpdateClient(const identity::TherapistScope& who, std::string_view client_id,
                      const crypto::PhiString* name, ProfileFields changes,
                      std::optional<ClientStatus> status, const identity::Caller& caller);
  // Deletes every row of the client and destroys its data key (C06).
  Status DeleteClient(const identity::TherapistScope& who, std::string_view client_id,
                      const identity::Caller& caller);
  // Everything, every note included; one export event (C40).
  Result<ClientExport> ExportClient(const identity::TherapistScope& who, std::string_view client_id,
                                    const identity::Caller& caller);

  // Destroys every client data key of every tenant that no client uses any more and that
  // was created before `created_before` (the margin keeps keys of clients being created
  // right now): the retry for a key destruction that failed after a deletion (C06), or
  // after a creation that did not complete. Returns how many keys went. Errors: the
  // database's (keys already destroyed stay destroyed).
  Result<std::int64_t> SweepOrphanKeys(Micros created_before);

  // Session notes.
  Result<NoteInfo> CreateNote(const identity::TherapistScope& who, std::string_view client_id,
                              std::string_view session_date, NoteFormat format, Sections content,
                              const identity::Caller& caller);
  // With the session's time and length and the form token: a note whose token was used
  // already is not made again; the first one is returned (checked in the write
  // transaction, and a unique index is the second wall). Saving removes the therapist's
  // "note:new" draft of the client in the same transaction.
  Result<NoteInfo> CreateNote(const identity::TherapistScope& who, std::string_view client_id,
                              NewNote note, const identity::Caller& caller);
  // The newest `limit` notes of a client (by session date; 1..kMaxNotesListed), decrypted.
  Result<std::vector<Note>> ListNotes(const identity::TherapistScope& who,
                                      std::string_view client_id, std::size_t limit,
                                      const identity::Caller& caller);
  Result<Note> GetNote(const identity::TherapistScope& who, std::string_view note_id,
                       const identity::Caller& caller);
  // A note's date, format and version, without its content (so not audited).
  Result<NoteInfo> GetNoteInfo(const identity::TherapistScope& who, std::string_view note_id);
  // A new version with the given date (optional) and content (sections of the note's format).
  Result<NoteInfo> UpdateNote(const identity::TherapistScope& who, std::string_view note_id,
                              std::optional<std::string> session_date, Sections content,
                              const identity::Caller& caller);
  // A new version with the session, format and content of `edit`; removes the
  // therapist's "note:<id>" draft. kFailedPrecondition for a signed or voided note.
  Result<NoteInfo> UpdateNote(const identity::TherapistScope& who, std::string_view note_id,
                              NoteEdit edit, const identity::Caller& caller);
  // kFailedPrecondition for a signed note (void it instead).
  Status DeleteNote(const identity::TherapistScope& who, std::string_view note_id,
                    const identity::Caller& caller);
  // Signs and locks the note (signature.made); signing a signed note changes nothing.
  // kFailedPrecondition for a voided note.
  Result<NoteInfo> SignNote(const identity::TherapistScope& who, std::string_view note_id,
                            const identity::Caller& caller);
  // Adds sealed text to a signed note (record.created, object note_addendum).
  // kFailedPrecondition when the note is not signed (edit it) or is voided.
  Result<Addendum> AddAddendum(const identity::TherapistScope& who, std::string_view note_id,
                               const crypto::PhiString& text, const identity::Caller& caller);
  // Marks a mistaken note void with a (sealed) reason; the note and its versions stay,
  // shown struck through (record.updated with change=voided). kFailedPrecondition when
  // already voided, kInvalidArgument for an empty reason.
  Status VoidNote(const identity::TherapistScope& who, std::string_view note_id,
                  const crypto::PhiString& reason, const identity::Caller& caller);

  // Drafts (what an editor typed and has not saved): sealed with the client's key, one
  // per (therapist, client, target). A draft is not part of the record: saving one is
  // no record change and not audited (nor is anything of it logged); opening one is a
  // read of content like any other and audited (record.accessed, object draft). Saving
  // the note or summary removes its draft; deleting the client removes them all.
  // kInvalidArgument for a target that is not one (IsDraftTarget), a field name that is
  // not an editor's, too many fields or text over 64 KiB; kNotFound for a client, or
  // the note or summary of the target, that is not the caller's.
  Status SaveDraft(const identity::TherapistScope& who, std::string_view client_id,
                   std::string_view target, Sections fields);
  // The caller's draft for the target, or nullopt.
  Result<std::optional<Draft>> OpenDraft(const identity::TherapistScope& who,
                                         std::string_view client_id, std::string_view target,
                                         const identity::Caller& caller);
  // The caller's drafts for a client: targets and times, no content (so not audited).
  Result<std::vector<Draft>> ListDrafts(const identity::TherapistScope& who,
                                        std::string_view client_id);
  Status DiscardDraft(const identity::TherapistScope& who, std::string_view client_id,
                      std::string_view target);
  // Every version of a note, oldest first.
  Result<std::vector<Note>> NoteHistory(const identity::TherapistScope& who,
                                        std::string_view note_id, const identity::Caller& caller);

  // Summaries: draft -> reviewed; a reviewed one is frozen (editing makes a new draft).
  Result<Summary> CreateSummary(const identity::TherapistScope& who, std::string_view client_id,
                                const crypto::PhiString& text,
                                std::optional<std::string> source_note_id,
                                const identity::Caller& caller);
  Result<Summary> GetSummary(const identity::TherapistScope& who, std::string_view summary_id,
                             const identity::Caller& caller);
  Result<std::vector<Summary>> ListSummaries(const identity::TherapistScope& who,
                                             std::string_view client_id,
                                             const identity::Caller& caller);
  // Edits a draft in place; for a reviewed summary, creates a new draft that supersedes
  // it. Returns the draft.
  Result<Summary> EditSummary(const identity::TherapistScope& who, std::string_view summary_id,
                              const crypto::PhiString& text, const identity::Caller& caller);
  Result<Summary> ReviewSummary(const identity::TherapistScope& who, std::string_view summary_id,
                                const identity::Caller& caller);
  // For a module that makes summaries (a recording's AI drafts, issue #19): a draft
  // summary of the client made like CreateSummary, except that the therapist's unsaved
  // editor draft of a new summary stays (it is theirs, not this one), and `also` runs in
  // the same transaction once the row is in (e.g. to link it; its error undoes both).
  Result<Summary> CreateModuleSummary(
      const identity::TherapistScope& who, std::string_view client_id,
      const crypto::PhiString& text,
      const std::function<Status(store::Transaction&, const Summary&)>& also,
      const identity::Caller& caller);
  // For a module that made summaries (a recording's AI drafts, C04): deletes those of
  // `ids` of `tenant` that are still drafts, inside the caller's transaction (its audit
  // event says so); reviewed ones stay, the therapist's own record. Returns how many went.
  static Result<std::int64_t> DeleteDraftSummaries(store::Transaction& tx, store::TenantId tenant,
                                                   std::span<const std::string> ids);

  // Case conceptualizations (versioned: each save is a new version).
  Result<Conceptualization> CreateConceptualization(const identity::TherapistScope& who,
                                                    std::string_view client_id, Sections fields,
                                                    const identity::Caller& caller);
  Result<std::vector<Conceptualization>> ListConceptualizations(const identity::TherapistScope& who,
                                                                std::string_view client_id,
                                                                const identity::Caller& caller);

 private:
  struct ClientKey;
  void DiscardUnusedKey(const identity::TherapistScope& who, crypto::KeyId key);
  // Unaudited loaders: every public read is one of these plus one audit event.
  Result<ClientRecord> LoadRecord(const identity::TherapistScope& who, std::string_view client_id);
  Result<std::vector<Note>> LoadNotes(const identity::TherapistScope& who,
                                      std::string_view client_id, std::optional<std::size_t> limit);
  Result<std::vector<Summary>> LoadSummaries(const identity::TherapistScope& who,
                                             std::string_view client_id);
  Result<std::vector<Conceptualization>> LoadConceptualizations(const identity::TherapistScope& who,
                                                                std::string_view client_id);
  // The one event of a read that showed these objects of a client.
  Status AuditShown(const identity::TherapistScope& who, const identity::Caller& caller,
                    audit::Action action, std::string_view client_id, std::span<const Note> notes,
                    std::span<const Summary> summaries,
                    std::span<const Conceptualization> concepts);
  // Whether the practice is initials-only, read inside the caller's write transaction
  // and holding the settings row (made if missing) against a concurrent change, so that
  // no name is written after initials-only mode was turned on.
  Result<bool> InitialsOnlyIn(store::Transaction& tx, const identity::TherapistScope& who);
  // Removes the caller's draft for `target` of the client, inside a write.
  Status DropDraft(store::Transaction& tx, const identity::TherapistScope& who,
                   std::string_view client_id, std::string_view target);
  // The note's client, key and state, read in a transaction of its own (kNotFound).
  struct NoteState;
  Result<NoteState> LoadNoteState(const identity::TherapistScope& who, std::string_view note_id);
  Result<ClientKey> LoadClient(store::Transaction& tx, const identity::TherapistScope& who,
                               std::string_view client_id);
  // The client's data key, read in a transaction of its own. Sealing and opening happen
  // outside transactions: the key ring may itself read or write the database (unwrapping
  // a key, reserving seals), and SQLite allows one transaction per thread.
  Result<crypto::KeyId> ClientKeyOf(const identity::TherapistScope& who,
                                    std::string_view client_id);
  Result<Note> OpenNote(const identity::TherapistScope& who, NoteInfo info, crypto::KeyId key,
                        std::span<const std::uint8_t> content);
  // One read-only statement in a tenant transaction of its own (its rows are decrypted
  // after the transaction ends).
  Result<std::vector<store::Row>> QueryTenant(const identity::TherapistScope& who,
                                              std::string_view sql,
                                              std::span<const store::Value> params);
  // Rows of summaries (with their client's key id) where `where` = id, in a transaction
  // of its own.
  // CreateSummary and CreateModuleSummary (`also` null: the editor's draft goes).
  Result<Summary> InsertSummary(
      const identity::TherapistScope& who, std::string_view client_id,
      const crypto::PhiString& text, std::optional<std::string> source_note_id,
      const std::function<Status(store::Transaction&, const Summary&)>* also,
      const identity::Caller& caller);
  Result<std::vector<store::Row>> SummaryRows(const identity::TherapistScope& who,
                                              std::string_view where, std::string_view id);
  Status AuditRead(const identity::TherapistScope& who, const identity::Caller& caller,
                   audit::Action action, std::string_view object_type, std::string_view object_id,
                   std::string_view client_id, std::int64_t count);

  // Fills `next_appointment` of every item from the extensions (one read each).
  Status AddNextAppointments(const identity::TherapistScope& who,
                             std::span<ClientListItem> items);

  std::vector<ClientExtension> extensions_;
  store::Db& db_;
  identity::UnitOfWork work_;
  crypto::KeyRing& keys_;
  const audit::Log& log_;
  const Clock& clock_;
};

}  // namespace alcove::practice
