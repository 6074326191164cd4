#pragma once
// JsonWriter: appends one JSON value to a string, compactly (no spaces), escaping every string
// and key (quote, backslash, control characters; other bytes, UTF-8 included, pass through), so
// a machine output is valid JSON whatever text a reason code or a name holds. Commas are placed
// by the writer. Numbers: integers exactly, doubles in fixed notation with three decimals
// (correctly rounded as printf's "%.3f", without printf's cost: a day's records hold millions of
// numbers). Built for the simulator's per-traveller records (sim/records.hpp), where
// nlohmann::json's tree per line would cost more than the simulation.
//
// Thread safety: none; one writer per string.

#include <charconv>
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

  // requires: inside an object, and the previous key has its value.
  JsonWriter& key(std::string_view name) {
    separate();
    append_string(name);
    out_ += ':';
    comma_ = false;
    return *this;
  }
  JsonWriter& string(std::string_view text) {
    separate();
    append_string(text);
    return done();
  }
  JsonWriter& integer(std::uint64_t v) {
    separate();
    char buffer[24];
    const char* end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    out_.append(buffer, static_cast<std::size_t>(end - buffer));
    return done();
  }
  // ensures: `v` with three decimals ("%.3f").
  JsonWriter& fixed3(double v) {
    separate();
    append_fixed3(out_, v);
    return done();
  }
  JsonWriter& boolean(bool v) {
    separate();
    out_ += v ? "true" : "false";
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
  JsonWriter& open(char bracket) {
    separate();
    out_ += bracket;
    comma_ = false;
    return *this;
  }
  JsonWriter& close(char bracket) {
    out_ += bracket;
    return done();
  }
  void separate() {
    if (comma_) out_ += ',';
  }
  JsonWriter& done() {
    comma_ = true;
    return *this;
  }
  // The common case (nothing to escape) is one append.
  void append_string(std::string_view text) {
    out_ += '"';
    std::size_t plain = 0;
    while (plain < text.size() && !needs_escape(text[plain])) ++plain;
    if (plain == text.size()) out_.append(text);
    else append_escaped(text);
    out_ += '"';
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
