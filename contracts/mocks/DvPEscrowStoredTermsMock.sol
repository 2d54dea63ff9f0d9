// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IDvPEscrow} from "../interfaces/IDvPEscrow.sol";

/**
 * @notice Test-only: the escrow storage of implementations before a proposed trade was kept as its terms'
 * hash (the terms in seven words, and a settled flag per signed digest beside one per reference). An upgrade
 * from it to the current escrow must be refused: the open trades' terms and the settled flags would be
 * read as something else.
 */
contract DvPEscrowStoredTermsMock is UUPSUpgradeable {
    struct StoredTrade {
        address seller;
        uint64 deadline;
        IDvPEscrow.TradeState state;
        address buyer;
        address asset;
        uint256 assetAmount;
        address cash;
        uint256 cashAmount;
        bytes32 ref;
    }

    /// @custom:storage-location erc7201:bankcash.storage.DvPEscrow
    struct DvPEscrowStorage {
        address registry;
        mapping(address token => bool) listed;
        mapping(bytes32 tradeId => StoredTrade) trades;
        mapping(address proposer => uint256) nonces;
        mapping(bytes32 tradeHash => bool) signedSettled;
        mapping(address token => uint256) locked;
        mapping(address party => mapping(address token => uint256)) refunds;
        mapping(address token => uint256) pendingRefunds;
        mapping(bytes32 tradeHash => bool) withdrawn;
        mapping(bytes32 refKey => bool) refSettled;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // Test-only: anyone may upgrade it.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override {}
}
