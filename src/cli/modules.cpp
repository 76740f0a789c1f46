#include "cli/modules.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "audit/log.hpp"
#include "crypto/tokens.hpp"
#include "hours/hours.hpp"
#include "hours/reminders.hpp"
#include "hours/signing.hpp"
#include "hours/summary_signing.hpp"
#include "hours/supervision.hpp"
#include "identity/identity.hpp"
#include "identity/rate_limit.hpp"
#include "identity/scope.hpp"
#include "measures/measure_mail.hpp"
#include "measures/schedules.hpp"
#include "measures/service.hpp"
#include "portal/portal.hpp"
#include "practice/practice.hpp"
#include "ai/jobs.hpp"
#include "recordings/recordings.hpp"
#include "schedule/schedule.hpp"
#include "web/hours/routes.hpp"
#include "web/measures/routes.hpp"
#include "web/portal/routes.hpp"
#include "web/practice/routes.hpp"
#include "web/ai/routes.hpp"
#include "web/recordings/routes.hpp"
#include "web/schedule/routes.hpp"

namespace alcove::cli {
namespace {

// Practice records: the service, its routes, the orphan-key sweeper, client aliases.
class PracticeModule final : public ModuleInstance {
 public:
  // Client keys younger than this may belong to a client being created right now.
  static constexpr Micros kOrphanKeyMargin = 10 * 60 * kMicrosPerSecond;

  explicit PracticeModule(const ModuleDeps& d) : practice_(d.db, d.keys, d.log, d.clock) {}

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    return web::AddPracticeRoutes(kit, identity, practice_, templates);
  }

  void Housekeeping(Micros now) override {
    if (auto n = practice_.SweepOrphanKeys(now - kOrphanKeyMargin); !n) {
      spdlog::warn("sweeping orphan client keys failed: {}", n.error().internal);
    } else if (*n > 0) {
      spdlog::info("destroyed {} orphan client data key(s)", *n);
    }
  }

  void AddAliases(const identity::Principal& who,
                  std::map<std::string, std::string>& out) override {
    auto scope = identity::TherapistScope::From(who);
    if (!scope) {
      return;  // only a therapist's events name clients
    }
    if (auto list = practice_.ListClients(*scope)) {
      for (auto& c : *list) {
        out.emplace(std::move(c.id), std::move(c.alias));
      }
    }
  }

  practice::Practice& practice() { return practice_; }

 private:
  practice::Practice practice_;
};

// The schedule, built on practice: appointments of its clients, the Today page as the
// therapist's home, the next appointment on the client list.
class ScheduleModule final : public ModuleInstance {
 public:
  explicit ScheduleModule(const ModuleDeps& d)
      : practice_(dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice()),
        schedule_(d.db, d.log, d.clock) {
    practice_.AddExtension(practice::ClientExtension{
        .delete_rows = &schedule::Schedule::DeleteClientRows,
        .archive_rows = &schedule::Schedule::CancelFutureOfClient,
        .next_appointments = [this](const identity::TherapistScope& who) {
          return schedule_.NextAppointments(who);
        },
        .time_words = [this](const identity::TherapistScope& who)
            -> Result<std::function<std::string(Micros)>> {
          ALCOVE_TRY_ASSIGN(auto zone, schedule_.Zone(who));
          // Until the therapist sets a zone the times are UTC, and say so.
          return [tz = std::move(zone.first), named = !zone.second](Micros t) {
            return named ? tz.Words(t) + " UTC" : tz.Words(t);
          };
        },
        .local_day = [this](const identity::TherapistScope& who, Micros t) -> Result<std::string> {
          ALCOVE_TRY_ASSIGN(auto zone, schedule_.Zone(who));
          return zone.first.LocalDate(t);
        },
        .session_of = [this](const identity::TherapistScope& who, std::string_view client_id,
                             std::string_view appointment_id)
            -> Result<std::optional<practice::SessionTime>> {
          auto a = schedule_.Get(who, appointment_id);  // of the caller's tenant only
          if (!a) {
            if (a.error().code == ErrorCode::kNotFound) {
              return std::optional<practice::SessionTime>();
            }
            return std::unexpected(a.error());
          }
          if (a->client_id != client_id) {
            return std::optional<practice::SessionTime>();
          }
          ALCOVE_TRY_ASSIGN(auto zone, schedule_.Zone(who));
          return std::optional<practice::SessionTime>(
              practice::SessionTime{.date = zone.first.LocalDate(a->starts_at),
                                    .time = zone.first.LocalClock(a->starts_at),
                                    .minutes = a->minutes});
        }});
  }

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    return web::AddScheduleRoutes(kit, identity, schedule_, practice_, templates);
  }

