#pragma once
// InputError: the user gave us something we cannot use (a file, a field, an argument).
// Its message names the thing (file, line, field) and what was expected; the command line
// prints it on one line and exits with status 2. Anything else that escapes is a bug.

#include <stdexcept>
#include <string>

namespace gatesim::models {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gatesim::models
