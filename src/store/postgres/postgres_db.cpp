#include "store/postgres/postgres_db.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <bit>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/transaction_state.hpp"

namespace alcove::store {
namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kNameOid = 19;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kUnknownOid = 705;
constexpr Oid kBpcharOid = 1042;
constexpr Oid kVarcharOid = 1043;

constexpr std::string_view kSslAdvice =
    "add sslmode=verify-full (with sslrootcert=<CA file> if the server's certificate is not "
    "signed by a system CA), or at least sslmode=require, to database.url";

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Field(const PGresult* r, int field) {
  const char* v = PQresultErrorField(r, field);
  return v != nullptr ? v : "";
}

// Maps a failed result to an Error. Only the SQLSTATE, constraint, table and (for
// classes whose messages name identifiers, not values) the primary message are kept:
// other messages and every DETAIL may quote parameter values.
std::unexpected<Error> ResultFail(PGconn* conn, const PGresult* r, std::string_view what) {
  if (r == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("postgres: {}: connection lost: {}", what, PQerrorMessage(conn)),
                "database unavailable");
  }
  const std::string state = Field(r, PG_DIAG_SQLSTATE);
  const std::string cls = state.substr(0, 2);
  ErrorCode code = ErrorCode::kInternal;
  if (cls == "23" || state == "40001" || state == "40P01") {
    code = ErrorCode::kConflict;
  } else if (state == "42501") {
    code = ErrorCode::kPermissionDenied;
  } else if (cls == "08" || cls == "53" || cls == "57") {
    code = ErrorCode::kUnavailable;
  }
  std::string msg = fmt::format("postgres: {}: SQLSTATE {}", what, state);
  if (auto c = Field(r, PG_DIAG_CONSTRAINT_NAME); !c.empty()) {
    msg += fmt::format(", constraint {}", c);
  }
  if (auto t = Field(r, PG_DIAG_TABLE_NAME); !t.empty()) {
    msg += fmt::format(", table {}", t);
  }
  if (cls == "42" || cls == "0A" || cls == "3F" || cls == "25" || cls == "40" || cls == "28") {
    msg += ": " + Field(r, PG_DIAG_MESSAGE_PRIMARY);
  }
  return Fail(code, std::move(msg), "database error");
}

// Runs `sql` (no parameters; several statements allowed); `what` names it in errors.
Result<ResultPtr> Exec(PGconn* conn, const char* sql, std::string_view what) {
  ResultPtr r(PQexec(conn, sql));
  const auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    return ResultFail(conn, r.get(), what);
  }
  return r;
}

std::int64_t ReadBigEndian(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  }
  if (n < 8 && (v & (std::uint64_t{1} << (n * 8 - 1))) != 0) {
    v |= ~std::uint64_t{0} << (n * 8);  // sign-extend int2/int4
  }
  return static_cast<std::int64_t>(v);
}

Result<Value> Decode(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col) != 0) {
    return Value{Null{}};
  }
  const char* p = PQgetvalue(r, row, col);
  const int n = PQgetlength(r, row, col);
  const Oid type = PQftype(r, col);
  switch (type) {
    case kInt8Oid:
    case kInt4Oid:
    case kInt2Oid:
    case kBoolOid:
      if (n != 8 && n != 4 && n != 2 && n != 1) {
        break;
      }
      return Value{ReadBigEndian(p, n)};
    case kOidOid: {
      std::uint64_t v = 0;
      for (int i = 0; i < n; ++i) {
        v = (v << 8) | static_cast<std::uint8_t>(p[i]);
      }
      return Value{static_cast<std::int64_t>(v)};
    }
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:
    case kNameOid:
    case kUnknownOid:
      return Value{std::string(p, static_cast<std::size_t>(n))};
    case kByteaOid: {
      const auto* b = reinterpret_cast<const std::uint8_t*>(p);
      return Value{Bytes(b, b + n)};
    }
    default:
      break;
  }
  return Fail(ErrorCode::kInternal,
              fmt::format("postgres: column {} has type oid {}; cast it to bigint, text or bytea",
                          col, type),
              "database error");
}

