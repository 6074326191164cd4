// The records' JSON writer: commas where they belong, every string escaped, numbers as the
// records print them (three decimals exactly as printf's "%.3f", including the values its fast
// path must hand to std::to_chars); what it writes parses back to the same values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/json_writer.hpp"
#include "sim/text_buffer.hpp"

namespace gatesim::sim {
namespace {

std::string printf3(double v) {
  char text[400];
  std::snprintf(text, sizeof text, "%.3f", v);
  return text;
}

std::string fixed3(double v) {
  TextBuffer out;
  JsonWriter(out).fixed3(v);
  return std::string(out.view());
}

TEST(JsonWriter, PlacesCommasInNestedObjectsAndArrays) {
  TextBuffer out;
  out.append("prefix ");
  {
    JsonWriter json(out);
    json.begin_object();
    json.key("a").integer(1);
    json.key("list").begin_array().string("x").string("y").begin_object().end_object().end_array();
    json.key("empty").begin_array().end_array();
    json.key(std::string_view("named")).string("");
    json.key("inner").begin_object().key("b").boolean(true).key("c").fixed3(2.5).key("d").boolean(false).end_object();
    json.end_object();
  }  // the writer hands its text over
  EXPECT_EQ(out.view(), R"(prefix {"a":1,"list":["x","y",{}],"empty":[],"named":"","inner":{"b":true,"c":2.500,"d":false}})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = "say \"hi\"\\ \n\t\r\b\f\x01\x1f end \xe7\xbe\x85\xe6\xb9\x96";  // UTF-8 passes through
  TextBuffer out;
  JsonWriter(out).begin_object().key("key").string(nasty).key("all").string(std::string(40, '\x02')).end_object();
  std::string all;
  for (int i = 0; i < 40; ++i) all += "\\u0002";
  EXPECT_EQ(out.view(), "{\"key\":\"say \\\"hi\\\"\\\\ \\n\\t\\r\\b\\f\\u0001\\u001f end \xe7\xbe\x85\xe6\xb9\x96\",\"all\":\"" + all + "\"}");
  const auto parsed = nlohmann::json::parse(out.view());
  EXPECT_EQ(parsed.at("key").get<std::string>(), nasty);
  EXPECT_EQ(parsed.at("all").get<std::string>(), std::string(40, '\x02'));
}

// Escaping looks at eight bytes at a time: every position of a byte that needs it, next to bytes
// that do not (among them the neighbours of the bytes it looks for and UTF-8's high bytes).
TEST(JsonWriter, EscapesWhereverTheByteFallsInTheText) {
  auto reference = [](const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (u < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\u%04x", u);
        out += hex;
      } else out += c;
    }
    return out + "\"";
  };
  const char fillers[] = {'a', ' ', '!', '#', '[', ']', '\x7f', '\x80', '\xa2', '\xdc', '\xff'};
  const char specials[] = {'\0', '\x01', '\n', '\x1f', '"', '\\'};
  for (std::size_t length = 1; length <= 40; ++length)
    for (std::size_t at = 0; at < length; ++at)
      for (const char filler : fillers)
        for (const char special : specials) {
          std::string text(length, filler);
          text[at] = special;
          if (at + 3 < length) text[at + 3] = special;  // a second one in the same word or the next
          TextBuffer out;
          JsonWriter(out).string(text);
          ASSERT_EQ(out.view(), reference(text)) << length << " " << at << " " << int(filler) << " " << int(special);
        }
  for (std::size_t length = 0; length <= 40; ++length)
    for (const char filler : fillers) {
      const std::string text(length, filler);
      TextBuffer out;
      JsonWriter(out).string(text);
      ASSERT_EQ(out.view(), reference(text));
    }
}

TEST(JsonWriter, PrintsNumbersAsPrintfDoesWithThreeDecimals) {
  for (double v : {0.0, -0.0, 0.0005, 0.0015, 1.0 / 3, 2.675, 12345.6789, 1e15 + 0.25, -3.14159, 4294967295.9996,
                   4294967296.0, 1e300, -1e-300, 5e-324})
    EXPECT_EQ(fixed3(v), printf3(v)) << v;
  TextBuffer out;
  JsonWriter(out).begin_array().integer(0).integer(18446744073709551615ull).end_array();
  EXPECT_EQ(out.view(), "[0,18446744073709551615]");
}

// Exact ties (k/16: 0.0625 prints 0.062, half to even), the doubles either side of every
// half-thousandth, and random values of every magnitude the records hold.
TEST(JsonWriter, ThreeDecimalsAreExactAtTiesAndNearThem) {
  for (int k = 0; k < 200000; ++k) {
    const double tie = k / 16.0;
    EXPECT_EQ(fixed3(tie), printf3(tie)) << tie;
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const double half = (static_cast<double>(rng() % 2'000'000'000'000ull) + 0.5) / 1000.0;
    for (double v : {half, std::nextafter(half, 0.0), std::nextafter(half, 1e300)}) ASSERT_EQ(fixed3(v), printf3(v)) << v;
  }
  std::uniform_real_distribution<double> exponent(-12, 12);
  for (int i = 0; i < 300000; ++i) {
    const double v = std::pow(10.0, exponent(rng));
    ASSERT_EQ(fixed3(v), printf3(v)) << v;
    ASSERT_EQ(fixed3(-v), printf3(-v)) << -v;
  }
  for (std::int64_t us = 0; us < 3'000'000; us += 7) {  // simulated times, as to_seconds makes them
    const double v = static_cast<double>(us * 104729) * 1e-6;
    ASSERT_EQ(fixed3(v), printf3(v)) << v;
  }
}

TEST(JsonWriter, OneWriterGrowsTheBufferAsItWrites) {
  TextBuffer out;
  std::string expected = "[";
  {
    JsonWriter json(out);
    json.begin_array();
    for (int i = 0; i < 20000; ++i) {
      json.integer(static_cast<std::uint64_t>(i)).string("x\n").fixed3(i / 7.0);
      if (i > 0) expected += ',';
      expected += std::to_string(i);
      expected += ",\"x\\n\",";
      expected += printf3(i / 7.0);
    }
    json.end_array();
  }
  EXPECT_EQ(out.view(), expected + "]");
}

TEST(TextBuffer, GrowsKeepingItsTextAndReusesItsRoom) {
  TextBuffer out;
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    const std::string piece = std::to_string(i) + ",";
    out.append(piece);
    expected += piece;
  }
  out.append('!');
  EXPECT_EQ(out.view(), expected + "!");
  out.clear();
  EXPECT_TRUE(out.empty());
  char* at = out.room(3);
  at[0] = 'a', at[1] = 'b';
  out.commit(at + 2);
  EXPECT_EQ(out.view(), "ab");
}

}  // namespace
}  // namespace gatesim::sim
