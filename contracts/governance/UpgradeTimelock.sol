// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title UpgradeTimelock
 * @notice Holds UPGRADER_ROLE on every contract of the platform: an upgrade is scheduled by a proposer
 * (the upgrade key), visible on chain for at least `getMinDelay()` seconds, then executed. OpenZeppelin's
 * TimelockController unchanged; this contract only gives it a name in the deployment.
 * @dev Deployed without an admin (`admin = address(0)`): only the timelock itself, through a delayed
 * operation, can change its roles or its delay.
 */
contract UpgradeTimelock is TimelockController {
    /**
     * @notice Deploys the timelock.
     * @param minDelay Seconds between scheduling and executing an operation (0 on development networks).
     * @param proposers Who may schedule (and cancel) operations.
     * @param executors Who may execute ready operations.
     */
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
