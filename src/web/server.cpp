// The only translation unit that includes Beast and Asio (STACK-NOTES.md: each one
// costs ~30 s and 1 GB to compile). Everything above it sees web/http.hpp types.
#include "web/server.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/tls.hpp"
#include "web/connection_budget.hpp"
#include "web/framing.hpp"

namespace alcove::web {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using net::awaitable;

constexpr std::chrono::seconds kTlsShutdownTimeout{2};

// A connection's state that Stop() may touch from another thread, by posting to the
// connection's executor: the stream pointer is set and cleared on that executor only.
struct ConnState {
  net::any_io_executor executor;
  beast::tcp_stream* lowest = nullptr;
  bool idle = false;
};

// A deadline for one read that, unlike tcp_stream's own expiry (which closes the
// socket), only cancels the pending read, so the connection can still answer 408.
// Runs on the connection's strand; the handler touches the stream only while armed,
// that is while the read it guards is still pending.
class SoftDeadline {
 public:
  SoftDeadline(beast::tcp_stream& lowest, std::chrono::steady_clock::duration after)
      : timer_(lowest.get_executor()), flags_(std::make_shared<Flags>()) {
    timer_.expires_after(after);
    timer_.async_wait([flags = flags_, &lowest](const boost::system::error_code& ec) {
      if (ec || !flags->armed) {
        return;
      }
      flags->fired = true;
      boost::system::error_code ignored;
      lowest.socket().cancel(ignored);
    });
  }
  SoftDeadline(const SoftDeadline&) = delete;
  SoftDeadline& operator=(const SoftDeadline&) = delete;
  ~SoftDeadline() { Disarm(); }

  void Disarm() {
    flags_->armed = false;
    timer_.cancel();
  }
  bool fired() const { return flags_->fired; }

 private:
  struct Flags {
    bool armed = true;
    bool fired = false;
  };
  net::steady_timer timer_;
  std::shared_ptr<Flags> flags_;
};

// The socket-level backstop behind a SoftDeadline: if even the 408 cannot be sent.
constexpr std::chrono::seconds kHardDeadlineSlack{5};

bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace

// Threading: one io_context per I/O thread, each run by exactly one thread (as nginx
// runs one event loop per worker). The listeners live on the first; each accepted
// connection goes to the next context in turn and stays there, so a connection's
// handlers never run concurrently and need no strand, and no handler hops threads.
// Blocking work goes to the worker pool and comes back to the connection's context.
// A share of the server-wide body budget, returned when it goes out of scope.
class BodyReservation {
 public:
  explicit BodyReservation(std::atomic<std::size_t>& pool) : pool_(pool) {}
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  ~BodyReservation() { pool_.fetch_sub(bytes_); }
  // Takes `bytes` if the pool stays within `cap`; false (nothing taken) otherwise.
  bool Take(std::size_t bytes, std::size_t cap) {
    std::size_t now = pool_.load();
    do {
      if (bytes > cap || now > cap - bytes) {
        return false;
      }
    } while (!pool_.compare_exchange_weak(now, now + bytes));
    bytes_ = bytes;
    return true;
  }

 private:
  std::atomic<std::size_t>& pool_;
  std::size_t bytes_ = 0;
};

// Memory a streamed body holds while it is read: the piece handed to the handler and
// what the parser buffers ahead of it.
constexpr std::size_t kStreamReserveBytes = 2 * kStreamPieceBytes;

// The body of a streaming route between the connection's coroutine (which reads the
// socket) and the handler on a worker thread (which calls Read). The handler asks; only
// then does the coroutine read one piece into `piece`; the handler copies it out and asks
// again. The coroutine waits on `wake` (a timer that is only ever cancelled), which the
// worker cancels by posting to the connection's executor, so the timer is touched on
// that executor only.
class StreamPipe final : public BodyStream, public std::enable_shared_from_this<StreamPipe> {
 public:
  StreamPipe(net::any_io_executor connection, std::optional<std::uint64_t> declared)
      : wake(connection), connection_(connection), declared_(declared) {
    wake.expires_at(std::chrono::steady_clock::time_point::max());
  }

