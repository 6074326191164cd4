// models::is_utf8 against the cases RFC 3629 and Unicode's "well-formed" table name.
#include "models/utf8.hpp"

#include <gtest/gtest.h>

namespace gatesim::models {
namespace {

TEST(Utf8, AcceptsWellFormedTextOfEveryLength) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("H1234567"));
  EXPECT_TRUE(is_utf8("\xC3\xA9"));                 // é, 2 bytes
  EXPECT_TRUE(is_utf8("\xE9\xA6\x99\xE6\xB8\xAF"));  // 香港, 3 bytes each
  EXPECT_TRUE(is_utf8("\xF0\x9F\x98\x80"));         // U+1F600, 4 bytes
  EXPECT_TRUE(is_utf8("\xF4\x8F\xBF\xBF"));         // U+10FFFF, the last code point
  EXPECT_TRUE(is_utf8(std::string_view("a\0b", 3)));
}

TEST(Utf8, RefusesEachKindOfIllFormedSequence) {
  EXPECT_FALSE(is_utf8("\xFF"));              // never a UTF-8 byte
  EXPECT_FALSE(is_utf8("\x80"));              // a continuation without a lead
  EXPECT_FALSE(is_utf8("\xC3"));              // cut short at the end
  EXPECT_FALSE(is_utf8("\xE9\xA6" "A"));      // cut short by an ASCII byte
  EXPECT_FALSE(is_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  EXPECT_FALSE(is_utf8("\xF0\x82\x82\xAC"));  // overlong, 4 bytes
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));      // a UTF-16 surrogate, U+D800
  EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));  // U+110000, beyond Unicode
  EXPECT_FALSE(is_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_utf8("P1\xFF"));            // a good start does not excuse a bad end
}

}  // namespace
}  // namespace gatesim::models
