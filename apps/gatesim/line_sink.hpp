#pragma once
// LineSink: a stream buffer that hands a C stream (stdout, stderr) only whole lines, so lines
// written by several threads never cut into each other. The lane's device thread prints
// "barrier: open" while the live gate's thread prints who steps up; with std::cerr's own
// buffer the two were written a piece at a time and came out spliced ("live gatebarrier: open").
//
// Each thread collects what it writes in a buffer of its own; a '\n' (or the '\r' of a status
// line that redraws itself) completes the line, and the complete lines go to the C stream in one
// fwrite and fflush under the sink's lock. A flush (std::flush, std::endl, std::cerr's unitbuf)
// writes nothing that is not a whole line yet. What a thread leaves without an end of line is
// written when that thread ends (for the main thread: at exit).
//
// Thread safety: any number of threads may write through one LineSink at once.

#include <cstdio>
#include <mutex>
#include <streambuf>
#include <string>

namespace gatesim::app {

class LineSink : public std::streambuf {
 public:
  // requires: `file` stays open while the sink is used; the sink outlives every thread that
  //           writes through it (a thread's unfinished line is written when the thread ends).
  explicit LineSink(std::FILE* file);
  ~LineSink() override;
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;

  // ensures: the calling thread's unfinished line, if any, is written as it is.
  void flush_partial_line();

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;

 private:
  std::string& pending();
  // ensures: pending()'s complete lines are written; the unfinished rest stays pending.
  void write_complete_lines(std::string& buffer);
  void write(const char* data, std::size_t size);

  std::FILE* file_;
  std::mutex mutex_;
};

// ensures: std::cout writes through a LineSink on stdout, std::cerr and std::clog through one on
//          stderr, for the rest of the process.
void install_line_sinks();

}  // namespace gatesim::app
