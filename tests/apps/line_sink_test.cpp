// LineSink: lines written by several threads at once, each a piece at a time with flushes in
// between, come out whole.
#include "apps/gatesim/line_sink.hpp"

#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gatesim::app {
namespace {

std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LineSink, LinesFromManyThreadsComeOutWhole) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  constexpr int kThreads = 8, kLines = 500;
  {
    LineSink sink(file);
    std::ostream out(&sink);
    out << std::unitbuf;  // as std::cerr: a flush after every piece
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&out, t] {
        for (int i = 0; i < kLines; ++i) {
          out << "thread " << t;
          std::this_thread::yield();
          out << " line " << i << std::flush;
          std::this_thread::yield();
          out << ": the end" << std::endl;
        }
      });
    for (auto& thread : threads) thread.join();
  }
  const auto lines = lines_of(contents(file));
  std::fclose(file);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  std::map<int, int> next;  // each thread's lines in its own order
  for (const auto& line : lines) {
    int t = -1, i = -1, end = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "thread %d line %d: the end%n", &t, &i, &end), 2) << line;
    ASSERT_EQ(static_cast<std::size_t>(end), line.size()) << line;
    EXPECT_EQ(next[t]++, i) << line;
  }
}

TEST(LineSink, AStatusLineEndsAtItsCarriageReturnAndALastUnfinishedLineIsKept) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    LineSink sink(file);
    std::ostream out(&sink);
    out << "\r[##  ] 50%" << std::flush;
    EXPECT_EQ(contents(file), "\r") << "an unfinished line is held back, not written in pieces";
    out << "\r[####] 100%\n";
    std::thread([&out] { out << "left unfinished by a thread"; }).join();
    out << "and by the sink's owner";
  }
  EXPECT_EQ(contents(file), "\r[##  ] 50%\r[####] 100%\nleft unfinished by a threadand by the sink's owner");
  std::fclose(file);
}

}  // namespace
}  // namespace gatesim::app