  // For modules built on the schedule (measures' before-appointment schedules).
  schedule::Schedule& schedule() { return schedule_; }

 private:
  practice::Practice& practice_;
  schedule::Schedule schedule_;
};

// Supervised hours, built on practice: a picked client's alias and the therapist's
// local day come from it. Reminders (issue #15) run from its housekeeping.
class HoursModule final : public ModuleInstance {
 public:
  explicit HoursModule(const ModuleDeps& d)
      : practice_(dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice()),
        hours_(d.db, d.keys, d.log, d.clock,
               hours::Lookups{
                   // The alias only (no content, so not a read of the record).
                   .alias_of = [this](const identity::TherapistScope& who,
                                      std::string_view client_id) -> Result<std::string> {
                     ALCOVE_TRY_ASSIGN(auto client, practice_.GetClientInfo(who, client_id));
                     return std::move(client.alias);
                   },
                   .local_day = [this](const identity::TherapistScope& who,
                                       Micros t) { return practice_.LocalDay(who, t); }}),
        supervision_(d.db, d.identity, d.hasher, d.log, d.mail, d.clock, d.public_origin),
        directory_(d.supervisor_directory != nullptr ? *d.supervisor_directory
                                                     : supervision_.Directory()),
        reminders_(hours::ReminderDeps{
            .db = d.db,
            .mail = d.mail,
            .log = d.log,
            .clock = d.clock,
            .public_origin = d.public_origin,
            .supervisors = directory_,
            .local_day = [this](const identity::TherapistScope& who,
                                Micros t) { return practice_.LocalDay(who, t); },
            .email_of = [&identity =
                             d.identity](const identity::Principal& who) -> Result<std::string> {
              ALCOVE_TRY_ASSIGN(auto profile, identity.GetProfile(who));
              return std::move(profile.email);
            }}),
        signing_(hours_, directory_, SigningDepsOf(d)),
        summary_signing_(directory_, SigningDepsOf(d)) {}

  // What signing weeks and summaries borrow.
  static hours::SigningDeps SigningDepsOf(const ModuleDeps& d) {
    return hours::SigningDeps{
        .db = d.db,
        .log = d.log,
        .clock = d.clock,
        .mail = d.mail,
        .public_origin = d.public_origin,
        .checkpoint = d.checkpoint,
        .verifier_key = d.verifier_key,
        .account_name = [&identity =
                             d.identity](std::string_view account_id) -> Result<std::string> {
          ALCOVE_TRY_ASSIGN(auto profile, identity.AccountById(account_id));
          return std::move(profile.name);
        }};
  }

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    auto routes = std::make_unique<Parts>();
    routes->parts.push_back(
        web::AddHoursRoutes(kit, identity, hours_, practice_, templates,
                            web::HoursExtras{.supervisors = directory_,
                                             .reminders = reminders_,
                                             .signing = signing_,
                                             .summary_signing = summary_signing_}));
    routes->parts.push_back(
        web::AddSupervisionRoutes(kit, identity, supervision_, hours_, reminders_, templates));
    return routes;
  }

  // What signing and the forms borrow of the supervisors (hours/supervisor_directory.hpp).
  hours::SupervisorDirectory Directory() { return supervision_.Directory(); }
  hours::Signing& signing() { return signing_; }

  // Staged CSV imports older than 15 minutes go, keys first (C52); the read-time check
  // covers the minute in between. Reminders: a pass at most hourly.
  void Housekeeping(Micros now) override {
    if (auto n = hours_.SweepImports(now); !n) {
      spdlog::warn("sweeping expired hours imports failed: {}", n.error().internal);
    } else if (*n > 0) {
      spdlog::info("destroyed {} expired hours import(s)", *n);
    }
    reminders_.Housekeeping(now);
  }

 private:
  // The route sets of the module's parts, kept together.
  struct Parts final : web::RouteSet {
    std::vector<std::unique_ptr<web::RouteSet>> parts;
  };

  practice::Practice& practice_;
  hours::Hours hours_;
  hours::Supervision supervision_;
  hours::SupervisorDirectory directory_;  // supervision_'s, or the tests' fake
  hours::Reminders reminders_;
  hours::Signing signing_;
  hours::SummarySigning summary_signing_;
};

