// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DvPEscrow} from "../settlement/DvPEscrow.sol";

/// @notice Test-only: a compatible next version of DvPEscrow.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract DvPEscrowV2Mock is DvPEscrow {
    function version() external pure returns (string memory) {
        return "2";
    }
}
