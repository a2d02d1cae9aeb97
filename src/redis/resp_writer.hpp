// Writing RESP (lesson 15): commands as a client sends them, and any value as a server would.
//
// A command is an array of bulk strings, "*N\r\n$len\r\nbytes\r\n..." (RESP spec, "Sending
// commands to a Redis server"): binary-safe, so a key or a chat message may hold any byte, CR
// and LF included. append_value() writes every type RespParser reads; the tests and the fuzz
// target use it to check that what is written parses back to the same value, and a test double
// of a server can use it to answer.
// Implements the RESP2 and RESP3 encodings.
// @lesson 15
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/redis/value.hpp"

namespace duplex::redis {

// Appends one command to `out`: `args[0]` is the command's name, the rest its arguments.
void append_command(std::string& out, std::span<const std::string_view> args);
void append_command(std::string& out, std::span<const std::string> args);
std::string encode_command(std::initializer_list<std::string_view> args);

// Appends `value` (with its attributes) in RESP3, or in RESP2 when every type in it is one.
void append_value(std::string& out, const Value& value);
std::string encode_value(const Value& value);

}  // namespace duplex::redis
