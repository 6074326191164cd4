#include "models/port.hpp"

#include <algorithm>
#include <chrono>

#include "models/crossing.hpp"

namespace gatesim::models {

const Capability* Port::capability(Channel channel, CivilDate day) const {
  for (const auto& c : capabilities)
    if (c.channel == channel && c.in_force_on(day)) return &c;
  return nullptr;
}

const Capability* Port::any_capability(Channel channel) const {
  for (const auto& c : capabilities)
    if (c.channel == channel) return &c;
  return nullptr;
}

bool Port::offers(Channel channel, CivilDate day) const {
  return channel == Channel::manual || capability(channel, day) != nullptr;
}

bool Port::leads_to(Destination d) const {
  return destinations.empty() || std::find(destinations.begin(), destinations.end(), d) != destinations.end();
}

long long LocalTime::minutes() const {
  return static_cast<long long>(std::chrono::sys_days{date}.time_since_epoch().count()) * 1440 + minute_of_day;
}

}  // namespace gatesim::models