  // --- the handler's side (a worker thread)
  Result<std::size_t> Read(std::span<std::uint8_t> out) override {
    std::unique_lock lock(mu_);
    if (taken_ == filled_ && !failure_ && !eof_) {
      want_ = true;
      lock.unlock();
      Wake();
      lock.lock();
      cv_.wait(lock, [&] { return taken_ < filled_ || failure_ || eof_; });
    }
    if (taken_ < filled_) {
      const std::size_t n = std::min(out.size(), filled_ - taken_);
      std::memcpy(out.data(), piece.data() + taken_, n);
      taken_ += n;
      read_ += n;
      return n;
    }
    if (failure_) {
      return std::unexpected(*failure_);
    }
    return 0;  // eof
  }
  std::optional<std::uint64_t> declared_length() const override { return declared_; }
  std::uint64_t bytes_read() const override {
    std::lock_guard lock(mu_);
    return read_;
  }

  // Called by the worker when the handler has answered.
  void Answered(Response res) {
    {
      std::lock_guard lock(mu_);
      response_ = std::move(res);
      answered_ = true;
    }
    Wake();
  }

  // --- the coroutine's side (the connection's executor)
  enum class Next { kRead, kAnswered };
  // What the coroutine should do now; nullopt: wait on `wake` and ask again.
  std::optional<Next> Poll() {
    std::lock_guard lock(mu_);
    if (answered_) {
      return Next::kAnswered;
    }
    if (want_) {
      return Next::kRead;
    }
    return std::nullopt;
  }
  // Hands `n` bytes of `piece` (and, with `done`, the end of the body) to the handler.
  void Deliver(std::size_t n, bool done) {
    {
      std::lock_guard lock(mu_);
      taken_ = 0;
      filled_ = n;
      eof_ = done;
      want_ = false;
    }
    cv_.notify_all();
  }
  void Failed(Error e) {
    {
      std::lock_guard lock(mu_);
      failure_ = std::move(e);
      want_ = false;
    }
    cv_.notify_all();
  }
  Response TakeResponse() {
    std::lock_guard lock(mu_);
    return std::move(response_);
  }

  std::vector<std::uint8_t> piece = std::vector<std::uint8_t>(kStreamPieceBytes);
  net::steady_timer wake;

 private:
  void Wake() {
    net::post(connection_, [self = shared_from_this()] { self->wake.cancel(); });
  }

  net::any_io_executor connection_;
  const std::optional<std::uint64_t> declared_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t filled_ = 0;  // bytes of `piece` delivered
  std::size_t taken_ = 0;   // of those, copied out by the handler
  std::uint64_t read_ = 0;
  bool want_ = false;
  bool eof_ = false;
  bool answered_ = false;
  std::optional<Error> failure_;
  Response response_;
};

struct Server::Impl {
  ServerOptions options;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  net::io_context& ioc;  // contexts[0]: listeners, signals, shutdown
  std::atomic<std::size_t> next_context{0};
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor https_acceptor{ioc};
  tcp::acceptor http_acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  std::unique_ptr<net::thread_pool> workers;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> body_bytes_reserved{0};  // bodies being read or handled
  std::atomic<bool> stopping{false};

  std::mutex conns_mu;
  std::unordered_map<std::uint64_t, std::weak_ptr<ConnState>> conns;
  std::uint64_t next_conn_id = 0;

  const Dispatcher* app = nullptr;
  const Dispatcher* redirect = nullptr;

  // Streamed bodies being read, so that a stop past the grace period can release the
  // handlers waiting on them (else the worker pool would never join).
  std::mutex pipes_mu;
  std::vector<std::weak_ptr<StreamPipe>> pipes;
  void TrackPipe(const std::shared_ptr<StreamPipe>& pipe) {
    std::lock_guard lock(pipes_mu);
    std::erase_if(pipes, [](const auto& w) { return w.expired(); });
    pipes.push_back(pipe);
  }
  void FailPipes() {
    std::lock_guard lock(pipes_mu);
    for (auto& w : pipes) {
      if (auto p = w.lock()) {
        p->Failed(Error::Make(ErrorCode::kUnavailable, "streamed request body: server stopping",
                              "the server is restarting; resume the upload in a moment"));
      }
    }
  }

  ConnectionBudget https_budget;
  ConnectionBudget http_budget;
  RefusalLog connection_refusals;
  RefusalLog body_refusals;

