#pragma once
// JsonWriter: appends one JSON value to a string, compactly (no spaces), escaping every string
// value (quote, backslash, control characters; other bytes, UTF-8 included, pass through), so
// a machine output is valid JSON whatever text a reason code or a name holds; field names are
// the program's own and written as they are. Commas are placed
// by the writer. Numbers: integers exactly, doubles in fixed notation with three decimals
// (correctly rounded as printf's "%.3f", without printf's cost: a day's records hold millions of
// numbers). Built for the simulator's per-traveller records (sim/records.hpp), where
// nlohmann::json's tree per line would cost more than the simulation.
//
// Thread safety: none; one writer per string.

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>

namespace gatesim::sim {

class JsonWriter {
 public:
  // ensures: values are appended to `out` (not cleared).
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  // A field name: the program's own (a literal, a channel name), so it is written as it is,
  // without the per-character check data gets; a literal's length is known at compile time,
  // which makes writing it a few moves (a record has two dozen names).
  // requires: inside an object, and the previous key has its value; `name` needs no escaping
  //           (asserted in debug builds).
  template <std::size_t N>
  JsonWriter& key(const char (&name)[N]) {
    static_assert(N > 1, "a field name");
    char piece[N + 3];  // , " name " :
    std::size_t n = 0;
    if (comma_) piece[n++] = ',';
    piece[n++] = '"';
    std::memcpy(piece + n, name, N - 1);
    n += N - 1;
    piece[n++] = '"';
    piece[n++] = ':';
    assert(std::none_of(name, name + N - 1, needs_escape));
    out_.append(piece, n);
    comma_ = false;
    return *this;
  }
  JsonWriter& key(std::string_view name) {
    assert(std::none_of(name.begin(), name.end(), needs_escape));
    if (comma_) out_ += ',';
    out_ += '"';
    out_.append(name);
    out_ += "\":";
    comma_ = false;
    return *this;
  }
  JsonWriter& string(std::string_view text) {
    Piece piece(comma_);
    if (piece.fits(text.size() + 2) && std::none_of(text.begin(), text.end(), needs_escape)) {
      piece.put('"');
      piece.put(text);
      piece.put('"');
      flush(piece);
    } else {
      flush(piece);
      out_ += '"';
      append_escaped(text);
      out_ += '"';
    }
    return done();
  }
  JsonWriter& integer(std::uint64_t v) {
    Piece piece(comma_);
    piece.end = std::to_chars(piece.end, piece.buffer + sizeof piece.buffer, v).ptr;
    flush(piece);
    return done();
  }
  // ensures: `v` with three decimals ("%.3f").
  JsonWriter& fixed3(double v) {
    if (comma_) out_ += ',';
    append_fixed3(out_, v);
    return done();
  }
  JsonWriter& boolean(bool v) {
    Piece piece(comma_);
    piece.put(v ? std::string_view("true") : std::string_view("false"));
    flush(piece);
    return done();
  }

  // `v` with three decimals, as fixed3, for text that is not JSON (a CSV field). The buffer
  // holds any double in fixed notation.
  static void append_fixed3(std::string& out, double v) {
    char buffer[320];
    const char* end = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 3).ptr;
    out.append(buffer, static_cast<std::size_t>(end - buffer));
  }

 private:
  // What one call appends, gathered on the stack and appended at once: a record has a few
  // dozen fields, and appending each comma, quote and colon on its own was a measurable share
  // of writing it.
  struct Piece {
    explicit Piece(bool comma) : end(buffer) {
      if (comma) *end++ = ',';
    }
    bool fits(std::size_t n) const { return static_cast<std::size_t>(buffer + sizeof buffer - end) >= n; }
    void put(char c) { *end++ = c; }
    void put(std::string_view text) {
      std::memcpy(end, text.data(), text.size());
      end += text.size();
    }
    char buffer[96];
    char* end;
  };
  void flush(const Piece& piece) { out_.append(piece.buffer, static_cast<std::size_t>(piece.end - piece.buffer)); }

  JsonWriter& open(char bracket) {
    Piece piece(comma_);
    piece.put(bracket);
    flush(piece);
    comma_ = false;
    return *this;
  }
  JsonWriter& close(char bracket) {
    out_ += bracket;
    return done();
  }
  JsonWriter& done() {
    comma_ = true;
    return *this;
  }
  static bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }
  void append_escaped(std::string_view text);

  std::string& out_;
  bool comma_ = false;  // a value precedes: the next one needs a comma
};

inline void JsonWriter::append_escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const auto u = static_cast<unsigned char>(c);
          out_ += "\\u00";
          out_ += kHex[u >> 4];
          out_ += kHex[u & 15];
        } else {
          out_ += c;
        }
    }
  }
}

}  // namespace gatesim::sim
