// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SecurityToken} from "../token/SecurityToken.sol";

/// @notice Test-only: a compatible next version of SecurityToken.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract SecurityTokenV2Mock is SecurityToken {
    function version() external pure returns (string memory) {
        return "2";
    }
}
