// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";

/**
 * @title ParticipantRegistry
 * @notice The bank's allowlist of institutional participants and their wallets.
 * @dev Upgradeable (UUPS, UPGRADER_ROLE); ERC-7201 namespaced storage. The hot path is `areAllowed`,
 * called on every token movement: two storage reads per wallet (wallet -> participant, and the
 * participant's status and KYC expiry packed in one word).
 */
contract ParticipantRegistry is IParticipantRegistry, AccessControlDefaultAdminRulesUpgradeable, UUPSUpgradeable {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Onboards participants, links wallets, sets status and KYC expiry.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @dev Status and KYC expiry share one storage word.
    struct Participant {
        Status status;
        uint64 kycExpiry;
    }

    /// @custom:storage-location erc7201:bankcash.storage.ParticipantRegistry
    struct RegistryStorage {
        mapping(address wallet => bytes32 id) participantOf;
        mapping(bytes32 id => Participant) participants;
        mapping(bytes32 id => EnumerableSet.AddressSet) wallets;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.ParticipantRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant REGISTRY_STORAGE = 0x087f88191c3daaac9c325f759f74e64b13214d6cf584322b6730b9f5bb5f5700;

    function _getRegistryStorage() private pure returns (RegistryStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := REGISTRY_STORAGE
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initializes the registry behind its proxy.
     * @param admin The default admin (grants roles; transferred in two steps with `adminDelay`).
     * @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
     */
    function initialize(address admin, uint48 adminDelay) external initializer {
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        // UPGRADER_ROLE is its own admin: the default admin cannot grant it (a timelock holds it). The
        // deployer holds it until it hands it to the timelock and renounces it.
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(UPGRADER_ROLE, admin);
    }

    /// @inheritdoc IParticipantRegistry
    function onboard(bytes32 id, address[] calldata wallets, uint64 kycExpiry)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        if (id == bytes32(0)) revert ParticipantIdZero();
        RegistryStorage storage $ = _getRegistryStorage();
        if ($.participants[id].status != Status.None) revert ParticipantAlreadyExists(id);
        _requireFuture(kycExpiry);
        $.participants[id] = Participant(Status.Active, kycExpiry);
        emit ParticipantOnboarded(id, kycExpiry);
        emit StatusChanged(id, Status.None, Status.Active);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _link($, id, wallets[i]);
        }
    }

    /// @inheritdoc IParticipantRegistry
    function nameParticipant(bytes32 id, string calldata name) external onlyRole(COMPLIANCE_ROLE) {
        if (_getRegistryStorage().participants[id].status == Status.None) revert ParticipantNotFound(id);
        bytes32 nameHash = keccak256(bytes(name));
        if (nameHash != id) revert NameDoesNotMatchId(id, nameHash);
        emit ParticipantNamed(id, name);
    }

    /// @inheritdoc IParticipantRegistry
    function linkWallet(bytes32 id, address wallet) external onlyRole(COMPLIANCE_ROLE) {
        RegistryStorage storage $ = _getRegistryStorage();
        _requireNotRevoked($.participants[id].status, id);
        _link($, id, wallet);
    }

    /// @inheritdoc IParticipantRegistry
    function unlinkWallet(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        RegistryStorage storage $ = _getRegistryStorage();
        bytes32 id = $.participantOf[wallet];
        if (id == bytes32(0)) revert WalletNotLinked(wallet);
        delete $.participantOf[wallet];
        // Always true: participantOf and the wallet sets are kept in step, and the wallet was linked to `id`.
        // slither-disable-next-line unused-return
        $.wallets[id].remove(wallet);
        emit WalletUnlinked(id, wallet);
    }

    /// @inheritdoc IParticipantRegistry
    function setStatus(bytes32 id, Status status) external onlyRole(COMPLIANCE_ROLE) {
        if (status == Status.None) revert StatusNotSettable(status);
        Participant storage p = _getRegistryStorage().participants[id];
        Status previous = p.status;
        _requireNotRevoked(previous, id);
        if (previous == status) revert StatusUnchanged(id, status);
        p.status = status;
        emit StatusChanged(id, previous, status);
    }

    /// @inheritdoc IParticipantRegistry
    function renewKyc(bytes32 id, uint64 kycExpiry) external onlyRole(COMPLIANCE_ROLE) {
        Participant storage p = _getRegistryStorage().participants[id];
        _requireNotRevoked(p.status, id);
        _requireFuture(kycExpiry);
        uint64 previous = p.kycExpiry;
        p.kycExpiry = kycExpiry;
        emit KycRenewed(id, previous, kycExpiry);
    }

    /// @inheritdoc IParticipantRegistry
    function isAllowed(address wallet) external view returns (bool) {
        return _isAllowed(_getRegistryStorage(), wallet);
    }

    /// @inheritdoc IParticipantRegistry
    function areAllowed(address a, address b) external view returns (bool aAllowed, bool bAllowed) {
        RegistryStorage storage $ = _getRegistryStorage();
        return (_isAllowed($, a), _isAllowed($, b));
    }

    /// @inheritdoc IParticipantRegistry
    function participantOf(address wallet) external view returns (bytes32) {
        return _getRegistryStorage().participantOf[wallet];
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipant(bytes32 id)
        external
        view
        returns (Status status, uint64 kycExpiry, address[] memory wallets)
    {
        RegistryStorage storage $ = _getRegistryStorage();
        Participant memory p = $.participants[id];
        return (p.status, p.kycExpiry, $.wallets[id].values());
    }

    function _isAllowed(RegistryStorage storage $, address wallet) private view returns (bool) {
        bytes32 id = $.participantOf[wallet];
        if (id == bytes32(0)) return false;
        Participant memory p = $.participants[id];
        // slither-disable-next-line timestamp
        return p.status == Status.Active && block.timestamp < p.kycExpiry;
    }

    function _link(RegistryStorage storage $, bytes32 id, address wallet) private {
        if (wallet == address(0)) revert WalletZero();
        bytes32 current = $.participantOf[wallet];
        if (current != bytes32(0)) revert WalletAlreadyLinked(wallet, current);
        $.participantOf[wallet] = id;
        // Always true: the wallet was linked to no participant, so it is in no participant's set.
        // slither-disable-next-line unused-return
        $.wallets[id].add(wallet);
        emit WalletLinked(id, wallet);
    }

    function _requireNotRevoked(Status status, bytes32 id) private pure {
        if (status == Status.None) revert ParticipantNotFound(id);
        if (status == Status.Revoked) revert ParticipantIsRevoked(id);
    }

    function _requireFuture(uint64 kycExpiry) private view {
        // slither-disable-next-line timestamp
        if (kycExpiry <= block.timestamp) revert KycExpiryNotInFuture(kycExpiry, block.timestamp);
    }

    /// @dev Only UPGRADER_ROLE may upgrade; the new implementation's layout is checked off-chain by the upgrades plugin.
    // The role check in the modifier is the whole rule.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