// Connections, opened on demand up to a limit.
class Pool {
 public:
  explicit Pool(PostgresOptions options) : options_(std::move(options)) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  Result<ConnPtr> Connect() const {
    const std::string timeout = std::to_string(options_.connect_timeout.count());
    std::vector<const char*> keys{"dbname", "connect_timeout", "application_name",
                                  "client_encoding"};
    std::vector<const char*> values{options_.url.c_str(), timeout.c_str(), "alcove", "UTF8"};
    if (options_.password) {
      keys.push_back("password");
      values.push_back(options_.password->c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 1));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      std::string msg = conn ? PQerrorMessage(conn.get()) : "out of memory";
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
        msg.pop_back();
      }
      return Fail(ErrorCode::kUnavailable, fmt::format("cannot connect to PostgreSQL: {}", msg),
                  "database unavailable");
    }
    // Server notices (e.g. "drop cascades to ...") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    // claim: C13 — never run unencrypted, whatever libpq decided (it ignores sslmode on
    // Unix sockets).
    if (PQsslInUse(conn.get()) != 1) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("refusing an unencrypted PostgreSQL connection (claim C13): the "
                              "session to {} is not using SSL. Connect over TCP to a server with "
                              "ssl=on and {}",
                              PQhost(conn.get()) != nullptr ? PQhost(conn.get()) : "?", kSslAdvice),
                  "database unavailable");
    }
    return conn;
  }

  Result<ConnPtr> Acquire() {
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, options_.acquire_timeout,
                        [&] { return !idle_.empty() || open_ < options_.max_connections; })) {
        return Fail(ErrorCode::kResourceExhausted,
                    fmt::format("all {} database connections are busy", options_.max_connections),
                    "the server is busy; try again");
      }
      if (!idle_.empty()) {
        ConnPtr c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      ++open_;
    }
    auto c = Connect();
    if (!c) {
      Forget();
    }
    return c;
  }

  // Returns a healthy idle connection to the pool, or closes it.
  void Release(ConnPtr conn) {
    const bool healthy =
        PQstatus(conn.get()) == CONNECTION_OK && PQtransactionStatus(conn.get()) == PQTRANS_IDLE;
    if (!healthy) {
      conn.reset();
      Forget();
      return;
    }
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

  void Put(ConnPtr conn) {
    std::lock_guard lock(mu_);
    ++open_;
    idle_.push_back(std::move(conn));
  }

 private:
  void Forget() {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
  }

  const PostgresOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ConnPtr> idle_;
  std::size_t open_ = 0;
};

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(Pool& pool, ConnPtr conn, std::optional<TenantId> tenant)
      : pool_(pool), conn_(std::move(conn)), tenant_(tenant) {}
  PostgresTransaction(const PostgresTransaction&) = delete;
  PostgresTransaction& operator=(const PostgresTransaction&) = delete;

  ~PostgresTransaction() override {
    if (!done_) {
      (void)Exec(conn_.get(), "ROLLBACK", "rollback");
    }
    pool_.Release(std::move(conn_));
  }

  Result<std::vector<Row>> Query(std::string_view sql, std::span<const Value> params) override {
    auto r = Run(sql, params);
    if (!r) {
      return std::unexpected(r.error());
    }
    const PGresult* res = r->get();
    const int rows = PQntuples(res);
    const int cols = PQnfields(res);
    std::vector<Row> out;
    out.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(cols));
      for (int j = 0; j < cols; ++j) {
        auto v = Decode(res, i, j);
        if (!v) {
          failed_ = true;
          return std::unexpected(v.error());
        }
        values.push_back(std::move(*v));
      }
      out.emplace_back(std::move(values));
    }
    return out;
  }

  Result<std::int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    auto r = Run(sql, params);
    if (!r) {
      return std::unexpected(r.error());
    }
    const char* n = PQcmdTuples(r->get());
    return (n == nullptr || *n == '\0') ? 0 : std::stoll(n);
  }

  Status ExecuteScript(std::string_view sql) override {
    if (auto st = Usable(); !st) {
      return st;
    }
    const std::string text(sql);
    if (auto r = Exec(conn_.get(), text.c_str(), "script"); !r) {
      failed_ = true;
      return std::unexpected(r.error());
    }
    return {};
  }

  Status Commit() override {
    if (auto st = Usable(); !st) {
      return st;
    }
    auto r = Exec(conn_.get(), "COMMIT", "commit");
    if (!r) {
      failed_ = true;
      return std::unexpected(r.error());
    }
    done_ = true;
    // An aborted transaction "commits" by rolling back; never report that as success.
    if (std::strcmp(PQcmdStatus(r->get()), "COMMIT") != 0) {
      return Fail(ErrorCode::kInternal, "postgres: COMMIT rolled back", "database error");
    }
    RunCommitHooks();
    return {};
  }

  std::optional<TenantId> tenant() const override { return tenant_; }

 private:
  Status Usable() const { return TransactionUsable(done_, failed_); }

  Result<ResultPtr> Run(std::string_view sql, std::span<const Value> params) {
    if (auto st = Usable(); !st) {
      return std::unexpected(st.error());
    }
    const std::size_t n = params.size();
    std::vector<Oid> types(n, 0);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    std::vector<std::uint64_t> ints(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (const auto* x = std::get_if<std::int64_t>(&v)) {
        ints[i] = std::bit_cast<std::uint64_t>(*x);
        if constexpr (std::endian::native == std::endian::little) {
          ints[i] = std::byteswap(ints[i]);
        }
        types[i] = kInt8Oid;
        values[i] = reinterpret_cast<const char*>(&ints[i]);
        lengths[i] = 8;
        formats[i] = 1;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        if (s->find('\0') != std::string::npos) {
          failed_ = true;
          return Fail(ErrorCode::kInvalidArgument,
                      fmt::format("postgres: text parameter ${} contains a NUL character", i + 1),
                      "text may not contain NUL characters");
        }
        values[i] = s->c_str();
      } else if (const auto* b = std::get_if<Bytes>(&v)) {
        static const char kEmpty = 0;
        types[i] = kByteaOid;
        values[i] = b->empty() ? &kEmpty : reinterpret_cast<const char*>(b->data());
        lengths[i] = static_cast<int>(b->size());
        formats[i] = 1;
      }
    }
    const std::string text(sql);
    ResultPtr r(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(n), types.data(),
                             values.data(), lengths.data(), formats.data(), 1));
    const auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
      failed_ = true;
      return ResultFail(conn_.get(), r.get(), "statement");
    }
    return r;
  }

  Pool& pool_;
  ConnPtr conn_;
  std::optional<TenantId> tenant_;
  bool done_ = false;
  bool failed_ = false;
};

