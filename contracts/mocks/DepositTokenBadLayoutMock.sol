// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PermissionedToken} from "../token/PermissionedToken.sol";

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
