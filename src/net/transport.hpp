// Transport: the four system calls a Connection moves bytes with, behind one small interface,
// so tests can make them misbehave on purpose (lesson 13).
//
// A correct server survives everything the kernel is allowed to do: read() and send() that move
// fewer bytes than asked (short I/O), EAGAIN on a socket epoll just called ready, EINTR when a
// signal lands, and ECONNRESET in the middle of a message. Real traffic over loopback almost
// never shows these, so the bugs they expose hide until production. FaultyTransport produces
// them on demand from a seeded random generator: the same seed gives the same faults.
//
// The hot path stays free: a Connection holds a Transport pointer that is null unless faults
// were asked for, and calls the system directly when it is null (one predictable branch).
// Faults are for tests only: nothing in the shipping path turns them on. A test sets one
// connection's transport (Connection::set_transport), or installs a process fault plan
// (set_process_fault_plan) that every new Connection then follows. The test binary's main does
// the latter when DUPLEX_FAULT_SEED=N is set (`make test-faults`), so any test suite reruns
// under the survivable faults (short reads and writes, EAGAIN, EINTR) without a change.
// @lesson 13
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace duplex::net {

class Transport {
 public:
  virtual ~Transport() = default;
  // Same contract as read(2), send(2) with MSG_NOSIGNAL and sendfile(2): a byte count, or -1
  // with errno set.
  virtual ssize_t read(int fd, void* data, std::size_t size) = 0;
  virtual ssize_t send(int fd, const void* data, std::size_t size) = 0;
  virtual ssize_t sendfile(int socket_fd, int file_fd, off_t* offset, std::size_t count) = 0;
  // sendmsg(2) with MSG_NOSIGNAL: the gathered write of a shared segment (lesson 12).
  virtual ssize_t send_message(int fd, const msghdr& message) = 0;
};

// The real system calls.
class SystemTransport final : public Transport {
 public:
  ssize_t read(int fd, void* data, std::size_t size) override;
  ssize_t send(int fd, const void* data, std::size_t size) override;
  ssize_t sendfile(int socket_fd, int file_fd, off_t* offset, std::size_t count) override;
  ssize_t send_message(int fd, const msghdr& message) override;
};
SystemTransport& system_transport();

// What FaultyTransport does to each call, in percent of calls (0-100).
struct FaultPlan {
  std::uint64_t seed = 1;
  // The call moves between 1 byte and what was asked for (never 0: that would mean EOF).
  unsigned short_read_percent = 50;
  unsigned short_write_percent = 50;
  // The call fails with EAGAIN without touching the socket, as if a spurious wake-up.
  unsigned eagain_percent = 10;
  // The call fails with EINTR without touching the socket, as if a signal interrupted it.
  unsigned eintr_percent = 10;
  // After this many bytes have been read, every further read fails with ECONNRESET, as if the
  // peer's RST arrived mid-message. Not part of the survivable faults: it changes results.
  std::optional<std::uint64_t> reset_after_read_bytes;
  // The same for send() and sendfile() after this many bytes written.
  std::optional<std::uint64_t> reset_after_written_bytes;
};

// Wraps the real calls and injects the faults of a FaultPlan. One instance per connection
// (Connection creates it): the generator is not shared between threads.
class FaultyTransport final : public Transport {
 public:
  explicit FaultyTransport(FaultPlan plan);

  ssize_t read(int fd, void* data, std::size_t size) override;
  ssize_t send(int fd, const void* data, std::size_t size) override;
  ssize_t sendfile(int socket_fd, int file_fd, off_t* offset, std::size_t count) override;
  // A short write cuts the parts at the shortened length.
  ssize_t send_message(int fd, const msghdr& message) override;

  const FaultPlan& plan() const noexcept { return plan_; }
  // What was injected so far: short reads + short writes, EAGAINs, EINTRs, resets.
  std::uint64_t short_calls() const noexcept { return short_calls_; }
  std::uint64_t eagains() const noexcept { return eagains_; }
  std::uint64_t eintrs() const noexcept { return eintrs_; }
  std::uint64_t resets() const noexcept { return resets_; }

 private:
  bool roll(unsigned percent);
  // EAGAIN or EINTR before the call, or 0 when the call goes ahead.
  int injected_error();
  // The faults every call checks before the real one: true (errno set) when it must fail.
  bool fails_before_call(const std::optional<std::uint64_t>& reset_after, std::uint64_t done);
  // How much of `size` this call may move (1..size).
  std::size_t shorten(std::size_t size, unsigned percent);
  std::uint64_t next();
  std::size_t until_reset(std::size_t size) const;

  FaultPlan plan_;
  std::uint64_t state_;
  std::uint64_t read_bytes_ = 0;
  std::uint64_t written_bytes_ = 0;
  std::uint64_t short_calls_ = 0;
  std::uint64_t eagains_ = 0;
  std::uint64_t eintrs_ = 0;
  std::uint64_t resets_ = 0;
};

// Faults injected by every FaultyTransport of this process so far (for reports such as the
// `make stress` table).
struct FaultCounts {
  std::uint64_t short_calls = 0;
  std::uint64_t eagains = 0;
  std::uint64_t eintrs = 0;
  std::uint64_t resets = 0;
  std::uint64_t total() const noexcept { return short_calls + eagains + eintrs + resets; }
};
FaultCounts process_fault_counts();

// Faults for the whole process, for tests: when set, every Connection created afterwards gets a
// FaultyTransport with `plan` (its seed mixed with the connection's creation number, so
// connections do not all fail in step). nullopt, the default, turns faults off. Not
// thread-safe: set it before any loop runs.
void set_process_fault_plan(std::optional<FaultPlan> plan);
// The plan set above, or nullopt.
std::optional<FaultPlan> process_fault_plan();
// The transport for a new connection: null (the system calls, called directly) unless a process
// fault plan is in force.
std::unique_ptr<Transport> transport_for_new_connection();

}  // namespace duplex::net