class PostgresDb final : public Db {
 public:
  explicit PostgresDb(PostgresOptions options) : pool_(std::move(options)) {}

  Engine engine() const override { return Engine::kPostgres; }
  Result<std::unique_ptr<Transaction>> Begin() override { return Start(std::nullopt); }
  Result<std::unique_ptr<Transaction>> BeginTenant(TenantId tenant) override {
    return Start(tenant);
  }

  Pool& pool() { return pool_; }

 private:
  Result<std::unique_ptr<Transaction>> Start(std::optional<TenantId> tenant) {
    // An idle connection may have died (server restart): one retry on a fresh one.
    for (int attempt = 0;; ++attempt) {
      auto conn = pool_.Acquire();
      if (!conn) {
        return std::unexpected(conn.error());
      }
      PGconn* raw = conn->get();
      // One round trip: BEGIN and, for a tenant, SET LOCAL app.tenant_id (an integer we
      // format ourselves, so nothing can be injected).
      const std::string begin =
          tenant ? fmt::format("BEGIN; SELECT set_config('app.tenant_id', '{}', true)", *tenant)
                 : std::string("BEGIN");
      auto begun = Exec(raw, begin.c_str(), "begin");
      if (!begun) {
        pool_.Release(std::move(*conn));
        if (attempt == 0 && begun.error().code == ErrorCode::kUnavailable) {
          continue;
        }
        return std::unexpected(begun.error());
      }
      return std::make_unique<PostgresTransaction>(pool_, std::move(*conn), tenant);
    }
  }

  Pool pool_;
};

}  // namespace

Result<std::string> PostgresSslMode(std::string_view url) {
  const std::string text(url);
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(text.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') {
      msg.pop_back();
    }
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("database.url is not a valid PostgreSQL URL: {}", msg),
                "invalid database URL");
  }
  std::string sslmode;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "sslmode") == 0 && o->val != nullptr) {
      sslmode = o->val;
    }
  }
  PQconninfoFree(opts);
  return sslmode;
}

Status CheckPostgresUrl(std::string_view url) {
  ALCOVE_TRY_ASSIGN(const std::string sslmode, PostgresSslMode(url));
  // claim: C13
  if (sslmode != "require" && sslmode != "verify-ca" && sslmode != "verify-full") {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("refusing database.url with {}: the PostgreSQL connection must be "
                            "encrypted (claim C13); {}",
                            sslmode.empty() ? std::string("no sslmode (libpq would fall back to "
                                                          "an unencrypted connection)")
                                            : "sslmode=" + sslmode,
                            kSslAdvice),
                "database configuration refused");
  }
  return {};
}

Result<std::unique_ptr<Db>> OpenPostgres(const PostgresOptions& options) {
  if (auto st = CheckPostgresUrl(options.url); !st) {
    return std::unexpected(st.error());
  }
  if (options.max_connections == 0) {
    return Fail(ErrorCode::kInvalidArgument, "postgres: max_connections must be at least 1");
  }
  auto db = std::make_unique<PostgresDb>(options);
  auto first = db->pool().Connect();
  if (!first) {
    return std::unexpected(first.error());
  }
  db->pool().Put(std::move(*first));
  return db;
}

}  // namespace alcove::store
