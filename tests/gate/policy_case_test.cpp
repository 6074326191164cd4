// The JSON case format: one clear line naming the case and the field for each kind of bad input.
#include "gate/policy_case.hpp"
#include "gate/policy_engine.hpp"

#include <gtest/gtest.h>

#include "models/input_error.hpp"
#include "tests/gate/policy_test_support.hpp"
#include "tests/support/crossing_cases.hpp"

namespace gatesim::gate {
namespace {

const std::string& kCase = testing::kEligibleLuohuExitCase;

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_cases(text, testing::shipped_policy(), "cases.json");
  } catch (const models::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PolicyCase, TheIssueExampleIsEligible) {
  const auto cases = parse_cases(kCase, testing::shipped_policy(), "cases.json");
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].crossing.port->id, "luohu");
  EXPECT_EQ(to_json(evaluate(testing::shipped_policy(), cases[0].crossing)).dump(),
            R"({"channel":"smart","eligible":true,"reasons":[]})");
}

TEST(PolicyCase, BadInputNamesCaseAndField) {
  const std::string array = "[" + kCase + "," + kCase + "]";
  struct Row { std::string text, message; };
  const std::vector<Row> rows = {
      {with(kCase, "luohu", "atlantis"), "cases.json: port: unknown port \"atlantis\" (`gatesim ports` lists them)"},
      {with(kCase, R"("kind": "eep")", R"("kind": "visa")"),
       "cases.json: traveller.documents[0].kind: expected one of eep, home_return_permit, mtp, passport, pr_id_card, got \"visa\""},
      {"[" + kCase + "," + with(kCase, R"("valid_until": "2030-01-01")", R"("valid_until": "2025-02-30")") + "]",
       "cases.json: case 1: traveller.documents[0].valid_until: expected a date YYYY-MM-DD, got \"2025-02-30\""},
      {with(kCase, R"("date": "2025-11-06", )", ""), "cases.json: date: missing"},
      {with(kCase, R"("consent": true)", R"("consent": "yes")"), "cases.json: traveller.consent: expected true or false, got \"yes\""},
      {with(kCase, R"("guardian_id": null)", R"("guardian_id": "G9")"), "cases.json: traveller.guardian_id: \"G9\" is not in the group"},
      {with(kCase, R"("entries": "multiple")", R"("entries": 3)"),
       "cases.json: traveller.documents[0].endorsements[0].entries: expected one of single, double, multiple, got 3"},
      {with(kCase, "2011-11-06", "2026-01-01"), "cases.json: traveller.birth_date: after the crossing date 2025-11-06"},
      {"[]", "cases.json: an empty array: expected at least one case"},
      {"[1]", "cases.json: case 0: (case): expected an object, got 1"},
      {"{\"date\": ", "cases.json: not valid JSON: [json.exception.parse_error.101] parse error at line 1, column 10: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal"},
  };
  for (const auto& row : rows) EXPECT_EQ(error_of(row.text), row.message);
  EXPECT_EQ(parse_cases(array, testing::shipped_policy(), "x").size(), 2u);
}

TEST(PolicyCase, GarbageGivesOnePrintableLine) {
  std::string garbage;
  for (unsigned i = 0; i < 1u << 20; ++i) garbage += static_cast<char>((i * 7919u) % 256u);
  const std::string message = error_of(garbage);
  EXPECT_EQ(message.rfind("cases.json: not valid JSON", 0), 0u) << message;
  EXPECT_LE(message.size(), 240u);
  for (char c : message) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
  // Deep nesting is parsed without recursion and reported, not a stack overflow.
  EXPECT_EQ(error_of(std::string(1 << 20, '[')), "cases.json: JSON nested deeper than 32 levels");
}

}  // namespace
}  // namespace gatesim::gate