  explicit Impl(const ServerOptions& o)
      : options(o),
        contexts(MakeContexts(o)),
        ioc(*contexts[0]),
        https_budget(o.max_connections_per_address),
        http_budget(o.max_redirect_connections_per_address) {}

  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(const ServerOptions& o) {
    std::vector<std::unique_ptr<net::io_context>> out;
    for (unsigned i = 0; i < std::max(1u, o.io_threads); ++i) {
      out.push_back(std::make_unique<net::io_context>(1));
    }
    return out;
  }

  net::io_context& NextContext() {
    return *contexts[next_context.fetch_add(1) % contexts.size()];
  }

  void StopAll() {
    for (auto& c : contexts) {
      c->stop();
    }
  }

  Status Listen(tcp::acceptor& acceptor, std::uint16_t port, std::string_view what) {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options.bind_address, ec);
    if (ec) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("bind address {} is not an IP address", options.bind_address));
    }
    const tcp::endpoint endpoint(address, port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("cannot listen for {} on {}:{}: {}; choose another port with "
                              "--{}-port",
                              what, options.bind_address, port, ec.message(), what));
    }
    return {};
  }

  // Registers a connection so Stop() can close it while it waits for a request.
  std::shared_ptr<ConnState> Register(net::any_io_executor ex, std::uint64_t* id) {
    auto state = std::make_shared<ConnState>();
    state->executor = std::move(ex);
    std::lock_guard lock(conns_mu);
    *id = next_conn_id++;
    conns.emplace(*id, state);
    return state;
  }

  void Unregister(std::uint64_t id) {
    std::lock_guard lock(conns_mu);
    conns.erase(id);
  }

  void BeginStop() {
    if (stopping.exchange(true)) {
      return;
    }
    spdlog::info("stopping: no new connections; finishing requests in flight");
    boost::system::error_code ignored;
    https_acceptor.close(ignored);
    http_acceptor.close(ignored);
    signals.cancel(ignored);
    {
      std::lock_guard lock(conns_mu);
      for (auto& [id, weak] : conns) {
        if (auto state = weak.lock()) {
          net::post(state->executor, [weak_state = std::weak_ptr<ConnState>(state)] {
            auto s = weak_state.lock();
            if (s && s->lowest != nullptr && s->idle) {
              s->lowest->cancel();
            }
          });
        }
      }
    }
    net::co_spawn(ioc, WaitForDrain(), net::detached);
  }

  awaitable<void> WaitForDrain() {
    const auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
    net::steady_timer timer(ioc);
    while (connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      boost::system::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (connections.load() > 0) {
      spdlog::warn("stopping: {} connections still open after the grace period; closing them",
                   connections.load());
    }
    FailPipes();
    StopAll();
  }

  awaitable<void> Accept(tcp::acceptor& acceptor, bool https) {
    while (!stopping.load()) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(
          NextContext(), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) {
          co_return;
        }
        // e.g. EMFILE: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        net::steady_timer timer(ioc, std::chrono::milliseconds(100));
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      ConnectionBudget& budget = https ? https_budget : http_budget;
      const std::string peer = RemoteAddress(socket);
      std::string group = AddressGroup(peer);
      const bool over_all = connections.load() >= options.max_connections;
      const bool exempt = std::find(options.budget_exempt.begin(), options.budget_exempt.end(),
                                    peer) != options.budget_exempt.end();
      if (exempt) {
        group.clear();  // a trusted proxy: only the server-wide cap applies
      }
      if (over_all || (!exempt && !budget.TryAcquire(group))) {
        // Counted, and logged at most once per interval: a flood must not flood the log.
        if (const auto n = connection_refusals.Count(std::chrono::steady_clock::now()); n > 0) {
          spdlog::warn("closed {} new connection(s) over a limit (server {}, per address {}/{})",
                       n, options.max_connections, options.max_connections_per_address,
                       options.max_redirect_connections_per_address);
        }
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      // Answers are written whole; without TCP_NODELAY, one larger than a TLS record
      // (16 KiB) waited for the client's delayed ACK, ≈ 40 ms (docs/performance.md).
      boost::system::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      connections.fetch_add(1);
      auto ex = socket.get_executor();
      auto done = [this, &budget, group = std::move(group)](std::exception_ptr e) {
        connections.fetch_sub(1);
        if (!group.empty()) {
          budget.Release(group);
        }
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& err) {
            spdlog::error("connection ended by exception: {}", err.what());
          } catch (...) {
            spdlog::error("connection ended by a non-standard exception");
          }
        }
      };
      if (https) {
        net::co_spawn(ex, ServeHttps(std::move(socket)), done);
      } else {
        net::co_spawn(ex, ServeHttp(std::move(socket)), done);
      }
    }
  }

  awaitable<void> ServeHttps(tcp::socket socket) {
    std::uint64_t id = 0;
    auto state = Register(socket.get_executor(), &id);
    const std::string remote = RemoteAddress(socket);
    ssl::stream<beast::tcp_stream> stream(std::move(socket), tls);
    auto& lowest = beast::get_lowest_layer(stream);
    state->lowest = &lowest;
    // The handshake and the first request head share one deadline from the accept.
    const auto first_deadline = std::chrono::steady_clock::now() + options.header_timeout;
    lowest.expires_at(first_deadline);
    boost::system::error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server,
                                    net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      const bool clean = co_await ServeRequests(stream, *state, *app, remote, first_deadline);
      if (clean) {
        lowest.expires_after(kTlsShutdownTimeout);
        co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
      }
    }
    state->lowest = nullptr;
    Unregister(id);
  }

  awaitable<void> ServeHttp(tcp::socket socket) {
    std::uint64_t id = 0;
    auto state = Register(socket.get_executor(), &id);
    const std::string remote = RemoteAddress(socket);
    beast::tcp_stream stream(std::move(socket));
    state->lowest = &stream;
    const auto first_deadline = std::chrono::steady_clock::now() + options.header_timeout;
    const bool clean = co_await ServeRequests(stream, *state, *redirect, remote, first_deadline);
    if (clean) {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    state->lowest = nullptr;
    Unregister(id);
  }

  static std::string RemoteAddress(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    return ec ? std::string("-") : ep.address().to_string();
  }

  // Reads requests until the peer leaves, a limit is hit, or the server stops.
  // Returns true if the connection should be closed gracefully.
  //
  // GCC 12 miscompiles some coroutine forms (co_await inside ?:, structured bindings
  // of co_await results, by-value class parameters with defaults), so coroutines here
  // take references only and use redirect_error.
  template <class Stream>
  awaitable<bool> ServeRequests(Stream& stream, ConnState& state, const Dispatcher& dispatcher,
                                const std::string& remote,
                                const std::chrono::steady_clock::time_point& first_deadline) {
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    bool first = true;  // the first request's head is due by first_deadline (C14)
    for (;;) {
      if (buffer.size() == 0) {
        // Waiting for the next request: the idle timeout applies (the first request's
        // deadline for a new connection), and Stop() may cancel.
        if (stopping.load()) {
          co_return true;
        }
        state.idle = true;
        if (first) {
          lowest.expires_at(first_deadline);
        } else {
          lowest.expires_after(options.idle_timeout);
        }
        const std::size_t n = co_await stream.async_read_some(
            buffer.prepare(4096), net::redirect_error(net::use_awaitable, ec));
        state.idle = false;
        if (ec) {
          co_return false;
        }
        buffer.commit(n);
      }

      http::request_parser<http::empty_body> head;
      head.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      head.body_limit(std::numeric_limits<std::uint64_t>::max());  // checked per route below
      std::chrono::seconds head_limit = options.header_timeout;
      if (first) {
        const auto left = std::chrono::ceil<std::chrono::seconds>(
            first_deadline - std::chrono::steady_clock::now());
        head_limit = std::max(std::chrono::seconds(1), left);
      }
      first = false;
      ec = co_await ReadWithin(stream, head_limit, [&](auto token) {
        return http::async_read_header(stream, buffer, head, token);
      });
      if (ec) {
        if (IsPeerGone(ec)) {
          co_return false;
        }
        const int status = ec == http::error::header_limit ? 431
                           : ec == beast::error::timeout   ? 408
                                                           : 400;
        Request req = EarlyRequest(head, remote, status);
        auto msg = ToMessage(dispatcher.Handle(req), req, false, req.method == "HEAD");
        co_await Write(stream, msg);
        co_await Drain(stream);
        co_return false;
      }

      Request req = MakeRequest(head.get(), remote);
      // Framing we do not trust (RFC 9112 §6): 400 and close, no body byte read.
      if (FramingProblem(req.headers, head.get().version())) {
        req.early_status = 400;
        auto msg = ToMessage(dispatcher.Handle(req), req, false, req.method == "HEAD");
        co_await Write(stream, msg);
        co_await Drain(stream);
        co_return false;
      }
      const Dispatcher::Plan plan = dispatcher.PlanFor(req);
      if (!plan.read_body) {
        auto msg = ToMessage(dispatcher.Handle(req), req, false, req.method == "HEAD");
        co_await Write(stream, msg);
        // The announced body is never read into memory; what of it is already on its way
        // is discarded (bounded), so that closing does not reset the connection before
        // the client has read the answer.
        co_await Drain(stream);
        co_return false;
      }
      const auto declared = head.content_length();
      if (declared && *declared > plan.max_body_bytes) {
        req.early_status = 413;
        auto msg = ToMessage(dispatcher.Handle(req), req, false, req.method == "HEAD");
        co_await Write(stream, msg);
        co_await Drain(stream);
        co_return false;
      }
      // Every body in flight counts against one server-wide budget (C14).
      // A streamed body holds one piece at a time, whatever its length.
      const std::size_t reserve =
          plan.streaming_body ? kStreamReserveBytes
          : declared          ? static_cast<std::size_t>(*declared)
                              : (head.chunked() ? plan.max_body_bytes : std::size_t{0});
      BodyReservation reservation(body_bytes_reserved);
      if (!reservation.Take(reserve, options.max_body_memory_bytes)) {
        if (const auto n = body_refusals.Count(std::chrono::steady_clock::now()); n > 0) {
          spdlog::warn("refused {} request(s) over the body memory budget ({} bytes)", n,
                       options.max_body_memory_bytes);
        }
        req.early_status = 503;
        auto msg = ToMessage(dispatcher.Handle(req), req, false, req.method == "HEAD");
        co_await Write(stream, msg);
        co_await Drain(stream);
        co_return false;
      }
      if (plan.streaming_body) {
        const int outcome =
            co_await ServeStreamed(stream, buffer, head, req, dispatcher, plan.max_body_bytes);
        if (outcome != kKeepOpen) {
          co_return outcome == kCloseGracefully;
        }
        continue;
      }
      http::request_parser<http::string_body> parser(std::move(head));
      parser.body_limit(plan.max_body_bytes);
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        lowest.expires_after(options.body_timeout);
        co_await http::async_write(stream, cont, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
          co_return false;
        }
      }
      ec = co_await ReadWithin(stream, options.body_timeout, [&](auto token) {
        return http::async_read(stream, buffer, parser, token);
      });
      if (ec) {
        if (IsPeerGone(ec)) {
          co_return false;
        }
        req.early_status = ec == http::error::body_limit ? 413
                           : ec == beast::error::timeout ? 408
                                                         : 400;
        auto msg = ToMessage(dispatcher.Handle(req), req, false, req.method == "HEAD");
        co_await Write(stream, msg);
        co_await Drain(stream);
        co_return false;
      }
      req.body = std::move(parser.get().body());
      const bool keep_alive = parser.keep_alive();
      const bool head_only = req.method == "HEAD";
      Response res;
      if (plan.runs_inline) {
        res = dispatcher.Handle(req);
      } else {
        res = co_await OnWorkers(dispatcher, req);
      }
      const int outcome = co_await Answer(stream, std::move(res), req, keep_alive, head_only);
      if (outcome != kKeepOpen) {
        co_return outcome == kCloseGracefully;
      }
    }
  }

  // What happens to a connection after an answer.
  static constexpr int kKeepOpen = 0;         // read the next request
  static constexpr int kCloseGracefully = 1;  // close (TLS close_notify)
  static constexpr int kDrop = 2;             // the peer is gone or the write failed

  // Writes `res` (a whole body, or a streamed one: Response::stream).
  template <class Stream>
  awaitable<int> Answer(Stream& stream, Response res, const Request& req, bool keep_alive,
                        bool head_only) {
    std::shared_ptr<BodySource> source = std::move(res.stream);
    if (source && !head_only) {
      co_return co_await WriteStreamed(stream, std::move(res), std::move(source), req, keep_alive);
    }
    const std::optional<std::uint64_t> length =
        source ? std::optional<std::uint64_t>(source->size()) : std::nullopt;
    auto msg = ToMessage(std::move(res), req, keep_alive, head_only);
    if (length) {
      msg.content_length(*length);  // HEAD of a streamed answer: its length, no body
    }
    const bool keep = msg.keep_alive();
    if (!co_await Write(stream, msg)) {
      co_return kDrop;
    }
    co_return keep ? kKeepOpen : kCloseGracefully;
  }

  // A streamed answer: the head, then one piece at a time, each made on the worker pool
  // (file I/O, decryption) and written before the next is asked for.
  template <class Stream>
  awaitable<int> WriteStreamed(Stream& stream, Response res, std::shared_ptr<BodySource> source,
                               const Request& req, bool keep_alive) {
    http::response<http::buffer_body> msg{static_cast<http::status>(res.status), 11};
    CopyHeaders(res, req, msg);
    msg.content_length(source->size());
    msg.keep_alive(keep_alive && !res.close && !req.early_status && !stopping.load());
    const bool keep = msg.keep_alive();
    msg.body().data = nullptr;
    msg.body().more = true;
    http::response_serializer<http::buffer_body> sr{msg};
    auto& lowest = beast::get_lowest_layer(stream);
    boost::system::error_code ec;
    lowest.expires_after(options.body_timeout);
    co_await http::async_write_header(stream, sr, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      co_return kDrop;
    }
    std::vector<std::uint8_t> piece(kStreamPieceBytes);
    std::uint64_t sent = 0;
    while (sent < source->size()) {
      auto n = co_await OnPool<Result<std::size_t>>(
          [&source, &piece] { return source->Next(std::span(piece)); });
      if (!n || *n == 0) {
        // The head promised more: all we can do is cut the body short.
        spdlog::error("request id={} streamed answer failed after {} bytes: {}", req.request_id,
                      sent, n ? std::string("source ended early") : n.error().internal);
        co_return kDrop;
      }
      msg.body().data = piece.data();
      msg.body().size = *n;
      msg.body().more = true;
      lowest.expires_after(options.body_timeout);
      co_await http::async_write(stream, sr, net::redirect_error(net::use_awaitable, ec));
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      if (ec) {
        co_return kDrop;
      }
      sent += *n;
    }
    msg.body().data = nullptr;
    msg.body().size = 0;
    msg.body().more = false;
    co_await http::async_write(stream, sr, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      co_return kDrop;
    }
    co_return keep ? kKeepOpen : kCloseGracefully;
  }

  // A request to a streaming route: the handler runs on the worker pool at once and reads
  // the body through a StreamPipe; this coroutine reads one piece from the socket each
  // time the handler asks, until the body ends, the handler answers, or the read fails.
  template <class Stream>
  awaitable<int> ServeStreamed(Stream& stream, beast::flat_buffer& buffer,
                               http::request_parser<http::empty_body>& head, Request& req,
                               const Dispatcher& dispatcher, const std::size_t& max_body) {
    auto& lowest = beast::get_lowest_layer(stream);
    const bool head_only = req.method == "HEAD";
    http::request_parser<http::buffer_body> parser(std::move(head));
    parser.body_limit(max_body);
    const bool expect_continue =
        beast::iequals(parser.get()[http::field::expect], "100-continue");
    auto pipe = std::make_shared<StreamPipe>(
        co_await net::this_coro::executor,
        parser.content_length() ? std::optional<std::uint64_t>(*parser.content_length())
                                : std::nullopt);
    req.body_stream = pipe;
    TrackPipe(pipe);
    net::post(workers->get_executor(), [&dispatcher, &req, p = pipe]() mutable {
      Response res = dispatcher.Handle(req);
      p->Answered(std::move(res));
    });

    boost::system::error_code ec;
    bool continued = false;
    bool body_done = parser.is_done();
    std::optional<int> failed_status;  // the body could not be read: answer this instead
    bool peer_gone = false;
    if (body_done) {
      pipe->Deliver(0, true);
    }
    for (;;) {
      const auto next = pipe->Poll();
      if (!next) {
        lowest.expires_never();  // no read is pending while the handler works
        boost::system::error_code wait_ec;
        co_await pipe->wake.async_wait(net::redirect_error(net::use_awaitable, wait_ec));
        continue;
      }
      if (*next == StreamPipe::Next::kAnswered) {
        break;
      }
      // The handler wants the next piece.
      if (expect_continue && !continued) {
        continued = true;
        http::response<http::empty_body> cont{http::status::continue_, 11};
        lowest.expires_after(options.body_timeout);
        co_await http::async_write(stream, cont, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
          peer_gone = true;
          pipe->Failed(BodyError(ErrorCode::kUnavailable, "the connection closed"));
          continue;  // wait for the handler to give up
        }
      }
      std::size_t got = 0;
      while (got == 0 && !parser.is_done()) {
        parser.get().body().data = pipe->piece.data();
        parser.get().body().size = pipe->piece.size();
        ec = co_await ReadWithin(stream, options.body_timeout, [&](auto token) {
          return http::async_read_some(stream, buffer, parser, token);
        });
        if (ec == http::error::need_buffer) {
          ec = {};
        }
        got = pipe->piece.size() - parser.get().body().size;
        if (ec) {
          break;
        }
      }
      if (ec) {
        peer_gone = IsPeerGone(ec);
        failed_status = peer_gone                          ? 400
                        : ec == http::error::body_limit    ? 413
                        : ec == beast::error::timeout      ? 408
                                                           : 400;
        pipe->Failed(*failed_status == 413
                         ? BodyError(ErrorCode::kResourceExhausted,
                                     "the upload is larger than this address accepts")
                     : *failed_status == 400 && !peer_gone
                         ? BodyError(ErrorCode::kInvalidArgument, "the request body is malformed")
                         : BodyError(ErrorCode::kUnavailable,
                                     "the connection ended before the whole upload arrived"));
        continue;  // the handler sees the error; wait for its answer
      }
      body_done = parser.is_done();
      pipe->Deliver(got, body_done);
    }
    if (peer_gone) {
      co_return kDrop;
    }
    if (failed_status) {
      // The handler's answer is discarded: the body never arrived whole.
      req.early_status = *failed_status;
      auto msg = ToMessage(dispatcher.Handle(req), req, false, head_only);
      co_await Write(stream, msg);
      co_await Drain(stream);
      co_return kDrop;
    }
    const bool keep_alive = body_done && parser.keep_alive();
    const int outcome =
        co_await Answer(stream, pipe->TakeResponse(), req, keep_alive, head_only);
    if (!body_done && outcome != kDrop) {
      // Answered before the whole body was read: what is still on its way is discarded.
      co_await Drain(stream);
      co_return kDrop;
    }
    co_return outcome;
  }

  static Error BodyError(ErrorCode code, std::string_view message) {
    return Error::Make(code, std::string("streamed request body: ") + std::string(message),
                       std::string(message));
  }

  // Runs the read that `start(token)` begins, under a SoftDeadline of `limit` (so a
  // late client can still be answered 408) and a socket-level backstop; returns its
  // error, with beast::error::timeout when the deadline cut it short.
  template <class Stream, class StartRead>
  awaitable<boost::system::error_code> ReadWithin(Stream& stream, std::chrono::seconds limit,
                                                  StartRead start) {
    auto& lowest = beast::get_lowest_layer(stream);
    boost::system::error_code ec;
    SoftDeadline deadline(lowest, limit);
    lowest.expires_after(limit + kHardDeadlineSlack);
    co_await start(net::redirect_error(net::use_awaitable, ec));
    deadline.Disarm();
    if (ec && deadline.fired()) {
      ec = beast::error::timeout;
    }
    co_return ec;
  }

  // After answering a request whose body we did not read, reads and discards what the
  // client is still sending (bounded in bytes and time) before closing, so that the
  // close does not reset the connection before the client has read our answer.
  template <class Stream>
  awaitable<void> Drain(Stream& stream) {
    constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
    constexpr std::chrono::seconds kMaxDrainTime{2};
    std::array<char, 16 * 1024> sink;
    std::size_t total = 0;
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(kMaxDrainTime);
    while (total < kMaxDrainBytes) {
      total += co_await stream.async_read_some(net::buffer(sink),
                                               net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        break;
      }
    }
  }

  static bool IsPeerGone(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == ssl::error::stream_truncated || ec == net::error::connection_reset ||
           ec == net::error::operation_aborted || ec == net::error::broken_pipe;
  }

  // Runs the handler on the worker pool and resumes the connection's coroutine on its own
  // executor with the answer. Not co_spawn: a coroutine spawned on the pool that finishes
  // without suspending is posted to the pool once more before its result comes back, so
  // every answer would wait behind the whole queue of requests (head-of-line blocking
  // under load; docs/performance.md § Identity).
  awaitable<Response> OnWorkers(const Dispatcher& dispatcher, Request& req) {
    co_return co_await OnPool<Response>([&dispatcher, &req] { return dispatcher.Handle(req); });
  }

  // Runs `work` on the worker pool and resumes on the connection's executor with its result.
  template <class T, class Work>
  awaitable<T> OnPool(Work work) {
    const auto connection = co_await net::this_coro::executor;
    co_return co_await net::async_initiate<decltype(net::use_awaitable), void(T)>(
        [this, &work, connection](auto handler) {
          net::post(workers->get_executor(), [&work, connection,
                                              handler = std::move(handler)]() mutable {
            T result = work();
            net::post(connection,
                      [handler = std::move(handler), result = std::move(result)]() mutable {
                        std::move(handler)(std::move(result));
                      });
          });
        },
        net::use_awaitable);
  }

  static Request EarlyRequest(const http::request_parser<http::empty_body>& head,
                              const std::string& remote, int status) {
    Request req;
    if (head.is_header_done()) {
      req = MakeRequest(head.get(), remote);
    } else {
      req.remote_address = remote;
    }
    req.early_status = status;
    return req;
  }

  template <class Fields>
  static Request MakeRequest(const http::request_header<Fields>& h, const std::string& remote) {
    Request req;
    req.method = std::string(h.method_string());
    req.target = std::string(h.target());
    for (const auto& field : h) {
      req.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    req.remote_address = remote;
    return req;
  }

  // The wire message for `res`. The connection stays open only if the client asked
  // for keep-alive, the answer does not close it, and the server is not stopping.
  http::response<http::string_body> ToMessage(Response res, const Request& req, bool keep_alive,
                                              bool head_only) const {
    const bool keep = keep_alive && !res.close && !req.early_status && !stopping.load();
    http::response<http::string_body> out{static_cast<http::status>(res.status), 11};
    CopyHeaders(res, req, out);
    out.body() = std::move(res.body);
    out.keep_alive(keep);
    out.prepare_payload();
    if (head_only) {
      out.body().clear();
    }
    return out;
  }

  template <class Body>
  static void CopyHeaders(const Response& res, const Request& req, http::response<Body>& out) {
    for (const auto& [name, value] : res.headers.all()) {
      if (HasLineBreakOrNul(name) || HasLineBreakOrNul(value)) {
        spdlog::error("request id={} dropped a response header with a line break",
                      req.request_id);
        continue;
      }
      out.insert(name, value);
    }
  }

  template <class Stream>
  awaitable<bool> Write(Stream& stream, http::response<http::string_body>& msg) {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(options.body_timeout);
    co_await http::async_write(stream, msg, net::redirect_error(net::use_awaitable, ec));
    co_return !ec;
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  if (auto st = crypto::ConfigureTls13Server(impl->tls.native_handle(), options.certificate,
                                             options.private_key);
      !st) {
    return std::unexpected(st.error());
  }
  if (auto st = impl->Listen(impl->https_acceptor, options.https_port, "https"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = impl->Listen(impl->http_acceptor, options.http_port, "http"); !st) {
    return std::unexpected(st.error());
  }
  impl->workers = std::make_unique<net::thread_pool>(std::max(1u, options.worker_threads));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::https_port() const { return impl_->https_acceptor.local_endpoint().port(); }
std::uint16_t Server::http_port() const { return impl_->http_acceptor.local_endpoint().port(); }

void Server::Run(const Dispatcher& app, const Dispatcher& redirect) {
  auto& s = *impl_;
  // Writes to a closed peer or a closed stdout must be errors, never a fatal signal.
  std::signal(SIGPIPE, SIG_IGN);
  s.app = &app;
  s.redirect = &redirect;
  s.signals.async_wait([&s](const boost::system::error_code& ec, int signal) {
    if (!ec) {
      spdlog::info("received signal {}", signal);
      s.BeginStop();
    }
  });
  net::co_spawn(s.ioc, s.Accept(s.https_acceptor, true), net::detached);
  net::co_spawn(s.ioc, s.Accept(s.http_acceptor, false), net::detached);
  // Keep every context running while it has no connection yet.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (auto& c : s.contexts) {
    guards.push_back(net::make_work_guard(*c));
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < s.contexts.size(); ++i) {
    threads.emplace_back([&s, i] { s.contexts[i]->run(); });
  }
  s.ioc.run();
  for (auto& t : threads) {
    t.join();
  }
  s.workers->join();
  spdlog::info("stopped");
}

void Server::Stop() {
  net::post(impl_->ioc, [s = impl_.get()] { s->BeginStop(); });
}

}  // namespace alcove::web
