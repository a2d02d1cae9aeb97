// iterative-echo: lesson 03, step 1. One client at a time; try two nc sessions at once.
#include "lessons/03-many-clients/echo_program.hpp"
#include "lessons/03-many-clients/iterative_echo.hpp"

int main(int argc, char** argv) {
  return duplex::lessons::run_echo_program(argc, argv, "iterative-echo",
                                           duplex::lessons::serve_iteratively);
}
