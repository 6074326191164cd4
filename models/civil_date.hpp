#pragma once
// A calendar date (no time zone) and its strict ISO 8601 form, YYYY-MM-DD.
//
// Thread safety: free functions on values; safe from any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gatesim::models {

using CivilDate = std::chrono::year_month_day;

// ensures: returns the date when `text` is exactly YYYY-MM-DD and names a real day
//          (2025-02-30 and 2025-2-3 are rejected), std::nullopt otherwise.
std::optional<CivilDate> parse_iso_date(std::string_view text);

// requires: date.ok()
std::string to_iso(CivilDate date);

// Whole years lived on `on` by someone born on `birth`. A 29 February birthday falls on
// 1 March in common years (the day after 28 February), as civil law counts it.
// requires: birth <= on
int age_in_years(CivilDate birth, CivilDate on);

}  // namespace gatesim::models
