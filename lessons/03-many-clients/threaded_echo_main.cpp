// threaded-echo: lesson 03, step 2. One thread per client.
#include "lessons/03-many-clients/echo_program.hpp"
#include "lessons/03-many-clients/threaded_echo.hpp"

int main(int argc, char** argv) {
  return duplex::lessons::run_echo_program(argc, argv, "threaded-echo",
                                           duplex::lessons::serve_thread_per_connection);
}
