#include "apps/gatesim/line_sink.hpp"

#include <algorithm>
#include <cassert>
#include <iostream>
#include <utility>
#include <vector>

namespace gatesim::app {
namespace {

// One thread's unfinished lines, one per sink it wrote to, written out when the thread ends.
struct PendingLines {
  std::vector<std::pair<LineSink*, std::string>> lines;
  ~PendingLines() {
    for (auto& [sink, text] : lines)
      if (!text.empty()) sink->flush_partial_line();
  }
};
thread_local PendingLines pending_lines;

}  // namespace

LineSink::LineSink(std::FILE* file) : file_(file) { assert(file != nullptr); }

LineSink::~LineSink() {
  // The destroying thread's own leftovers; other threads were required to end before this.
  flush_partial_line();
  auto& lines = pending_lines.lines;
  lines.erase(std::remove_if(lines.begin(), lines.end(), [this](const auto& entry) { return entry.first == this; }),
              lines.end());
}

std::string& LineSink::pending() {
  for (auto& [sink, text] : pending_lines.lines)
    if (sink == this) return text;
  return pending_lines.lines.emplace_back(this, std::string()).second;
}

void LineSink::write(const char* data, std::size_t size) {
  if (size == 0) return;
  const std::lock_guard lock(mutex_);
  std::fwrite(data, 1, size, file_);
  std::fflush(file_);
}

void LineSink::write_complete_lines(std::string& buffer) {
  const auto end = buffer.find_last_of("\n\r");
  if (end == std::string::npos) return;
  write(buffer.data(), end + 1);
  buffer.erase(0, end + 1);
}

void LineSink::flush_partial_line() {
  std::string& buffer = pending();
  write(buffer.data(), buffer.size());
  buffer.clear();
}

LineSink::int_type LineSink::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  std::string& buffer = pending();
  buffer.push_back(traits_type::to_char_type(c));
  if (c == '\n' || c == '\r') write_complete_lines(buffer);
  return c;
}

std::streamsize LineSink::xsputn(const char* s, std::streamsize n) {
  std::string& buffer = pending();
  buffer.append(s, static_cast<std::size_t>(n));
  if (std::any_of(s, s + n, [](char c) { return c == '\n' || c == '\r'; })) write_complete_lines(buffer);
  return n;
}

void install_line_sinks() {
  // Never destroyed: threads still running at exit may write through them.
  static auto* out = new LineSink(stdout);
  static auto* err = new LineSink(stderr);
  std::cout.rdbuf(out);
  std::cerr.rdbuf(err);
  std::clog.rdbuf(err);
}

}  // namespace gatesim::app
