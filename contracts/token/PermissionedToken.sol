// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IPermissionedToken} from "../interfaces/IPermissionedToken.sol";
import {Duties} from "../access/Duties.sol";

/**
 * @title PermissionedToken
 * @notice The rules every token of the bank shares: ERC-20 with ERC-2612 permit, where every movement
 * requires both sides to be allowed by the participant registry and not frozen, and the token not paused.
 * @dev The one rule lives in `_checkedMove`, reached through the `_update` override and from the forced and
 * custody paths: transfer, transferFrom, mint, burn, forced transfer and the token's own custody movements
 * all pass through it. Upgradeable (UUPS, UPGRADER_ROLE), ERC-7201
 * storage; default-admin transfer is two-step with a delay (AccessControlDefaultAdminRules).
 *
 * The token's own address is a custody account for procedures of the concrete token (deposit-token
 * redemptions waiting for the fiat payout). Nobody can send to it or force tokens out of it; only those
 * procedures move tokens in and out, through `_custodyMove`, and the counterparty side of such a move is
 * checked as any other.
 *
 * Contracts that hold tokens for others (the DvP escrow) are marked as custodians by the admin: no forced
 * transfer or redemption takes from them, and they can always give back what they hold, even once the
 * registry no longer allows them or compliance froze them (a refund must never be trapped). That excuse
 * covers only a custodian's own transfers: a custodian cannot grant an allowance (approve, permit), and a
 * spender's `transferFrom` out of one is checked as out of any holder. They receive, and spend allowances,
 * only while allowed and not frozen, like anyone else.
 *
 * Spenders are checked like holders: `transferFrom` refuses a spender that is frozen or not allowed, and
 * an allowance can only be granted (approve, permit) to a spender that is allowed and not frozen. Setting
 * an allowance to zero is always possible.
 *
 * UPGRADER_ROLE is its own admin: the default admin cannot grant it (in production it is held by a
 * timelock controller), so no key can upgrade in the block it grants itself a role.
 *
 * A wallet's frozen flag is the top bit of its balance word in the ERC-20 storage (as FiatToken keeps its
 * blacklist bit), so a movement reads each side's flag with the balance it moves: `balanceOf` gives the
 * low 255 bits, and the total supply (hence every balance) is kept below 2^255. Token implementations
 * that kept the flags in a mapping of their own have another storage layout: the upgrades plugin refuses
 * to upgrade such a proxy to this one (a deleted field), which is deployed afresh instead.
 */
