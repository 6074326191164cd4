// Every enum spelling parses back to its value, and unknown words are refused.
#include <gtest/gtest.h>

#include "models/crossing.hpp"

namespace gatesim::models {
namespace {

TEST(Names, RoundTrip) {
  for (auto v : {EndorsementKind::stay, EndorsementKind::family_visit, EndorsementKind::business, EndorsementKind::talent,
                 EndorsementKind::other, EndorsementKind::individual_tourism, EndorsementKind::group_tourism})
    EXPECT_EQ(parse_endorsement_kind(name(v)), v);
  for (auto v : {Channel::smart, Channel::document_free, Channel::manual, Channel::transit_240h, Channel::transit_24h,
                 Channel::one_time_mtp})
    EXPECT_EQ(parse_channel(name(v)), v);
  for (auto v : {DocumentKind::eep, DocumentKind::home_return_permit, DocumentKind::mtp, DocumentKind::passport,
                 DocumentKind::pr_id_card})
    EXPECT_EQ(parse_document_kind(name(v)), v);
  EXPECT_EQ(name(Entries::twice), "double");
  EXPECT_EQ(parse_mtp_validity("5_year"), MtpValidity::five_year);
  EXPECT_EQ(parse_destination("MAC"), Destination::macao);
  EXPECT_FALSE(parse_channel("Smart").has_value());
  EXPECT_FALSE(parse_residence("").has_value());
}

TEST(Port, CapabilityInForceFromItsFirstDay) {
  Port port;
  port.capabilities.push_back({Channel::smart, "M3", parse_iso_date("2025-11-05"), std::nullopt, true, "seed"});
  EXPECT_FALSE(port.offers(Channel::smart, *parse_iso_date("2025-11-04")));
  EXPECT_TRUE(port.offers(Channel::smart, *parse_iso_date("2025-11-05")));
  EXPECT_TRUE(port.offers(Channel::manual, *parse_iso_date("2025-11-04")));
  EXPECT_EQ(port.capability(Channel::transit_240h, *parse_iso_date("2025-11-05")), nullptr);
}

}  // namespace
}  // namespace gatesim::models
