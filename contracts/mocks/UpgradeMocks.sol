// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DepositToken} from "../token/DepositToken.sol";
import {ParticipantRegistry} from "../registry/ParticipantRegistry.sol";
import {PermissionedToken} from "../token/PermissionedToken.sol";

/// @notice Test-only: a compatible next version of DepositToken.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract DepositTokenV2Mock is DepositToken {
    function version() external pure returns (string memory) {
        return "2";
    }
}

/// @notice Test-only: a compatible next version of ParticipantRegistry.
/// @dev The proxy was initialized by V1; V2 adds no state to initialize.
/// @custom:oz-upgrades-unsafe-allow constructor missing-initializer
contract ParticipantRegistryV2Mock is ParticipantRegistry {
    function version() external pure returns (string memory) {
        return "2";
    }
}

/// @notice Test-only: an implementation that reorders DepositToken's namespaced storage; upgrades must refuse it.
contract DepositTokenBadLayoutMock is PermissionedToken {
    /// @custom:storage-location erc7201:bankcash.storage.DepositToken
    struct DepositTokenStorage {
        uint256 reserves;
        string currency;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }
}