abstract contract PermissionedToken is
    IPermissionedToken,
    ERC20PermitUpgradeable,
    AccessControlDefaultAdminRulesUpgradeable,
    UUPSUpgradeable
{
    /// @notice Freezes, unfreezes and forces transfers.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Issues (and, for securities, redeems); never held together with COMPLIANCE_ROLE.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Pauses and unpauses.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @dev What kind of movement `_checkedMove` is checking (a parameter, never stored).
    uint8 private constant MODE_NORMAL = 0;
    uint8 private constant MODE_FORCED = 1;
    uint8 private constant MODE_CUSTODY = 2;

    /// @dev Everything the movement hook reads from this contract's storage, in one word.
    struct Config {
        IParticipantRegistry registry;
        bool paused;
        uint8 decimals;
    }

    /// @custom:storage-location erc7201:bankcash.storage.PermissionedToken
    struct PermissionedTokenStorage {
        Config config;
        mapping(address account => bool) custodian;
    }

    /// @dev The frozen flag in a balance word of the ERC-20 storage; the balance is the bits below it.
    uint256 private constant FROZEN = 1 << 255;
    /// @dev The most the total supply may reach (2^255 - 1, named by SupplyLimitExceeded): every balance fits
    /// below the frozen flag.
    uint256 internal constant MAX_SUPPLY = FROZEN - 1;

    // OpenZeppelin's ERC-20 storage (ERC20Upgradeable, erc7201:openzeppelin.storage.ERC20): the same fields in
    // the same order, read here for the balance words that carry the frozen flag.
    struct ERC20Words {
        mapping(address account => uint256) balances;
        mapping(address account => mapping(address spender => uint256)) allowances;
        uint256 totalSupply;
    }

    // keccak256(abi.encode(uint256(keccak256("openzeppelin.storage.ERC20")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant ERC20_STORAGE = 0x52c63247e1f47db19d5ce0460030c497f067ca4cebf71ba98eeadabe20bace00;

    function _erc20Words() private pure returns (ERC20Words storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := ERC20_STORAGE
        }
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
        $.config = Config({registry: registry_, paused: false, decimals: decimals_});
        emit RegistryChanged(address(0), address(registry_));
        // The deployer holds the upgrade duty until it hands it to the timelock (and renounces it).
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(UPGRADER_ROLE, admin);
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
        mapping(address => uint256) storage words = _erc20Words().balances;
        uint256 word = words[wallet];
        if (word & FROZEN != 0) revert WalletFrozen(wallet);
        words[wallet] = word | FROZEN;
        emit Frozen(wallet, msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function unfreeze(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        mapping(address => uint256) storage words = _erc20Words().balances;
        uint256 word = words[wallet];
        if (word & FROZEN == 0) revert WalletNotFrozen(wallet);
        words[wallet] = word & MAX_SUPPLY;
        emit Unfrozen(wallet, msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function isFrozen(address wallet) external view returns (bool) {
        return _isFrozen(wallet);
    }

    /// @notice The tokens `account` holds (its balance word without the frozen flag).
    /// @param account The holder.
    /// @return The balance.
    function balanceOf(address account) public view virtual override(ERC20Upgradeable, IERC20) returns (uint256) {
        return _erc20Words().balances[account] & MAX_SUPPLY;
    }

    /**
     * @inheritdoc IPermissionedToken
     * @dev A forced transfer exists for the cases where the holder cannot or must not consent: a court
     * order against a frozen or revoked participant, a lost or compromised key. So the sending side is not
     * checked (it is typically frozen, suspended or revoked), and the transfer works while the token is
     * paused (a compromised key is exactly when one pauses, then moves the funds to safety). The receiving
     * side is checked as on every movement: forced funds only ever reach an allowed, unfrozen wallet, never
     * the token's own custody account (`_checkedMove` refuses it as a receiver, whatever the registry says). A
     * custodian (the DvP escrow) is never a source: what it holds belongs to the parties of its trades, and
     * the escrow's own court-order action returns a leg to its owner.
     */
    function forceTransfer(address from, address to, uint256 amount, bytes32 legalRef)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        PermissionedTokenStorage storage $ = _getPermissionedTokenStorage();
        if (from == address(0) || from == address(this) || $.custodian[from]) {
            revert InvalidForcedTransferSource(from);
        }
        _requireAmount(amount);
        _requireReference(legalRef);
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _checkedMove(from, to, amount, MODE_FORCED);
        emit ForcedTransfer(from, to, amount, legalRef, msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function setCustodian(address account, bool custodian) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account.code.length == 0) revert InvalidCustodian(account);
        if (!custodian) {
            uint256 held = balanceOf(account);
            if (held != 0) revert CustodianHoldsTokens(account, held);
        }
        _getPermissionedTokenStorage().custodian[account] = custodian;
        emit CustodianSet(account, custodian, msg.sender);
    }

    /// @inheritdoc IPermissionedToken
    function isCustodian(address account) external view returns (bool) {
        return _getPermissionedTokenStorage().custodian[account];
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
    function paused() public view returns (bool) {
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
        _checkedMove(from, to, amount, MODE_CUSTODY);
    }

    /// @dev Every transfer, transferFrom, mint, burn and signed payment: a normal movement.
    function _update(address from, address to, uint256 value) internal virtual override {
        _checkedMove(from, to, value, MODE_NORMAL);
    }

    /**
     * @dev The one movement rule (`_update`, `_custodyMove` and `forceTransfer` come here, each with its
     * mode). Reads the config word once and each side's balance word, which carries its
     * frozen flag; asks the registry about both sides in one call. Mint (from = 0) and burn (to = 0) check
     * one side. A custodian's sending side is excused only where it fails, so the usual path reads no extra
     * slot, and only when the custodian itself moves its own tokens (a refund): a spender's `transferFrom`
     * out of a custodian is checked as out of any other holder. Then `_moveBalances` moves the balances.
     */
    // slither-disable-next-line cyclomatic-complexity
    function _checkedMove(address from, address to, uint256 value, uint8 mode) private {
        PermissionedTokenStorage storage $ = _getPermissionedTokenStorage();
        ERC20Words storage e = _erc20Words();
        Config memory c = $.config;
        bool checkFrom = from != address(0);
        bool checkTo = to != address(0);
        if (mode == MODE_CUSTODY) {
            if (c.paused) revert TokenPaused();
            if (from == address(this)) checkFrom = false;
            if (to == address(this)) checkTo = false;
        } else {
            if (mode == MODE_FORCED) checkFrom = false;
            else if (c.paused) revert TokenPaused();
            // Custody is entered only through `_custodyMove`, never by a transfer nor a forced transfer (the funds
            // would be stuck there, counted as pending redemptions). It cannot be left in normal mode either: the
            // token never calls itself nor approves a spender, and forceTransfer refuses it as a source.
            if (to == address(this)) revert ERC20InvalidReceiver(to);
        }
        uint256 fromWord = from == address(0) ? 0 : e.balances[from];
        if (checkFrom && fromWord & FROZEN != 0 && !_custodianSends($, from)) revert WalletFrozen(from);
        if (checkTo && e.balances[to] & FROZEN != 0) revert WalletFrozen(to);
        // The registry is the bank's own contract, set by the admin: a netted batch calls it once per net movement.
        // slither-disable-start calls-loop
        if (checkFrom && checkTo) {
            (bool fromAllowed, bool toAllowed) = c.registry.areAllowed(from, to);
            if (!fromAllowed && !_custodianSends($, from)) revert ParticipantNotAllowed(from);
            if (!toAllowed) revert ParticipantNotAllowed(to);
        } else if (checkFrom) {
            if (!c.registry.isAllowed(from) && !_custodianSends($, from)) revert ParticipantNotAllowed(from);
        } else if (checkTo) {
            if (!c.registry.isAllowed(to)) revert ParticipantNotAllowed(to);
        }
        // slither-disable-end calls-loop
        _moveBalances(e, from, to, value, fromWord);
    }

    /// @dev OpenZeppelin's ERC-20 balance and supply update on the balance words, each flag staying with its word.
    function _moveBalances(ERC20Words storage e, address from, address to, uint256 value, uint256 fromWord) private {
        if (from == address(0)) {
            uint256 supplyAfter = e.totalSupply + value;
            if (supplyAfter > MAX_SUPPLY) revert SupplyLimitExceeded(supplyAfter, MAX_SUPPLY);
            e.totalSupply = supplyAfter;
        } else {
            uint256 fromBalance = fromWord & MAX_SUPPLY;
            if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
            // The flag stays: value <= fromBalance, so only the balance bits change.
            unchecked {
                e.balances[from] = fromWord - value;
            }
        }
        unchecked {
            // Neither overflows: value <= totalSupply, and a balance plus value is at most totalSupply <= MAX_SUPPLY,
            // so the sum never reaches the flag bit (read again: `to` may be `from`).
            if (to == address(0)) e.totalSupply -= value;
            else e.balances[to] += value;
        }
        emit Transfer(from, to, value);
    }

    /**
     * @dev A spender moves other holders' funds, so it is checked like a holder: a frozen wallet, a wallet of
     * a suspended or revoked participant, or one never onboarded cannot use an allowance it was given.
     */
    function _spendAllowance(address owner, address spender, uint256 value) internal virtual override {
        _requireSpender(spender);
        super._spendAllowance(owner, spender, value);
    }

    /**
     * @dev approve and permit (emitEvent) may only give a non-zero allowance to a spender that is allowed and
     * not frozen, and never from a custodian: what it holds belongs to others, and it gives it back itself.
     * Lowering an allowance to zero is always possible. Allowance spending (no event) is checked in
     * `_spendAllowance`.
     */
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal virtual override {
        if (emitEvent && value != 0) {
            if (_isCustodian(owner)) revert CustodianCannotApprove(owner);
            _requireSpender(spender);
        }
        super._approve(owner, spender, value, emitEvent);
    }

    /// @dev Refuses a role that must stay with another key than one the account already holds.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool) {
        _requireCompatibleRole(role, account);
        return super._grantRole(role, account);
    }

    /**
     * @dev Duties stay apart across the deployment (contracts/access/Duties.sol): the registry consults its
     * own roles, every platform contract's and this token's. Issuer and compliance on one key could issue
     * to a wallet of its own and force it anywhere.
     */
    function _requireCompatibleRole(bytes32 role, address account) internal view virtual {
        Duties.requireCompatible(_getPermissionedTokenStorage().config.registry, role, account);
    }

    /// @dev Whether `from` is a custodian moving its own tokens (it is the caller): the one case `_checkedMove`
    /// excuses.
    function _custodianSends(PermissionedTokenStorage storage $, address from) private view returns (bool) {
        return from == _msgSender() && $.custodian[from];
    }

    function _isFrozen(address wallet) private view returns (bool) {
        return _erc20Words().balances[wallet] & FROZEN != 0;
    }

    function _isCustodian(address account) internal view returns (bool) {
        return _getPermissionedTokenStorage().custodian[account];
    }

    /// @dev Refuses a spender (or the submitter of a signed payment) that is frozen or not allowed.
    function _requireSpender(address spender) internal view {
        _revertIfRefused(_walletRefusal(spender));
    }

    /**
     * @dev Why `wallet` may not take part in a movement now, as the ABI-encoded error the movement would
     * raise (WalletFrozen, ParticipantNotAllowed); empty when it may. The custodian excuse of `_checkedMove` does
     * not apply: it is for a custodian giving back what it holds, not for spending or signing.
     */
    function _walletRefusal(address wallet) internal view returns (bytes memory) {
        if (_isFrozen(wallet)) return _refusal(WalletFrozen.selector, wallet);
        if (!_getPermissionedTokenStorage().config.registry.isAllowed(wallet)) {
            return _refusal(ParticipantNotAllowed.selector, wallet);
        }
        return "";
    }

    /// @dev An ABI-encoded error whose one argument is an address, as `_revertIfRefused` takes it.
    function _refusal(bytes4 selector, address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, account);
    }

    /// @dev Reverts with an ABI-encoded error (as `_walletRefusal` returns it) unless it is empty.
    function _revertIfRefused(bytes memory reason) internal pure {
        // An empty reason is the only "no refusal"; a block time may have chosen the reason, never its length.
        // slither-disable-next-line incorrect-equality
        if (reason.length == 0) return;
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
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
