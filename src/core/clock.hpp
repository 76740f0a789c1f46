#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace alcove {

// Microseconds since the Unix epoch, UTC. Every stored time has this unit.
using Micros = std::int64_t;

inline constexpr Micros kMicrosPerSecond = 1'000'000;

// Thread-safety: implementations are safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros Now() const override;
  // A process-wide instance for code that has no clock injected (the CLI).
  static const SystemClock& Instance();
};

// A clock that moves only when told to; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Micros start) : now_(start) {}
  Micros Now() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

// "2026-11-23T09:30:00Z" (seconds precision, UTC).
std::string FormatRfc3339(Micros t);

}  // namespace alcove
