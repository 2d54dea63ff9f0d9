// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DepositToken} from "../token/DepositToken.sol";

/// @notice Test-only: a compatible next version of DepositToken.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract DepositTokenV2Mock is DepositToken {
    function version() external pure returns (string memory) {
        return "2";
    }
}
