#pragma once
// JsonWriter: appends JSON values to a TextBuffer, compactly (no spaces), escaping every string
// value (quote, backslash, control characters; other bytes, UTF-8 included, pass through), so
// a machine output is valid JSON whatever text a reason code or a name holds; field names are
// the program's own and written as they are. Commas are placed by the writer. Numbers: integers
// exactly, doubles in fixed notation with three decimals, correctly rounded as printf's "%.3f"
// (round half to even on exact ties) without printf's cost: a day's records hold millions of
// numbers. Built for the simulator's per-traveller records (sim/records.hpp), where
// nlohmann::json's tree per line would cost more than the simulation.
//
// The writer keeps its own cursor into the buffer's room (sim/text_buffer.hpp) and hands the
// text over when it is destroyed: a writer is a local whose cursor stays in registers (its calls
// are all inlined), where a cursor in the buffer would be stored and reloaded around every
// piece written (a char store may alias it). Each call checks the room once; a field name's
// length is known at compile time, so its comma, quotes and colon are a few stores.
//
// Thread safety: none. One writer at a time per buffer, and the buffer is left alone while it
// lives.

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sim/text_buffer.hpp"

namespace gatesim::sim {

class JsonWriter {
 public:
  // ensures: values are appended to `out` (not cleared), and are in it once the writer is
  //          destroyed.
  explicit JsonWriter(TextBuffer& out) : out_(out), at_(out.room(0)), limit_(out.limit()) {}
  ~JsonWriter() { out_.commit(at_); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  [[gnu::always_inline]] JsonWriter& begin_object() { return open('{'); }
  [[gnu::always_inline]] JsonWriter& end_object() { return close('}'); }
  [[gnu::always_inline]] JsonWriter& begin_array() { return open('['); }
  [[gnu::always_inline]] JsonWriter& end_array() { return close(']'); }

  // A field name: the program's own (a literal, a channel name), so it is written as it is,
  // without the per-character check data gets.
  // requires: inside an object, and the previous key has its value; `name` needs no escaping
  //           (asserted in debug builds).
  template <std::size_t N>
  [[gnu::always_inline]] JsonWriter& key(const char (&name)[N]) {
    static_assert(N > 1, "a field name");
    assert(std::none_of(name, name + N - 1, needs_escape));
    char* at = reserve(N + 3);  // , " name " :
    *at = ',';
    at += comma_;
    *at++ = '"';
    std::memcpy(at, name, N - 1);
    at += N - 1;
    *at++ = '"';
    *at++ = ':';
    at_ = at;
    comma_ = false;
    return *this;
  }
  [[gnu::always_inline]] JsonWriter& key(std::string_view name) {
    assert(std::none_of(name.begin(), name.end(), needs_escape));
    char* at = reserve(name.size() + 4);
    *at = ',';
    at += comma_;
    *at++ = '"';
    std::memcpy(at, name.data(), name.size());
    at += name.size();
    *at++ = '"';
    *at++ = ':';
    at_ = at;
    comma_ = false;
    return *this;
  }
  [[gnu::always_inline]] JsonWriter& string(std::string_view text) {
    char* at = start(text.size() * kMaxEscaped + 2);
    *at++ = '"';
    at = put_escaped(at, text);
    *at++ = '"';
    return done(at);
  }
  [[gnu::always_inline]] JsonWriter& integer(std::uint64_t v) {
    char* at = start(20);
    return done(std::to_chars(at, at + 20, v).ptr);
  }
  // ensures: `v` with three decimals ("%.3f").
  [[gnu::always_inline]] JsonWriter& fixed3(double v) {
    char* at = start(kMaxFixed3);
    return done(put_fixed3(at, v));
  }
  [[gnu::always_inline]] JsonWriter& boolean(bool v) {
    const std::string_view text = v ? "true" : "false";
    char* at = start(text.size());
    std::memcpy(at, text.data(), text.size());
    return done(at + text.size());
  }

  // The most "%.3f" writes: any double in fixed notation (a sign, 309 digits, a point, three).
  static constexpr std::size_t kMaxFixed3 = 320;
  // `v` as "%.3f" (fixed3) at `at`, for text that is not JSON (a CSV field).
  // requires: kMaxFixed3 bytes at `at`. ensures: returns the end of what was written.
  static char* put_fixed3(char* at, double v) {
    // Most values are non-negative seconds: round v * 1000 to an integer and print it with a
    // point before its last three digits. The product r = v * 1000 is rounded, but its exact
    // value differs from r by at most half an ulp of r, while r's distance to a half-integer,
    // when not zero, is a whole number of ulps (r < 2^52); so the exact value rounds the way
    // r does unless r is exactly half-way. Then, and for negative, huge or NaN values,
    // std::to_chars decides (exactly, as printf does).
    if (!std::signbit(v) && v < 4294967296.0) {
      const double r = v * 1000.0;
      const double floor = std::floor(r);
      const double above_half = (r - floor) - 0.5;  // exact: see above
      if (above_half != 0) {
        const std::uint64_t n = static_cast<std::uint64_t>(floor) + (above_half > 0 ? 1 : 0);
        at = std::to_chars(at, at + 10, n / 1000).ptr;
        const auto thousandths = static_cast<unsigned>(n % 1000);
        at[0] = '.';
        at[1] = static_cast<char>('0' + thousandths / 100);
        at[2] = static_cast<char>('0' + thousandths / 10 % 10);
        at[3] = static_cast<char>('0' + thousandths % 10);
        return at + 4;
      }
    }
    return std::to_chars(at, at + kMaxFixed3, v, std::chars_format::fixed, 3).ptr;
  }
  static void append_fixed3(TextBuffer& out, double v) { out.commit(put_fixed3(out.room(kMaxFixed3), v)); }

 private:
  static constexpr std::size_t kMaxEscaped = 6;  // \u00XX

  // ensures: at least `n` writable bytes at the returned cursor.
  // Every call is inlined, and the buffer is reached only through regrow(), so a writer's
  // cursor is a local's (registers), not memory a char store may alias.
  [[gnu::always_inline]] char* reserve(std::size_t n) {
    if (static_cast<std::size_t>(limit_ - at_) < n) [[unlikely]] {
      at_ = regrow(out_, at_, n);
      limit_ = out_.limit();
    }
    return at_;
  }
  // ensures: the text up to `at` is in `out`; returns its end, with `n` bytes of room.
  [[gnu::noinline]] static char* regrow(TextBuffer& out, char* at, std::size_t n) {
    out.commit(at);
    return out.room(n);
  }
  // Room for a value of at most `n` bytes and its comma; returns where the value goes.
  [[gnu::always_inline]] char* start(std::size_t n) {
    char* at = reserve(n + 1);
    *at = ',';
    return at + comma_;
  }
  [[gnu::always_inline]] JsonWriter& done(char* end) {
    at_ = end;
    comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] JsonWriter& open(char bracket) {
    char* at = start(1);
    *at++ = bracket;
    at_ = at;
    comma_ = false;
    return *this;
  }
  [[gnu::always_inline]] JsonWriter& close(char bracket) {
    char* at = reserve(1);
    *at++ = bracket;
    return done(at);
  }

  static bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }
  // The first byte of [s, end) that needs escaping, or `end`; eight bytes a step (a value is
  // mostly a name of a dozen or two letters). For each byte of a word: below 0x20, or equal to
  // a quote or a backslash (zero after xor), flagged in its top bit; a flag can be wrong only
  // above a true one, so the lowest flag is the first such byte.
  static const char* find_escape(const char* s, const char* end) {
    static_assert(std::endian::native == std::endian::little, "the first byte is the word's lowest");
    constexpr std::uint64_t kOnes = 0x0101010101010101u, kTops = 0x8080808080808080u;
    auto below = [](std::uint64_t x, std::uint64_t n) { return (x - kOnes * n) & ~x & kTops; };
    for (; end - s >= 8; s += 8) {
      std::uint64_t x;
      std::memcpy(&x, s, 8);
      const std::uint64_t flags = below(x, 0x20) | below(x ^ (kOnes * '"'), 1) | below(x ^ (kOnes * '\\'), 1);
      if (flags != 0) return s + std::countr_zero(flags) / 8;
    }
    return std::find_if(s, end, needs_escape);
  }
  // Copies `text` to `at`, escaped; runs that need no escaping are copied whole.
  // requires: kMaxEscaped * text.size() bytes at `at`. ensures: returns the end.
  static char* put_escaped(char* at, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char* s = text.data();
    const char* const end = s + text.size();
    for (;;) {
      const char* clean = find_escape(s, end);
      if (clean != s) std::memcpy(at, s, static_cast<std::size_t>(clean - s));
      at += clean - s;
      if (clean == end) return at;
      const char c = *clean;
      s = clean + 1;
      *at++ = '\\';
      switch (c) {
        case '"': *at++ = '"'; break;
        case '\\': *at++ = '\\'; break;
        case '\n': *at++ = 'n'; break;
        case '\r': *at++ = 'r'; break;
        case '\t': *at++ = 't'; break;
        case '\b': *at++ = 'b'; break;
        case '\f': *at++ = 'f'; break;
        default: {
          const auto u = static_cast<unsigned char>(c);
          *at++ = 'u';
          *at++ = '0';
          *at++ = '0';
          *at++ = kHex[u >> 4];
          *at++ = kHex[u & 15];
        }
      }
    }
  }

  TextBuffer& out_;
  char* at_;     // the end of what this writer wrote
  char* limit_;  // the end of the buffer's room
  bool comma_ = false;  // a value precedes: the next one needs a comma
};

}  // namespace gatesim::sim
