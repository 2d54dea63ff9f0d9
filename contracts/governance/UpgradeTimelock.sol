// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IUpgradeTimelock} from "../interfaces/IUpgradeTimelock.sol";

/**
 * @title UpgradeTimelock
 * @notice Holds UPGRADER_ROLE on every contract of the platform: an upgrade is scheduled by a proposer
 * (the upgrade key), visible on chain for at least `getMinDelay()` seconds, then executed by an executor
 * (the upgrade key). Only a guardian, a key of its own, can cancel a scheduled operation; the guardian
 * can neither schedule nor execute, and the upgrade key cannot cancel.
 * @dev OpenZeppelin's TimelockController with three changes: CANCELLER_ROLE goes to the guardians instead
 * of the proposers; no account holds CANCELLER_ROLE together with PROPOSER_ROLE or EXECUTOR_ROLE, and no
 * role goes to the zero address (no open roles), at deployment and at every later grant; and a ready
 * operation whose every call targets the timelock itself (a change of its own roles or delay, such as
 * the replacement of the upgrade key) may be executed by anyone, so that an upgrade key being replaced
 * cannot hold back its replacement by not executing it. Deployed without an admin (`admin = address(0)`):
 * only the timelock itself, through a delayed operation, can change its roles or its delay.
 */
contract UpgradeTimelock is TimelockController, IUpgradeTimelock {
    /**
     * @notice Deploys the timelock.
     * @param minDelay Seconds between scheduling and executing an operation (0 on development networks).
     * @param proposers Who may schedule operations (the upgrade key).
     * @param executors Who may execute ready operations (the upgrade key).
     * @param guardians Who may cancel scheduled operations (the guardian key; at least one, none of them a
     * proposer or an executor).
     */
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address[] memory guardians)
        TimelockController(minDelay, new address[](0), executors, address(0))
    {
        if (guardians.length == 0) revert NoGuardian();
        for (uint256 i = 0; i < proposers.length; ++i) {
            _grantRole(PROPOSER_ROLE, proposers[i]);
        }
        for (uint256 i = 0; i < guardians.length; ++i) {
            _grantRole(CANCELLER_ROLE, guardians[i]);
        }
    }

    /// @dev Keeps the guardians apart from the proposers and executors, and every role closed.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (account == address(0)) revert RoleForZeroAddress(role);
        if (role == CANCELLER_ROLE) {
            _requireNotHolding(account, role, PROPOSER_ROLE);
            _requireNotHolding(account, role, EXECUTOR_ROLE);
        } else if (role == PROPOSER_ROLE || role == EXECUTOR_ROLE) {
            _requireNotHolding(account, role, CANCELLER_ROLE);
        }
        return super._grantRole(role, account);
    }

    function _requireNotHolding(address account, bytes32 role, bytes32 held) private view {
        if (hasRole(held, account)) revert ConflictingRoles(account, role, held);
    }

    /**
     * @dev EXECUTOR_ROLE is checked only by `execute` and `executeBatch`: an operation whose calls all
     * target this timelock needs no executor (it was scheduled by a proposer and outlived the delay
     * without a guardian cancelling it).
     */
    function _checkRole(bytes32 role, address account) internal view override {
        if (role == EXECUTOR_ROLE && _executesOnlySelf()) return;
        super._checkRole(role, account);
    }

    /// @dev Whether the `execute` or `executeBatch` call being checked targets this timelock alone.
    function _executesOnlySelf() private view returns (bool) {
        if (msg.sig == this.executeBatch.selector) {
            (address[] memory targets,,,,) = abi.decode(msg.data[4:], (address[], uint256[], bytes[], bytes32, bytes32));
            for (uint256 i = 0; i < targets.length; ++i) {
                if (targets[i] != address(this)) return false;
            }
            return targets.length > 0;
        }
        return abi.decode(msg.data[4:36], (address)) == address(this);
    }
}
