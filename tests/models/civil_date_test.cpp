#include "models/civil_date.hpp"

#include <gtest/gtest.h>

using namespace gatesim::models;
using namespace std::chrono;

TEST(CivilDate, ParsesStrictIsoDates) {
  EXPECT_EQ(parse_iso_date("2025-11-05"), CivilDate(year{2025}, November, day{5}));
  EXPECT_EQ(parse_iso_date("2024-02-29"), CivilDate(year{2024}, February, day{29}));
  for (const char* bad : {"2025-02-30", "2025-2-03", "2025-13-01", "2025-00-10", "2025-11-05T00", "", "abcd-ef-gh",
                          "2023-02-29", "2025/11/05"})
    EXPECT_FALSE(parse_iso_date(bad)) << bad;
}

TEST(CivilDate, FormatsIso) { EXPECT_EQ(to_iso(CivilDate(year{2025}, March, day{1})), "2025-03-01"); }

TEST(CivilDate, AgeTurnsOnTheBirthdayItself) {
  const auto birth = *parse_iso_date("2011-11-06");
  EXPECT_EQ(age_in_years(birth, *parse_iso_date("2025-11-05")), 13);
  EXPECT_EQ(age_in_years(birth, *parse_iso_date("2025-11-06")), 14);
}

TEST(CivilDate, LeapDayBirthdayFallsOnFirstOfMarchInCommonYears) {
  const auto birth = *parse_iso_date("2008-02-29");
  EXPECT_EQ(age_in_years(birth, *parse_iso_date("2022-02-28")), 13);
  EXPECT_EQ(age_in_years(birth, *parse_iso_date("2022-03-01")), 14);
  EXPECT_EQ(age_in_years(birth, *parse_iso_date("2024-02-29")), 16);
  EXPECT_EQ(age_in_years(birth, *parse_iso_date("2024-02-28")), 15);
}