// Standard measures, built on practice: assignments of a practice's clients, their links
// and the results, sealed with the client's key; a client's deletion removes its rows; the
// questionnaires' routes (web/measures).
class MeasuresModule final : public ModuleInstance {
 public:
  explicit MeasuresModule(const ModuleDeps& d)
      : measures_(d.db, dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice(),
                  d.identity, d.log, d.clock),
        practice_(dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice()),
        mail_(d.mail),
        public_origin_(d.public_origin),
        measure_mail_(practice_, d.identity, d.mail, d.public_origin),
        schedules_(d.db, measures_, practice_, measure_mail_, d.log, d.clock,
                   UpcomingOf(d.earlier("schedule"))) {
    dynamic_cast<PracticeModule&>(*d.earlier("practice"))
        .practice()
        .AddExtension(practice::ClientExtension{
            .delete_rows = &measures::Measures::DeleteClientRows,
            .archive_rows = {},  // a discharged client's links refuse by themselves
            .next_appointments = {},
            .time_words = {},
            .local_day = {},
            .session_of = {}});
    // Part "api": the schedules' rows go with the client; a raised flag mails the
    // therapist (measure_mail.hpp), right after Submit's commit.
    practice_.AddExtension(practice::ClientExtension{
        .delete_rows = &measures::Schedules::DeleteClientRows,
        .archive_rows = {},  // a discharged client's schedules make nothing
        .next_appointments = {},
        .time_words = {},
        .local_day = {},
        .session_of = {}});
    measures_.SetFlagNotice(measure_mail_.FlagNotice());
  }

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    return web::AddMeasuresRoutes(kit, identity, measures_, practice_, templates,
                                  web::MeasuresExtras{.mail = mail_,
                                                      .public_origin = public_origin_,
                                                      .schedules = &schedules_,
                                                      .measure_mail = &measure_mail_});
  }

  // Scheduled assignments due (idempotent: schedules.hpp).
  void Housekeeping(Micros now) override { schedules_.Housekeeping(now); }

  measures::Measures& measures() { return measures_; }

 private:
  // The client's scheduled appointments in [from, to) from the schedule module, when
  // there is one (schedules.hpp § UpcomingAppointments).
  static measures::UpcomingAppointments UpcomingOf(ModuleInstance* module) {
    auto* sm = dynamic_cast<ScheduleModule*>(module);
    if (sm == nullptr) {
      return {};
    }
    return [&s = sm->schedule()](const identity::TherapistScope& who, std::string_view client_id,
                                 Micros from, Micros to)
               -> Result<std::vector<measures::UpcomingAppointment>> {
      ALCOVE_TRY_ASSIGN(auto list, s.List(who, from, to));
      std::vector<measures::UpcomingAppointment> out;
      for (const auto& a : list) {
        if (a.client_id == client_id && a.status == schedule::AppointmentStatus::kScheduled &&
            a.starts_at >= from && a.starts_at < to) {
          out.push_back(measures::UpcomingAppointment{.id = a.id, .starts_at = a.starts_at});
        }
      }
      return out;
    };
  }

  measures::Measures measures_;
  practice::Practice& practice_;
  mail::Queue& mail_;
  std::string public_origin_;
  measures::MeasureMail measure_mail_;  // part "api"
  measures::Schedules schedules_;       // part "api"
};

