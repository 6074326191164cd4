// The names a transaction's steps have in the audit log, the outputs and the dashboards.
#include "gate/transaction_outcome.hpp"

#include <gtest/gtest.h>

namespace gatesim::gate {
namespace {

TEST(StepName, TheGuardiansOwnStepsCarryTheirPrefix) {
  EXPECT_EQ(step_name(Step::read_document, Role::traveller), "read_document");
  EXPECT_EQ(step_name(Step::read_document, Role::guardian), "guardian.read_document");
  EXPECT_EQ(step_name(Step::check_policy, Role::guardian), "guardian.check_policy");
  EXPECT_EQ(step_name(Step::face, Role::traveller), "face");
  EXPECT_EQ(step_name(Step::face, Role::guardian), "guardian.face");
  EXPECT_EQ(step_name(Step::fingerprint, Role::guardian), "guardian.fingerprint");
}

TEST(StepName, TheGuardianCheckAndTheAuditWriteAreTheTransactions) {
  for (const Role role : {Role::traveller, Role::guardian}) {
    EXPECT_EQ(step_name(Step::guardian, role), "guardian");
    EXPECT_EQ(step_name(Step::audit, role), "audit");
  }
  const StepTiming guardians_audit{Step::audit, Role::guardian, {}};
  EXPECT_EQ(guardians_audit.name(), "audit");
  EXPECT_EQ(to_string(Step::audit), "audit");
}

}  // namespace
}  // namespace gatesim::gate
