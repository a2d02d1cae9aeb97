// wrk as duplex-bench's second HTTP load generator (lesson 12).
//
// Users measure web servers with wrk, not with our tool, so the HTTP rows are also measured
// with it: one thread, N connections, --latency, run as a child of duplex-bench so that it
// inherits the pinning (--cpu) and its CPU time comes from wait4. The server's CPU comes from
// /proc/PID/stat over the same wall time, like every other row, so the row still says which
// side was the bottleneck. wrk checks statuses, not bodies: the duplex-bench rows check bodies.
// @lesson 12
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/bench/child_process.hpp"
#include "src/bench/load.hpp"
#include "src/bench/system.hpp"
#include "src/bench/tool_output.hpp"

namespace duplex::bench {

namespace {

std::vector<std::string> wrk_command(const LoadOptions& options, double seconds) {
  // wrk takes whole seconds.
  long whole = std::max(1L, std::lround(std::ceil(seconds)));
  std::vector<std::string> argv = {"wrk",       "-t1",
                                   "-c",        std::to_string(options.connections),
                                   "-d",        std::to_string(whole) + "s",
                                   "--latency", "--timeout",
                                   "5s"};
  if (!options.header.empty()) {
    argv.push_back("-H");
    argv.push_back(options.header);
  }
  std::string host =
      options.host.find(':') == std::string::npos ? options.host : "[" + options.host + "]";
  argv.push_back("http://" + host + ":" + std::to_string(options.port) + options.path);
  return argv;
}

}  // namespace

Result run_wrk_load(const LoadOptions& options) {
  if (options.connections < 1) throw std::invalid_argument("wrk: connections must be positive");
  Result result;
  result.set("mode", "wrk");
  result.set("conns", options.connections);
  if (!options.header.empty()) result.set("header", options.header);
  if (options.warmup > 0) {
    ProgramRun warm = run_program(wrk_command(options, options.warmup), options.warmup + 30);
    if (!warm.started) {
      result.set("missing", "wrk_not_installed_(apt-get_install_wrk)");
      return result;
    }
  }
  const double server_before = options.server_pid > 0 ? cpu_seconds(options.server_pid) : 0;
  ProgramRun run = run_program(wrk_command(options, options.seconds), options.seconds + 30);
  const double server_after = options.server_pid > 0 ? cpu_seconds(options.server_pid) : 0;
  if (!run.started) {
    result.set("missing", "wrk_not_installed_(apt-get_install_wrk)");
    return result;
  }
  auto parsed = parse_wrk_output(run.output);
  if (!parsed || run.exit_status != 0) {
    result.set("errors", 1.0);
    result.set("error",
               "wrk exit " + std::to_string(run.exit_status) + ": " + run.output.substr(0, 300));
    return result;
  }
  for (const auto& [key, value] : parsed->fields) result.fields[key] = value;
  if (run.wall_seconds > 0) {
    result.set("client_cpu", run.cpu_seconds / run.wall_seconds);
    if (options.server_pid > 0)
      result.set("server_cpu", (server_after - server_before) / run.wall_seconds);
  }
  return result;
}

}  // namespace duplex::bench
