// The small system calls every load mode needs: a clock, CPU pinning, the descriptor limit, a
// connected socket, the resident memory of another process (lesson 12).
// @lesson 12
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <string>

namespace duplex::bench {

// CLOCK_MONOTONIC in nanoseconds (a vDSO call: no system call, about 20 ns).
std::uint64_t now_ns();

// sched_setaffinity(2): run this process on `cpu` only. Returns false (and leaves the affinity
// alone) when the CPU does not exist here, so a one-core machine still runs the benchmark.
bool pin_to_cpu(int cpu);

// Raises RLIMIT_NOFILE's soft limit to `wanted` (or to the hard limit, if lower). Returns the
// soft limit now in force.
std::uint64_t raise_fd_limit(std::uint64_t wanted);

// A TCP connection to host:port (numeric IPv4 or IPv6), TCP_NODELAY set. Blocking connect() with
// a 5 s timeout; the socket is returned non-blocking. Throws std::runtime_error naming the call.
int connect_tcp(const std::string& host, std::uint16_t port);
// Starts a non-blocking connect: the socket becomes writable when it is done (or failed).
// Returns -1 with errno set when socket() or connect() fail at once.
int start_connect(const std::string& host, std::uint16_t port);

// VmRSS of process `pid` in bytes, from /proc/PID/status; 0 when unreadable.
std::uint64_t resident_bytes(pid_t pid);

// CPU time (user + system) in seconds: this process's (CLOCK_PROCESS_CPUTIME_ID), or process
// `pid`'s from /proc/PID/stat (clock ticks, so 10 ms resolution; 0 when unreadable).
double own_cpu_seconds();
double cpu_seconds(pid_t pid);

// "AMD EPYC" (the first "model name" of /proc/cpuinfo), "6.1.0-18-amd64" (uname -r), the
// number of online CPUs, and the compiler that built this program.
std::string cpu_model();
std::string kernel_release();
int cpu_count();
std::string compiler_version();

}  // namespace duplex::bench
