// SignalWatcher (lesson 03): signals read from a signalfd in the event loop.
// @lesson 03
#include "src/net/signals.hpp"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "src/net/system_error.hpp"

namespace duplex::net {

// @anchor lesson03-signalfd
SignalWatcher::SignalWatcher(EventLoop& loop, std::initializer_list<int> signals, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int signal_number : signals) sigaddset(&mask, signal_number);
  // Blocked first: a signal arriving between the two calls stays pending and is read later.
  int error = pthread_sigmask(SIG_BLOCK, &mask, &previous_mask_);
  if (error != 0) throw SystemError(error, "pthread_sigmask");
  fd_.reset(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) {
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    throw SystemError(saved, "signalfd");
  }
  loop_.watch(fd_.get(), kReadable, [this](std::uint32_t) { on_readable(); });
}

SignalWatcher::~SignalWatcher() {
  loop_.unwatch(fd_.get());
  // A signal that arrived and was never read (the loop left run() on an exception, say) was this
  // watcher's to handle. Unblocked below, it would take its default action, and for SIGTERM that
  // ends the program before it can say why its loop stopped. It is taken here, unhandled.
  signalfd_siginfo info{};
  ssize_t n;
  do {
    n = read(fd_.get(), &info, sizeof info);
  } while (n == static_cast<ssize_t>(sizeof info) || (n < 0 && errno == EINTR));
  fd_.reset();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalWatcher::on_readable() {
  signalfd_siginfo info{};
  while (true) {
    ssize_t n = read(fd_.get(), &info, sizeof info);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof info)) return;
    if (handler_) handler_(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace duplex::net
