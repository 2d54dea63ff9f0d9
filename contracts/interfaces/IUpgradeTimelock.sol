// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IUpgradeTimelock
 * @notice The errors of the timelock that holds UPGRADER_ROLE on every contract of the platform. Its
 * functions and events are OpenZeppelin's TimelockController's.
 */
interface IUpgradeTimelock {
    /// @notice The timelock was deployed without a guardian: no key could cancel a scheduled operation.
    error NoGuardian();
    /// @notice A role may not go to the zero address (an open role would let anyone use it).
    /// @param role The role refused.
    error RoleForZeroAddress(bytes32 role);
    /// @notice The account already holds a role that must stay with someone else: a guardian (canceller)
    /// never proposes or executes, a proposer or executor never cancels.
    /// @param account The account refused.
    /// @param role The role it would have received.
    /// @param heldRole The role it holds that conflicts.
    error ConflictingRoles(address account, bytes32 role, bytes32 heldRole);
}
