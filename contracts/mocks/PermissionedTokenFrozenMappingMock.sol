// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/**
 * @notice Test-only: the token storage of implementations before the frozen flag moved into the balance
 * word (a mapping of frozen flags, and the movement kind kept in the config word). An upgrade from it to
 * the current tokens must be refused: it would lose every freeze.
 */
contract PermissionedTokenFrozenMappingMock is UUPSUpgradeable {
    struct Config {
        address registry;
        bool paused;
        uint8 mode;
        uint8 decimals;
    }

    /// @custom:storage-location erc7201:bankcash.storage.PermissionedToken
    struct PermissionedTokenStorage {
        Config config;
        mapping(address wallet => bool) frozen;
        mapping(address account => bool) custodian;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // Test-only: anyone may upgrade it.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override {}
}
