#pragma once
// What every parser fuzz target checks: a parser either accepts its input or refuses it with
// models::InputError (one line saying what was expected). Any other exception escaping it —
// a library's own error, std::out_of_range, a bad_alloc from a size read off the input — is a
// bug: it would reach the user as a crash or an unhelpful message. Sanitizers (the fuzz and
// asan presets) catch the memory errors.
//
// Each *_fuzz.cpp defines LLVMFuzzerTestOneInput; built with the `fuzz` preset (clang) it is a
// libFuzzer program, otherwise replay_main.cpp runs the saved corpus through it as a test.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "models/input_error.hpp"

namespace gatesim::fuzzing {

template <class Parse>
void expect_accept_or_input_error(Parse&& parse) {
  try {
    parse();
  } catch (const models::InputError&) {
    // Refused with a message: the expected answer to bad input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: an exception other than InputError escaped the parser: %s\n", e.what());
    std::abort();
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace gatesim::fuzzing
