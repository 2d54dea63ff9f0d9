// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Signatures} from "../utils/Signatures.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IFxQuotes} from "../interfaces/IFxQuotes.sol";
import {Duties} from "../access/Duties.sol";
import {FixedEIP712Domain} from "../utils/FixedEIP712Domain.sol";

/**
 * @title FxQuotes
 * @notice Cross-currency payments against a liquidity provider's signed quote, both legs in one
 * transaction or none.
 * @dev Upgradeable (UUPS, UPGRADER_ROLE, which is its own admin and held by the timelock), ERC-7201
 * storage. The contract is onboarded in the registry as a participant so that it may spend the parties'
 * allowances; it never holds a token: both legs go straight from payer to provider and from provider to
 * beneficiary, each checked by the token's own rule (registry, freeze, pause).
 *
 * Checks, effects, interactions: every call before the nonce is spent is a static call (registry,
 * balances, allowances, ERC-1271), and the nonce is spent before the two transfers, so a token that calls
 * back finds the quote used. There is no other state for a reentrant call to see half-written.
 */
contract FxQuotes is IFxQuotes, AccessControlDefaultAdminRulesUpgradeable, FixedEIP712Domain, UUPSUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice EIP-712 type of the quote a provider signs.
    // The type string is hashed at compile time; its length costs nothing at run time.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(address provider,address payer,address sellToken,uint256 sellAmount,address buyToken,uint256 buyAmount,uint64 validUntil,bytes32 nonce)"
    );

    /// @custom:storage-location erc7201:bankcash.storage.FxQuotes
    struct FxQuotesStorage {
        IParticipantRegistry registry;
        mapping(address token => bool) listed;
        mapping(address provider => mapping(bytes32 nonce => NonceState)) nonces;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.FxQuotes")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant FX_QUOTES_STORAGE = 0x7bd389624e5ce5ec80f25d6499de3a47aed1f3954ef6e1bfa59b450369ba9800;

    function _getFxQuotesStorage() private pure returns (FxQuotesStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := FX_QUOTES_STORAGE
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initializes the contract behind its proxy.
     * @param registry_ The participant registry that decides who may pay, quote and receive.
     * @param admin The default admin (lists tokens, grants roles).
     * @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
     */
    function initialize(IParticipantRegistry registry_, address admin, uint48 adminDelay) external initializer {
        if (address(registry_).code.length == 0) revert InvalidRegistry(address(registry_));
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        __FixedEIP712Domain_init();
        __UUPSUpgradeable_init();
        _getFxQuotesStorage().registry = registry_;
        // The deployer holds the upgrade duty until it hands it to the timelock (and renounces it).
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(UPGRADER_ROLE, admin);
    }

    /// @inheritdoc IFxQuotes
    function payWithQuote(Quote calldata q, bytes calldata signature, address beneficiary, bytes32 ref)
        external
        returns (bytes32 quoteHash)
    {
        if (ref == bytes32(0)) revert ReferenceMissing();
        FxQuotesStorage storage $ = _getFxQuotesStorage();
        bytes memory refusal;
        (quoteHash, refusal) = _check($, q, signature, msg.sender, beneficiary);
        _refuse(refusal);
        $.nonces[q.provider][q.nonce] = NonceState.Used;
        emit QuotePaid(quoteHash, msg.sender, ref, beneficiary, q);
        IERC20(q.buyToken).safeTransferFrom(msg.sender, q.provider, q.buyAmount);
        // The provider is not arbitrary: `_check` verified its signature on exactly these terms, and its nonce is spent.
        // slither-disable-next-line arbitrary-send-erc20
        IERC20(q.sellToken).safeTransferFrom(q.provider, beneficiary, q.sellAmount);
    }

    /// @inheritdoc IFxQuotes
    function cancelQuote(bytes32 nonce) external {
        FxQuotesStorage storage $ = _getFxQuotesStorage();
        _refuse(_nonceRefusal($, msg.sender, nonce));
        $.nonces[msg.sender][nonce] = NonceState.Cancelled;
        emit QuoteNonceCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IFxQuotes
    function listToken(address token, bool listed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token.code.length == 0) revert TokenNotListed(token);
        _getFxQuotesStorage().listed[token] = listed;
        emit TokenListed(token, listed);
    }

    /// @inheritdoc IFxQuotes
    function isListed(address token) external view returns (bool) {
        return _getFxQuotesStorage().listed[token];
    }

    /// @inheritdoc IFxQuotes
    function nonceState(address provider, bytes32 nonce) external view returns (NonceState) {
        return _getFxQuotesStorage().nonces[provider][nonce];
    }

    /// @inheritdoc IFxQuotes
    function hashQuote(Quote calldata q) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(QUOTE_TYPEHASH, q)));
    }

    /// @inheritdoc IFxQuotes
    function whyNot(Quote calldata q, bytes calldata signature, address payer, address beneficiary)
        external
        view
        returns (bytes memory refusal)
    {
        (, refusal) = _check(_getFxQuotesStorage(), q, signature, payer, beneficiary);
    }

    /// @notice The registry the contract asks about the parties.
    /// @return The registry.
    function registry() external view returns (IParticipantRegistry) {
        return _getFxQuotesStorage().registry;
    }

    /**
     * @dev Every check of a payment, one place for `payWithQuote` and `whyNot`: the quote's digest and the
     * ABI-encoded error that refuses it (empty when it can be paid). Cheap checks first, the signature and
     * the registry after, the legs' funding last so that a refusal names the first leg that cannot move.
     */
    function _check(
        FxQuotesStorage storage $,
        Quote calldata q,
        bytes calldata signature,
        address payer,
        address beneficiary
    ) private view returns (bytes32 quoteHash, bytes memory refusal) {
        quoteHash = _hashTypedDataV4(keccak256(abi.encode(QUOTE_TYPEHASH, q)));
        address provider = q.provider;
        if (!$.listed[q.sellToken]) return (quoteHash, _refusal(TokenNotListed.selector, uint160(q.sellToken)));
        if (!$.listed[q.buyToken]) return (quoteHash, _refusal(TokenNotListed.selector, uint160(q.buyToken)));
        if (q.sellToken == q.buyToken) return (quoteHash, _refusal(SameToken.selector, uint160(q.sellToken)));
        if (q.sellAmount == 0 || q.buyAmount == 0) return (quoteHash, abi.encodeWithSelector(QuoteAmountZero.selector));
        // Quotes live seconds to minutes; a validator's leeway on the block time is the accepted imprecision.
        // slither-disable-next-line timestamp
        if (block.timestamp > q.validUntil) {
            return (quoteHash, abi.encodeWithSelector(QuoteExpired.selector, q.validUntil, block.timestamp));
        }
        refusal = _nonceRefusal($, provider, q.nonce);
        if (refusal.length != 0) return (quoteHash, refusal);
        if (q.payer != address(0) && q.payer != payer) {
            return (quoteHash, abi.encodeWithSelector(NotQuotePayer.selector, q.payer, payer));
        }
        if (!Signatures.isValid(provider, quoteHash, signature)) {
            return (quoteHash, _refusal(InvalidQuoteSignature.selector, uint160(provider)));
        }
        IParticipantRegistry r = $.registry;
        (bool providerAllowed, bool payerAllowed) = r.areAllowed(provider, payer);
        if (!providerAllowed) return (quoteHash, _refusal(ProviderNotAllowed.selector, uint160(provider)));
        if (!payerAllowed) return (quoteHash, _refusal(PayerNotAllowed.selector, uint160(payer)));
        if (!r.isAllowed(beneficiary)) return (quoteHash, _refusal(BeneficiaryNotAllowed.selector, uint160(beneficiary)));
        refusal = _legRefusal(q.buyToken, payer, q.buyAmount);
        if (refusal.length != 0) return (quoteHash, refusal);
        refusal = _legRefusal(q.sellToken, provider, q.sellAmount);
    }

    /// @dev Why `provider`'s `nonce` cannot be spent (used or cancelled), as the error to raise; empty when unused.
    function _nonceRefusal(FxQuotesStorage storage $, address provider, bytes32 nonce) private view returns (bytes memory) {
        NonceState state = $.nonces[provider][nonce];
        if (state == NonceState.Used) return abi.encodeWithSelector(QuoteUsed.selector, provider, nonce);
        if (state == NonceState.Cancelled) return abi.encodeWithSelector(QuoteCancelled.selector, provider, nonce);
        return "";
    }

    /// @dev Why `party` cannot pay `amount` of `token` through this contract (balance or allowance short),
    /// naming the leg; empty when it can.
    function _legRefusal(address token, address party, uint256 amount) private view returns (bytes memory) {
        uint256 balance = IERC20(token).balanceOf(party);
        uint256 allowance = IERC20(token).allowance(party, address(this));
        if (balance < amount || allowance < amount) {
            return abi.encodeWithSelector(LegNotFunded.selector, party, token, amount, balance, allowance);
        }
        return "";
    }

    /// @dev The ABI encoding of custom error `selector` with one static argument (an address) as a word.
    function _refusal(bytes4 selector, uint256 arg) private pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, arg);
    }

    /// @dev Reverts with `refusal`, an ABI-encoded custom error of this contract, when there is one.
    function _refuse(bytes memory refusal) private pure {
        // A refusal may carry block.timestamp as data (QuoteExpired); no decision compares a time here.
        // slither-disable-next-line timestamp
        if (refusal.length != 0) {
            // Re-raises the encoded error as is, so callers decode the same error as `whyNot` returns.
            // slither-disable-next-line assembly
            assembly ("memory-safe") {
                revert(add(refusal, 0x20), mload(refusal))
            }
        }
    }

    /// @dev Duties stay apart across the deployment: the registry consults every platform contract's roles.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        Duties.requireCompatible(_getFxQuotesStorage().registry, role, account);
        return super._grantRole(role, account);
    }

    /// @dev The EIP-712 domain name the parties sign for.
    function _domainName() internal pure override returns (string memory) {
        return "FxQuotes";
    }

    /// @dev Only UPGRADER_ROLE may upgrade; storage-layout compatibility is checked by the upgrades plugin.
    // The role check in the modifier is the whole rule.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
