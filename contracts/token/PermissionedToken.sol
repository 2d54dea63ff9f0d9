// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IPermissionedToken} from "../interfaces/IPermissionedToken.sol";

/**
 * @title PermissionedToken
 * @notice The rules every token of the bank shares: ERC-20 with ERC-2612 permit, where every movement
 * requires both sides to be allowed by the participant registry and not frozen, and the token not paused.
 * @dev The one rule lives in the `_update` override: transfer, transferFrom, mint, burn, forced transfer
 * and the token's own custody movements all pass through it. Upgradeable (UUPS, UPGRADER_ROLE), ERC-7201
 * storage; default-admin transfer is two-step with a delay (AccessControlDefaultAdminRules).
 *
 * The token's own address is a custody account for procedures of the concrete token (deposit-token
 * redemptions waiting for the fiat payout). Nobody can send to it or force tokens out of it; only those
 * procedures move tokens in and out, through `_custodyMove`, and the counterparty side of such a move is
 * checked as any other.
 */
abstract contract PermissionedToken is
    IPermissionedToken,
    ERC20PermitUpgradeable,
    AccessControlDefaultAdminRulesUpgradeable,
    UUPSUpgradeable
{
    /// @notice Freezes, unfreezes and forces transfers.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Pauses and unpauses.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @dev What kind of movement `_update` is checking.
    uint8 private constant MODE_NORMAL = 0;
    uint8 private constant MODE_FORCED = 1;
    uint8 private constant MODE_CUSTODY = 2;

    /// @dev Everything the movement hook reads from this contract's storage, in one word.
    struct Config {
        IParticipantRegistry registry;
        bool paused;
        uint8 mode;
        uint8 decimals;
    }

    /// @custom:storage-location erc7201:bankcash.storage.PermissionedToken
    struct PermissionedTokenStorage {
        Config config;
        mapping(address wallet => bool) frozen;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.PermissionedToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant PERMISSIONED_TOKEN_STORAGE =
        0x9555f8203ea5b44d6d0901d2b131abedc03ba3080c3cd0a6a775df65c6417d00;

    function _getPermissionedTokenStorage() private pure returns (PermissionedTokenStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := PERMISSIONED_TOKEN_STORAGE
        }
    }

    // OpenZeppelin's naming for initializers of upgradeable base contracts (__Name_init).
    // slither-disable-start naming-convention
    // solhint-disable-next-line func-name-mixedcase
    function __PermissionedToken_init(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        IParticipantRegistry registry_,
        address admin,
        uint48 adminDelay
    ) internal onlyInitializing {
        __ERC20_init(name_, symbol_);
        __ERC20Permit_init(name_);
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        _requireRegistry(registry_);
        PermissionedTokenStorage storage $ = _getPermissionedTokenStorage();
        $.config = Config({registry: registry_, paused: false, mode: MODE_NORMAL, decimals: decimals_});
        emit RegistryChanged(address(0), address(registry_));
    }
    // slither-disable-end naming-convention

    /// @notice The number of decimals: the minor unit of the currency or security, set at deployment.
    /// @return The decimals.
    function decimals() public view virtual override returns (uint8) {
        return _getPermissionedTokenStorage().config.decimals;
    }

    /// @inheritdoc IPermissionedToken
    function transferWithReference(address to, uint256 amount, bytes32 ref) external returns (bool) {
        _requireAmount(amount);
        _requireReference(ref);
        _transfer(msg.sender, to, amount);
        emit ReferencedTransfer(msg.sender, to, amount, ref);
        return true;
    }

    /// @inheritdoc IPermissionedToken
    function freeze(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        PermissionedTokenStorage storage $ = _getPermissionedTokenStorage();
        if ($.frozen[wallet]) revert WalletFrozen(wallet);
        $.frozen[wallet] = true;
        emit Frozen(wallet);
    }

    /// @inheritdoc IPermissionedToken
    function unfreeze(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        PermissionedTokenStorage storage $ = _getPermissionedTokenStorage();
        if (!$.frozen[wallet]) revert WalletNotFrozen(wallet);
        $.frozen[wallet] = false;
        emit Unfrozen(wallet);
    }

    /// @inheritdoc IPermissionedToken
    function isFrozen(address wallet) external view returns (bool) {
        return _getPermissionedTokenStorage().frozen[wallet];
    }

    /**
     * @inheritdoc IPermissionedToken
     * @dev A forced transfer exists for the cases where the holder cannot or must not consent: a court
     * order against a frozen or revoked participant, a lost or compromised key. So the sending side is not
     * checked (it is typically frozen, suspended or revoked), and the transfer works while the token is
     * paused (a compromised key is exactly when one pauses, then moves the funds to safety). The receiving
     * side is checked as on every movement: forced funds only ever reach an allowed, unfrozen wallet.
     */
    function forceTransfer(address from, address to, uint256 amount, bytes32 legalRef)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        if (from == address(0) || from == address(this)) revert InvalidForcedTransferSource(from);
        _requireAmount(amount);
        _requireReference(legalRef);
        Config storage c = _getPermissionedTokenStorage().config;
        c.mode = MODE_FORCED;
        _transfer(from, to, amount);
        c.mode = MODE_NORMAL;
        emit ForcedTransfer(from, to, amount, legalRef, msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function pause() external onlyRole(PAUSER_ROLE) {
        Config storage c = _getPermissionedTokenStorage().config;
        if (c.paused) revert TokenPaused();
        c.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        Config storage c = _getPermissionedTokenStorage().config;
        if (!c.paused) revert TokenNotPaused();
        c.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function paused() external view returns (bool) {
        return _getPermissionedTokenStorage().config.paused;
    }

    /// @inheritdoc IPermissionedToken
    function registry() external view returns (IParticipantRegistry) {
        return _getPermissionedTokenStorage().config.registry;
    }

    /// @inheritdoc IPermissionedToken
    function setRegistry(IParticipantRegistry newRegistry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireRegistry(newRegistry);
        Config storage c = _getPermissionedTokenStorage().config;
        address previous = address(c.registry);
        c.registry = newRegistry;
        emit RegistryChanged(previous, address(newRegistry));
    }

    /**
     * @dev Moves tokens between a wallet and the token's own custody account (one side must be this
     * contract), for procedures of the concrete token. The wallet side is checked as on any movement.
     */
    function _custodyMove(address from, address to, uint256 amount) internal {
        Config storage c = _getPermissionedTokenStorage().config;
        c.mode = MODE_CUSTODY;
        _update(from, to, amount);
        c.mode = MODE_NORMAL;
    }

    /**
     * @dev The one movement rule. Reads the config word once; checks frozen flags in this contract and
     * asks the registry about both sides in one call. Mint (from = 0) and burn (to = 0) check one side.
     */
    // slither-disable-next-line cyclomatic-complexity
    function _update(address from, address to, uint256 value) internal virtual override {
        PermissionedTokenStorage storage $ = _getPermissionedTokenStorage();
        Config memory c = $.config;
        bool checkFrom = from != address(0);
        bool checkTo = to != address(0);
        if (c.mode == MODE_NORMAL) {
            // Custody is entered only through `_custodyMove`. It cannot be left in normal mode either: the
            // token never calls itself nor approves a spender, and forceTransfer refuses it as a source.
            if (c.paused) revert TokenPaused();
            if (to == address(this)) revert ERC20InvalidReceiver(to);
        } else if (c.mode == MODE_FORCED) {
            checkFrom = false;
        } else {
            if (c.paused) revert TokenPaused();
            if (from == address(this)) checkFrom = false;
            if (to == address(this)) checkTo = false;
        }
        if (checkFrom && $.frozen[from]) revert WalletFrozen(from);
        if (checkTo && $.frozen[to]) revert WalletFrozen(to);
        if (checkFrom && checkTo) {
            (bool fromAllowed, bool toAllowed) = c.registry.areAllowed(from, to);
            if (!fromAllowed) revert ParticipantNotAllowed(from);
            if (!toAllowed) revert ParticipantNotAllowed(to);
        } else if (checkFrom) {
            if (!c.registry.isAllowed(from)) revert ParticipantNotAllowed(from);
        } else if (checkTo) {
            if (!c.registry.isAllowed(to)) revert ParticipantNotAllowed(to);
        }
        super._update(from, to, value);
    }

    function _requireAmount(uint256 amount) internal pure {
        if (amount == 0) revert ZeroAmount();
    }

    function _requireReference(bytes32 ref) internal pure {
        if (ref == bytes32(0)) revert ReferenceMissing();
    }

    function _requireRegistry(IParticipantRegistry registry_) private view {
        if (address(registry_).code.length == 0) revert InvalidRegistry(address(registry_));
    }

    /// @dev Only UPGRADER_ROLE may upgrade; storage-layout compatibility is checked by the upgrades plugin.
    // The role check in the modifier is the whole rule.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