// The client portal (docs/portal.md): built on practice and measures. A client's portal
// rows and account go with the client record (practice's deletion).
class PortalModule final : public ModuleInstance {
 public:
  explicit PortalModule(const ModuleDeps& d)
      : practice_(dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice()),
        measures_(dynamic_cast<MeasuresModule&>(*d.earlier("measures")).measures()),
        identity_(d.identity),
        portal_(d.db, d.identity, practice_, measures_, d.log, d.mail, d.clock, d.public_origin) {
    practice_.AddExtension(practice::ClientExtension{
        .delete_rows =
            [this](store::Transaction& tx, store::TenantId tenant, std::string_view client_id) {
              return portal_.DeleteClientRows(tx, tenant, client_id);
            },
        .archive_rows = {},  // a discharged client's portal stays readable; no new invitation
        .next_appointments = {},
        .time_words = {},
        .local_day = {},
        .session_of = {}});
  }

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    return web::AddPortalRoutes(kit, identity, portal_, practice_, measures_, templates);
  }

  // Data keys of client accounts deleted with their client record (or whose destruction
  // failed after their access ended): identity's sweep of orphan account keys.
  void Housekeeping(Micros now) override {
    if (auto n = identity_.SweepOrphanAccountKeys(now - kOrphanKeyMargin); !n) {
      spdlog::warn("sweeping orphan account keys failed: {}", n.error().internal);
    } else if (*n > 0) {
      spdlog::info("destroyed {} orphan account data key(s)", *n);
    }
  }

  portal::Portal& portal() { return portal_; }

 private:
  // Account keys younger than this may belong to an account being created right now.
  static constexpr Micros kOrphanKeyMargin = 10 * 60 * kMicrosPerSecond;

  practice::Practice& practice_;
  measures::Measures& measures_;
  identity::Identity& identity_;
  portal::Portal portal_;
};

// Session recordings (docs/recordings.md): built on practice and the portal (clients
// consent there). A client's recordings go with the client record (practice's deletion);
// their keys and blobs, orphan keys and audio past retention go in the housekeeping.
class RecordingsModule final : public ModuleInstance {
 public:
  explicit RecordingsModule(const ModuleDeps& d)
      : practice_(dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice()),
        portal_(dynamic_cast<PortalModule&>(*d.earlier("portal")).portal()),
        recordings_(d.db, d.keys, BlobsOf(d), practice_, portal_, d.log, d.clock) {
    practice_.AddExtension(practice::ClientExtension{
        .delete_rows =
            [this](store::Transaction& tx, store::TenantId tenant, std::string_view client_id) {
              return recordings_.DeleteClientRows(tx, tenant, client_id);
            },
        .archive_rows = {},  // a discharged client's recordings stay until deleted or withdrawn
        .next_appointments = {},
        .time_words = {},
        .local_day = {},
        .session_of = {}});
  }

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    return web::AddRecordingsRoutes(kit, identity, recordings_, practice_, templates);
  }

  void Housekeeping(Micros now) override { recordings_.Housekeeping(now); }

  recordings::Recordings& recordings() { return recordings_; }

 private:
  static store::BlobStore& BlobsOf(const ModuleDeps& d) {
    if (d.blobs == nullptr) {
      throw std::logic_error("the recordings module needs a blob store (ModuleDeps::blobs)");
    }
    return *d.blobs;
  }

  practice::Practice& practice_;
  portal::Portal& portal_;
  recordings::Recordings recordings_;
};

// AI transcription and drafting (docs/ai.md): jobs on the recordings, with the providers
// serve made from the configuration (none: every job is off).
class AiModule final : public ModuleInstance {
 public:
  explicit AiModule(const ModuleDeps& d)
      : recordings_(dynamic_cast<RecordingsModule&>(*d.earlier("recordings")).recordings()),
        providers_(d.ai_providers != nullptr ? *d.ai_providers : NoProviders()),
        jobs_(d.db, recordings_, dynamic_cast<PracticeModule&>(*d.earlier("practice")).practice(),
              providers_, d.log, d.clock) {
    if (d.ai_workers > 0) {
      jobs_.Start(d.ai_workers);
    }
  }
  ~AiModule() override { jobs_.Stop(); }

