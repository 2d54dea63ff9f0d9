// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ParticipantRegistry} from "../registry/ParticipantRegistry.sol";

/// @notice Test-only: a compatible next version of ParticipantRegistry.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract ParticipantRegistryV2Mock is ParticipantRegistry {
    function version() external pure returns (string memory) {
        return "2";
    }
}
