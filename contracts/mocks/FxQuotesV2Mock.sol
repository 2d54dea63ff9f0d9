// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FxQuotes} from "../settlement/FxQuotes.sol";

/// @notice Test-only: a compatible next version of FxQuotes.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract FxQuotesV2Mock is FxQuotes {
    function version() external pure returns (string memory) {
        return "2";
    }
}
