#include "models/civil_date.hpp"

#include <cstdio>

namespace gatesim::models {

std::optional<CivilDate> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t count) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (!year || !month || !day) return std::nullopt;
  CivilDate date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                 std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string to_iso(CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

int age_in_years(CivilDate birth, CivilDate on) {
  int years = static_cast<int>(on.year()) - static_cast<int>(birth.year());
  // The birthday in the year of `on`; 29 February becomes 1 March in a common year.
  auto birthday = std::chrono::year_month_day{on.year(), birth.month(), birth.day()};
  if (!birthday.ok()) birthday = std::chrono::year_month_day{on.year(), std::chrono::March, std::chrono::day{1}};
  if (on < birthday) --years;
  return years;
}

}  // namespace gatesim::models
