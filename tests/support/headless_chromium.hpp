#pragma once
// Debian's Chromium, headless, for the dashboard's browser tests: opens a page with a fresh
// profile, lets it run for a virtual-time budget and returns the rendered DOM, or writes a
// screenshot. The suite needs it (scripts/install-deps.sh installs `chromium`): a missing
// browser is a failure with a clear message, not a skipped test.

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {

inline const char* kChromium = "/usr/bin/chromium";
inline const char* kChromiumMissing = "/usr/bin/chromium not found: the browser tests need Debian's chromium "
                                      "(scripts/install-deps.sh installs it)";

inline bool chromium_installed() { return std::filesystem::exists(kChromium); }

// `what`: "--dump-dom" or "--screenshot=FILE"; `profile`: a fresh folder for --user-data-dir;
// `more_flags`: Chromium's own flags besides (e.g. --ignore-certificate-errors).
inline CommandResult run_chromium(const std::string& what, const std::string& url, const std::filesystem::path& profile,
                                  int budget_ms = 5000, const std::vector<std::string>& more_flags = {}) {
  std::filesystem::create_directories(profile);
  std::string command = kChromium;
  for (const char* flag : {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--hide-scrollbars", "--window-size=1280,1000"})
    command += concat(" ", flag);
  for (const auto& flag : more_flags) command += concat(" ", shell_quote(flag));
  command += concat(" --user-data-dir=", shell_quote(profile.string()), " --virtual-time-budget=", std::to_string(budget_ms));
  command += concat(" ", shell_quote(what), " ", shell_quote(url));
  return run_shell(command);
}

}  // namespace gatesim::testing