  std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit, web::IdentityServices& identity,
                                           const web::Templates& templates) override {
    return web::AddAiRoutes(kit, identity, jobs_, recordings_, templates);
  }

  ai::Jobs& jobs() { return jobs_; }

 private:
  static const ai::Providers& NoProviders() {
    static const ai::Providers none = [] {
      ai::Providers p;
      p.transcribe = {.job = "transcribe", .provider = "off", .sends = "nothing"};
      p.draft = {.job = "draft", .provider = "off", .sends = "nothing"};
      return p;
    }();
    return none;
  }

  recordings::Recordings& recordings_;
  const ai::Providers& providers_;
  ai::Jobs jobs_;
};

}  // namespace

ai::Jobs* AiJobsOf(ModuleSet& set) {
  auto* m = dynamic_cast<AiModule*>(set.Find("ai"));
  return m == nullptr ? nullptr : &m->jobs();
}

ModuleSet::~ModuleSet() {
  while (!instances_.empty()) {
    instances_.pop_back();
  }
}

recordings::Recordings* RecordingsOf(ModuleSet& set) {
  auto* m = dynamic_cast<RecordingsModule*>(set.Find("recordings"));
  return m == nullptr ? nullptr : &m->recordings();
}

const std::vector<Module>& Modules() {
  static const std::vector<Module> modules = {
      {"store", &store::StoreMigrations, nullptr},
      {"key_ring", &crypto::KeyRingMigrations, nullptr},
      {"tokens", &crypto::TokenMigrations, nullptr},
      {"audit", &audit::AuditMigrations, nullptr},
      {"rate_limits", &identity::RateLimitMigrations, nullptr},
      {"identity", &identity::IdentityMigrations, nullptr},
      {"practice", &practice::PracticeMigrations,
       [](const ModuleDeps& d) { return std::make_unique<PracticeModule>(d); }},
      {"schedule", &schedule::ScheduleMigrations,
       [](const ModuleDeps& d) { return std::make_unique<ScheduleModule>(d); }},
      {"hours", &hours::HoursMigrations,
       [](const ModuleDeps& d) { return std::make_unique<HoursModule>(d); }},
      {"measures", &measures::MeasuresMigrations,
       [](const ModuleDeps& d) { return std::make_unique<MeasuresModule>(d); }},
      {"portal", &portal::PortalMigrations,
       [](const ModuleDeps& d) { return std::make_unique<PortalModule>(d); }},
      {"recordings", &recordings::RecordingsMigrations,
       [](const ModuleDeps& d) { return std::make_unique<RecordingsModule>(d); }},
      {"ai", &ai::AiMigrations, [](const ModuleDeps& d) { return std::make_unique<AiModule>(d); }},
  };
  return modules;
}

ModuleSet::ModuleSet(const ModuleDeps& deps) {
  ModuleDeps with_earlier = deps;
  with_earlier.earlier = [this](std::string_view name) { return Find(name); };
  for (const Module& m : Modules()) {
    if (m.make) {
      instances_.emplace_back(m.name, m.make(with_earlier));
    }
  }
}

std::vector<web::RouteAdder> ModuleSet::RouteAdders(web::IdentityServices& identity) {
  std::vector<web::RouteAdder> out;
  for (auto& [name, instance] : instances_) {
    out.push_back([&identity, module = instance.get()](web::RouteKit& kit,
                                                       const web::Templates& templates) {
      return module->AddRoutes(kit, identity, templates);
    });
  }
  return out;
}

void ModuleSet::Housekeeping(Micros now) {
  for (auto& [name, instance] : instances_) {
    instance->Housekeeping(now);
  }
}

std::map<std::string, std::string> ModuleSet::Aliases(const identity::Principal& who) {
  std::map<std::string, std::string> out;
  for (auto& [name, instance] : instances_) {
    instance->AddAliases(who, out);
  }
  return out;
}

measures::Measures* MeasuresOf(ModuleSet& set) {
  auto* m = dynamic_cast<MeasuresModule*>(set.Find("measures"));
  return m == nullptr ? nullptr : &m->measures();
}

ModuleInstance* ModuleSet::Find(std::string_view name) {
  for (auto& [n, instance] : instances_) {
    if (n == name) {
      return instance.get();
    }
  }
  return nullptr;
}

}  // namespace alcove::cli
