// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IssuanceDesk} from "../issuance/IssuanceDesk.sol";

/// @notice Test-only: a compatible next version of IssuanceDesk.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract IssuanceDeskV2Mock is IssuanceDesk {
    function version() external pure returns (string memory) {
        return "2";
    }
}
