// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {WalletRecords} from "./WalletRecords.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {Duties} from "../access/Duties.sol";

/**
 * @title ParticipantRegistry
 * @notice The bank's allowlist of institutional participants and their wallets.
 * @dev Upgradeable (UUPS, UPGRADER_ROLE); ERC-7201 namespaced storage. The hot path is `areAllowed`,
 * called on every token movement: two storage reads per wallet (wallet -> participant, and the
 * participant's status and KYC expiry packed in one word).
 *
 * It is also the hub of the deployment's separation of duties (contracts/access/Duties.sol): it lists the
 * platform contracts and, for each grant of a conflicting duty on itself or on any contract that asks,
 * consults its own roles, every platform contract's and the asking contract's. A contract that cannot
 * answer fails the grant closed: a duty whose conflicts cannot be checked is not given.
 */
contract ParticipantRegistry is IParticipantRegistry, AccessControlDefaultAdminRulesUpgradeable, UUPSUpgradeable {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Onboards participants, links wallets, sets status and KYC expiry.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @notice The most platform contracts the registry lists: each is asked on every grant of a duty.
    uint256 public constant MAX_PLATFORM_CONTRACTS = 64;
    /// @notice The longest legal name recorded, in bytes of UTF-8 (ISO 20022 Max140Text).
    uint256 public constant MAX_LEGAL_NAME_BYTES = 140;
    /// @notice The most wallets one participant may have: a change of its status or KYC expiry rewrites each.
    uint256 public constant MAX_WALLETS_PER_PARTICIPANT = 100;

    /// @dev Status and KYC expiry share one storage word.
    struct Participant {
        Status status;
        uint64 kycExpiry;
    }

    /**
     * @dev `walletRecords` holds, per linked wallet, a copy of its participant's record, so that the check on
     * every movement reads one word per wallet. Every write of a participant's status or KYC expiry, and
     * every link and unlink, writes the copies in the same transaction; an unlinked wallet has none (status
     * None: refused).
     * @custom:storage-location erc7201:bankcash.storage.ParticipantRegistry
     */
    struct RegistryStorage {
        mapping(address wallet => bytes32 id) participantOf;
        mapping(bytes32 id => Participant) participants;
        mapping(bytes32 id => EnumerableSet.AddressSet) wallets;
        EnumerableSet.AddressSet platformContracts;
        mapping(address wallet => Participant) walletRecords;
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
    function setLegalName(bytes32 id, string calldata legalName) external onlyRole(COMPLIANCE_ROLE) {
        if (_getRegistryStorage().participants[id].status == Status.None) revert ParticipantNotFound(id);
        uint256 length = bytes(legalName).length;
        if (length == 0) revert LegalNameEmpty(id);
        if (length > MAX_LEGAL_NAME_BYTES) revert LegalNameTooLong(id, length, MAX_LEGAL_NAME_BYTES);
        emit ParticipantLegalName(id, legalName);
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
        _writeWalletRecord($, wallet);
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
        _writeWalletRecords(_getRegistryStorage(), id, p);
        emit StatusChanged(id, previous, status);
    }

    /// @inheritdoc IParticipantRegistry
    function renewKyc(bytes32 id, uint64 kycExpiry) external onlyRole(COMPLIANCE_ROLE) {
        Participant storage p = _getRegistryStorage().participants[id];
        _requireNotRevoked(p.status, id);
        _requireFuture(kycExpiry);
        uint64 previous = p.kycExpiry;
        p.kycExpiry = kycExpiry;
        _writeWalletRecords(_getRegistryStorage(), id, p);
        emit KycRenewed(id, previous, kycExpiry);
    }

    /// @inheritdoc IParticipantRegistry
    function syncWallets(address[] calldata wallets) external {
        RegistryStorage storage $ = _getRegistryStorage();
        for (uint256 i = 0; i < wallets.length; ++i) {
            emit WalletRecordSynced(wallets[i], _writeWalletRecord($, wallets[i]));
        }
    }

    /// @inheritdoc IParticipantRegistry
    function addPlatformContract(address platformContract) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (platformContract.code.length == 0) revert PlatformContractNotAContract(platformContract);
        EnumerableSet.AddressSet storage list = _getRegistryStorage().platformContracts;
        if (platformContract == address(this) || list.contains(platformContract)) {
            revert PlatformContractAlreadyAdded(platformContract);
        }
        if (list.length() >= MAX_PLATFORM_CONTRACTS) revert TooManyPlatformContracts(MAX_PLATFORM_CONTRACTS);
        // Only to refuse a contract whose duties could never be read; what it answers does not matter.
        _holds(platformContract, DEFAULT_ADMIN_ROLE, address(0));
        // Always true: the contract was not in the set.
        // slither-disable-next-line unused-return
        list.add(platformContract);
        emit PlatformContractAdded(platformContract, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function removePlatformContract(address platformContract) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_getRegistryStorage().platformContracts.remove(platformContract)) {
            revert PlatformContractUnknown(platformContract);
        }
        emit PlatformContractRemoved(platformContract, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function platformContracts() external view returns (address[] memory) {
        return _getRegistryStorage().platformContracts.values();
    }

    /// @inheritdoc IParticipantRegistry
    function requireCompatibleRole(bytes32 role, address account) external view {
        _requireCompatibleRole(role, account, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function isAllowed(address wallet) external view returns (bool) {
        return _isAllowed(wallet);
    }

    /// @inheritdoc IParticipantRegistry
    function areAllowed(address a, address b) external view returns (bool aAllowed, bool bAllowed) {
        return (_isAllowed(a), _isAllowed(b));
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

    /// @dev The registry's own grants pass through the same rule as every platform contract's.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        _requireCompatibleRole(role, account, address(this));
        return super._grantRole(role, account);
    }

    /**
     * @dev Consults, for each role that conflicts with `role`, the registry itself, every platform contract,
     * and `caller` when it is a contract not in the list (a contract asking about its own grant). The
     * list is bounded by MAX_PLATFORM_CONTRACTS and only the default admin changes it.
     */
    function _requireCompatibleRole(bytes32 role, address account, address caller) private view {
        bytes32[] memory held = Duties.conflicts(role);
        if (held.length == 0) return;
        EnumerableSet.AddressSet storage list = _getRegistryStorage().platformContracts;
        bool askCaller = caller != address(this) && caller.code.length != 0 && !list.contains(caller);
        uint256 n = list.length();
        for (uint256 h = 0; h < held.length; ++h) {
            bytes32 conflicting = held[h];
            bool holds = hasRole(conflicting, account) || (askCaller && _holds(caller, conflicting, account));
            for (uint256 i = 0; i < n && !holds; ++i) {
                holds = _holds(list.at(i), conflicting, account);
            }
            if (holds) revert ConflictingRoles(account, role, conflicting);
        }
    }

    /**
     * @dev Whether `target` says `account` holds `role`. Anything but a well-formed boolean (a revert, no
     * code, a short or out-of-range answer) is refused by name: an unchecked duty is never granted.
     */
    function _holds(address target, bytes32 role, address account) private view returns (bool) {
        // A view of a contract the default admin listed, bounded by MAX_PLATFORM_CONTRACTS; a low-level call
        // so that a broken answer is refused with the contract's name instead of an anonymous revert.
        // slither-disable-next-line low-level-calls,calls-loop
        (bool ok, bytes memory answer) = target.staticcall(abi.encodeCall(IAccessControl.hasRole, (role, account)));
        uint256 value = ok && answer.length == 32 ? abi.decode(answer, (uint256)) : 2;
        if (value > 1) revert PlatformContractUnreadable(target);
        return value == 1;
    }

    /// @dev One word per wallet: its copy of the participant's record (none for an unlinked wallet: status None).
    function _isAllowed(address wallet) private view returns (bool) {
        return WalletRecords.allowed(wallet);
    }

    /**
     * @dev Writes `wallet`'s record from its participant's (clears it for a wallet linked to none); returns
     * the participant.
     */
    function _writeWalletRecord(RegistryStorage storage $, address wallet) private returns (bytes32 id) {
        id = $.participantOf[wallet];
        if (id == bytes32(0)) delete $.walletRecords[wallet];
        else $.walletRecords[wallet] = $.participants[id];
    }

    /// @dev Writes the participant's record into each of its wallets' records (at most MAX_WALLETS_PER_PARTICIPANT).
    function _writeWalletRecords(RegistryStorage storage $, bytes32 id, Participant storage p) private {
        Participant memory record = p;
        EnumerableSet.AddressSet storage list = $.wallets[id];
        uint256 count = list.length();
        for (uint256 i = 0; i < count; ++i) {
            $.walletRecords[list.at(i)] = record;
        }
    }

    function _link(RegistryStorage storage $, bytes32 id, address wallet) private {
        if (wallet == address(0)) revert WalletZero();
        bytes32 current = $.participantOf[wallet];
        if (current != bytes32(0)) revert WalletAlreadyLinked(wallet, current);
        EnumerableSet.AddressSet storage list = $.wallets[id];
        if (list.length() >= MAX_WALLETS_PER_PARTICIPANT) {
            revert TooManyWallets(id, MAX_WALLETS_PER_PARTICIPANT);
        }
        $.participantOf[wallet] = id;
        _writeWalletRecord($, wallet);
        // Always true: the wallet was linked to no participant, so it is in no participant's set.
        // slither-disable-next-line unused-return
        list.add(wallet);
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
