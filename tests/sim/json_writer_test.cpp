// The records' JSON writer: commas where they belong, every string escaped, numbers as the
// records print them; what it writes parses back to the same values.
#include <gtest/gtest.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "sim/json_writer.hpp"

namespace gatesim::sim {
namespace {

TEST(JsonWriter, PlacesCommasInNestedObjectsAndArrays) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("a").integer(1);
  json.key("list").begin_array().string("x").string("y").begin_object().end_object().end_array();
  json.key("empty").begin_array().end_array();
  json.key("inner").begin_object().key("b").boolean(true).key("c").fixed3(2.5).end_object();
  json.end_object();
  EXPECT_EQ(out, R"({"a":1,"list":["x","y",{}],"empty":[],"inner":{"b":true,"c":2.500}})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = "say \"hi\"\\ \n\t\r\b\f\x01\x1f end \xe7\xbe\x85\xe6\xb9\x96";  // UTF-8 passes through
  std::string out;
  JsonWriter(out).begin_object().key("key").string(nasty).end_object();
  EXPECT_EQ(out, "{\"key\":\"say \\\"hi\\\"\\\\ \\n\\t\\r\\b\\f\\u0001\\u001f end \xe7\xbe\x85\xe6\xb9\x96\"}");
  const auto parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed.at("key").get<std::string>(), nasty);
}

TEST(JsonWriter, PrintsNumbersAsPrintfDoesWithThreeDecimals) {
  for (double v : {0.0, 0.0005, 0.0015, 1.0 / 3, 2.675, 12345.6789, 1e15 + 0.25, -3.14159}) {
    std::string out;
    JsonWriter(out).fixed3(v);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.3f", v);
    EXPECT_EQ(out, expected) << v;
  }
  std::string out;
  JsonWriter(out).begin_array().integer(0).integer(18446744073709551615ull).end_array();
  EXPECT_EQ(out, "[0,18446744073709551615]");
}

}  // namespace
}  // namespace gatesim::sim
