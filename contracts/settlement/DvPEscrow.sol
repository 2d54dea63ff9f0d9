// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Signatures} from "../utils/Signatures.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IDvPEscrow} from "../interfaces/IDvPEscrow.sol";
import {IPermissionedToken} from "../interfaces/IPermissionedToken.sol";
import {Duties} from "../access/Duties.sol";
import {FixedEIP712Domain} from "../utils/FixedEIP712Domain.sol";

/**
 * @title DvPEscrow
 * @notice Atomic settlement of two legs in two listed tokens: delivery versus payment (a security against a
 * deposit token) and payment versus payment (a deposit token against a deposit token of another currency).
 * @dev Upgradeable (UUPS, UPGRADER_ROLE), ERC-7201 storage, `nonReentrant` on every state change. The
 * escrow is onboarded in the registry as a participant so that the permissioned tokens may be locked in
 * it; every token movement it makes is still checked by the tokens' own rule. Tokens it pulls are
 * checked by balance delta, so a token that delivers less than asked is refused.
 *
 * The tokens mark the escrow as a custodian: no forced transfer or redemption takes from it, and it can
 * always give a leg back, even once it is suspended or frozen itself. When the owner of a leg cannot
 * receive at refund time (frozen, suspended, token paused), the leg stays here as a refund credited to
 * that owner alone; anyone can push it to the owner later with `claimRefund`. The balance of each token is
 * therefore locked legs + pending refunds (+ anything sent by mistake, which the admin can return).
 *
 * A trade reference settles once between the same seller and buyer, by either flow, and a party can
 * withdraw its signature on terms before they settle. UPGRADER_ROLE is its own admin (a timelock holds it).
 *
 * A proposed trade is stored as its state and the hash of its terms (the terms are in `TradeProposed` and
 * passed again by each later call), two words instead of seven. This storage layout is not the one of
 * escrows before it (which stored the terms, and a settled flag per signed digest): the upgrades plugin
 * refuses that upgrade, and such an escrow is replaced by a new one once its open trades are closed.
 *
 * Signed trades settle one by one (`settleSigned`) or as a netted batch (`settleSignedBatch`); both run
 * the same checks (`_acceptSigned`), which return the refusal as an encoded error instead of reverting so
 * that the batch can name the refused trade. A batch nets in memory and moves each net straight from a
 * party that owes to a party that is owed: the escrow holds nothing of it at any time.
 */
contract DvPEscrow is
    IDvPEscrow,
    AccessControlDefaultAdminRulesUpgradeable,
    ReentrancyGuardUpgradeable,
    FixedEIP712Domain,
    UUPSUpgradeable
{
    using SafeERC20 for IERC20;

    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @notice Closes a trade under a legal reference, returning its legs to their owners.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");

    /// @notice EIP-712 type of the terms both parties sign for `settleSigned`.
    // The type string is hashed at compile time; its length costs nothing at run time.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant TRADE_TYPEHASH = keccak256(
        "Trade(address seller,address buyer,address asset,uint256 assetAmount,address cash,uint256 cashAmount,uint64 deadline,bytes32 ref)"
    );

    /**
     * @dev A trade of the locking flow: its state and the EIP-712 struct hash of its terms. The terms are not
     * stored: they are in `TradeProposed`, and every later call on the trade passes them again, checked
     * against this hash.
     */
    struct StoredTrade {
        TradeState state;
        bytes32 terms;
    }

    /**
     * @dev Working memory of a batch: each party's net per token. Tokens and (token, party) entries are
     * numbered from 1 (index 0 of each array is unused, so 0 means none). `table` is an open-addressing hash
     * table whose slots hold a key in the low 224 bits and an index in the high 32 (0: empty); a token's key
     * is its address with TOKEN_KEY set, a party's key its address with its token's index above bit 160.
     * The entries of a token form a list (`heads`, `next`) so each token is walked alone.
     */
    struct Netting {
        uint256[] table;
        uint256 shift;
        address[] tokens;
        uint256[] gross;
        uint256[] heads;
        uint256 tokenCount;
        address[] parties;
        int256[] nets;
        uint256[] next;
        uint256 entryCount;
    }

    /**
     * @dev `settledRefs` holds, per reference key (seller, buyer, reference), what settled it: the digest of
     * the signed terms, or the id of the locking trade; zero while it is open. One word per settlement
     * answers both "has this reference settled" and "have these signed terms settled".
     * @custom:storage-location erc7201:bankcash.storage.DvPEscrow
     */
    struct DvPEscrowStorage {
        IParticipantRegistry registry;
        mapping(address token => bool) listed;
        mapping(bytes32 tradeId => StoredTrade) trades;
        mapping(address proposer => uint256) nonces;
        mapping(address token => uint256) locked;
        mapping(address party => mapping(address token => uint256)) refunds;
        mapping(address token => uint256) pendingRefunds;
        mapping(bytes32 tradeHash => bool) withdrawn;
        mapping(bytes32 refKey => bytes32 settledBy) settledRefs;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.DvPEscrow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant DVP_ESCROW_STORAGE = 0x7d3c988ff43b47dc7960742f0a4a9b127e31a84bb0a14a16aff330e05575d500;

    /// @dev Netting keys: the bit that marks a token's key, and the bits a key may use (the rest is the index).
    uint256 private constant TOKEN_KEY = 1 << 200;
    uint256 private constant KEY_BITS = (1 << 224) - 1;
    /// @dev Fibonacci hashing: the top bits of key * 2^256 / golden ratio pick the slot.
    uint256 private constant HASH_MULTIPLIER = 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95;

    function _getDvPEscrowStorage() private pure returns (DvPEscrowStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := DVP_ESCROW_STORAGE
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initializes the escrow behind its proxy.
     * @param registry_ The participant registry that decides who may trade.
     * @param admin The default admin (lists tokens, grants roles).
     * @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
     */
    function initialize(IParticipantRegistry registry_, address admin, uint48 adminDelay) external initializer {
        if (address(registry_).code.length == 0) revert InvalidRegistry(address(registry_));
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        __ReentrancyGuard_init();
        __FixedEIP712Domain_init();
        __UUPSUpgradeable_init();
        _getDvPEscrowStorage().registry = registry_;
        // The deployer holds the upgrade duty until it hands it to the timelock (and renounces it).
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(UPGRADER_ROLE, admin);
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function proposeTrade(Trade memory t) external nonReentrant returns (bytes32 tradeId) {
        _requireParty(t.seller, t.buyer, bytes32(0));
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        _refuse(_termsRefusal($, t));
        _requireRefOpen($, t.seller, t.buyer, t.ref);
        uint256 nonce = $.nonces[msg.sender];
        $.nonces[msg.sender] = nonce + 1;
        bytes32 terms = _structHash(t);
        tradeId = keccak256(abi.encode(block.chainid, address(this), msg.sender, nonce, terms));
        $.trades[tradeId] = StoredTrade({state: TradeState.Proposed, terms: terms});
        emit TradeProposed(tradeId, t.seller, t.buyer, t.ref, msg.sender, t);
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function fund(bytes32 tradeId, Trade memory t) external nonReentrant {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        StoredTrade storage s = _openTrade($, tradeId, t);
        // slither-disable-next-line timestamp
        if (block.timestamp > t.deadline) revert DeadlinePassed(t.deadline, block.timestamp);
        (bool sellerLeg, bool settles) = _takeLeg(s, t, tradeId);
        (, address token, uint256 amount) = _leg(t, sellerLeg);
        if (!$.listed[token]) revert TokenNotListed(token);
        bytes32 refKey = _requireRefOpen($, t.seller, t.buyer, t.ref);
        emit LegFunded(tradeId, t.ref, msg.sender, token, amount);
        if (settles) {
            _settleLocked($, t, tradeId, refKey, sellerLeg, token, amount);
        } else {
            $.locked[token] += amount;
            _deliver(IERC20(token), msg.sender, address(this), amount);
        }
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function cancel(bytes32 tradeId, Trade memory t) external nonReentrant {
        _close(tradeId, t, TradeState.Cancelled, bytes32(0));
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function expire(bytes32 tradeId, Trade memory t) external nonReentrant {
        _close(tradeId, t, TradeState.Expired, bytes32(0));
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function settleSigned(Trade memory t, bytes calldata sellerSig, bytes calldata buyerSig)
        external
        nonReentrant
        returns (bytes32 tradeHash)
    {
        bytes memory refusal;
        (tradeHash, refusal) = _acceptSigned(_getDvPEscrowStorage(), _domainSeparatorV4(), t, sellerSig, buyerSig);
        _refuse(refusal);
        _deliver(IERC20(t.asset), t.seller, t.buyer, t.assetAmount);
        _deliver(IERC20(t.cash), t.buyer, t.seller, t.cashAmount);
    }

    /// @inheritdoc IDvPEscrow
    function settleSignedBatch(SignedTrade[] calldata trades) external nonReentrant {
        uint256 count = trades.length;
        if (count == 0) revert EmptyBatch();
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        bytes32 domain = _domainSeparatorV4();
        Netting memory n = _newNetting(count);
        for (uint256 i; i < count; ++i) {
            uint256 tradeMemory = _freeMemoryPointer();
            SignedTrade calldata s = trades[i];
            Trade memory t = s.terms;
            // Marks the trade as it goes, so a second copy in the same batch is refused as already settled.
            (, bytes memory refusal) = _acceptSigned($, domain, t, s.sellerSig, s.buyerSig);
            // A refusal may carry block.timestamp as data (DeadlinePassed); no decision compares a time here.
            // slither-disable-next-line timestamp
            if (refusal.length != 0) revert TradeRefused(i, refusal);
            _net(n, t.asset, t.seller, t.buyer, t.assetAmount);
            _net(n, t.cash, t.buyer, t.seller, t.cashAmount);
            // Nothing a trade's checks wrote to memory is read after them: the next trade reuses that memory,
            // so the batch's memory (and its cost) grows with the netting arrays only.
            _setFreeMemoryPointer(tradeMemory);
        }
        emit SignedTradeBatchSettled(msg.sender, count, _totals(n));
        _settleNets(n);
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function withdrawSignature(Trade memory t) external {
        bytes32 tradeHash = _hashTypedDataV4(_structHash(t));
        _requireParty(t.seller, t.buyer, tradeHash);
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        _refuse(_digestRefusal($, tradeHash, $.settledRefs[_refKey(t.seller, t.buyer, t.ref)]));
        $.withdrawn[tradeHash] = true;
        emit SignatureWithdrawn(tradeHash, t.ref, msg.sender);
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function closeByOrder(bytes32 tradeId, Trade memory t, bytes32 legalRef)
        external
        nonReentrant
        onlyRole(COMPLIANCE_ROLE)
    {
        if (legalRef == bytes32(0)) revert LegalReferenceMissing();
        _close(tradeId, t, TradeState.ClosedByOrder, legalRef);
    }

    /// @inheritdoc IDvPEscrow
    function claimRefund(address party, address token) external nonReentrant {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        uint256 amount = $.refunds[party][token];
        if (amount == 0) revert NoRefundPending(party, token);
        $.refunds[party][token] = 0;
        $.pendingRefunds[token] -= amount;
        emit RefundClaimed(party, token, amount, msg.sender);
        IERC20(token).safeTransfer(party, amount);
    }

    /// @inheritdoc IDvPEscrow
    function returnExcess(address token, address to, uint256 amount) external nonReentrant onlyRole(DEFAULT_ADMIN_ROLE) {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        uint256 excess = IERC20(token).balanceOf(address(this)) - $.locked[token] - $.pendingRefunds[token];
        if (amount == 0 || amount > excess) revert ExcessExceeded(token, amount, excess);
        emit ExcessReturned(token, to, amount, msg.sender);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IDvPEscrow
    function listToken(address token, bool listed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token.code.length == 0) revert TokenNotListed(token);
        _getDvPEscrowStorage().listed[token] = listed;
        emit TokenListed(token, listed);
    }

    /// @inheritdoc IDvPEscrow
    function isListed(address token) external view returns (bool) {
        return _getDvPEscrowStorage().listed[token];
    }

    /// @inheritdoc IDvPEscrow
    function getTrade(bytes32 tradeId) external view returns (TradeState state, bytes32 termsHash) {
        StoredTrade storage s = _getDvPEscrowStorage().trades[tradeId];
        return (s.state, s.terms);
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function hashTerms(Trade memory t) external pure returns (bytes32) {
        return _structHash(t);
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function hashTrade(Trade memory t) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(t));
    }

    /// @inheritdoc IDvPEscrow
    // The terms are decoded to memory once, where every check reads them with less code than from calldata.
    // solhint-disable-next-line gas-calldata-parameters
    function isSignedTradeSettled(Trade memory t) external view returns (bool) {
        return _getDvPEscrowStorage().settledRefs[_refKey(t.seller, t.buyer, t.ref)] == _hashTypedDataV4(_structHash(t));
    }

    /// @inheritdoc IDvPEscrow
    function proposerNonce(address proposer) external view returns (uint256) {
        return _getDvPEscrowStorage().nonces[proposer];
    }

    /// @inheritdoc IDvPEscrow
    function lockedBalance(address token) external view returns (uint256) {
        return _getDvPEscrowStorage().locked[token];
    }

    /// @inheritdoc IDvPEscrow
    function pendingRefund(address party, address token) external view returns (uint256) {
        return _getDvPEscrowStorage().refunds[party][token];
    }

    /// @inheritdoc IDvPEscrow
    function pendingRefundTotal(address token) external view returns (uint256) {
        return _getDvPEscrowStorage().pendingRefunds[token];
    }

    /// @inheritdoc IDvPEscrow
    function isTermsWithdrawn(bytes32 tradeHash) external view returns (bool) {
        return _getDvPEscrowStorage().withdrawn[tradeHash];
    }

    /// @inheritdoc IDvPEscrow
    function isTradeRefSettled(address seller, address buyer, bytes32 ref) external view returns (bool) {
        return _getDvPEscrowStorage().settledRefs[_refKey(seller, buyer, ref)] != bytes32(0);
    }

    /// @notice The registry the escrow asks about the parties.
    /// @return The registry.
    function registry() external view returns (IParticipantRegistry) {
        return _getDvPEscrowStorage().registry;
    }

    /**
     * @dev Why terms cannot trade now (listed tokens, amounts, distinct parties, two different tokens,
     * deadline, registry), as the ABI-encoded error to raise; empty when they can. Every flow asks this one
     * function.
     */
    function _termsRefusal(DvPEscrowStorage storage $, Trade memory t) private view returns (bytes memory refusal) {
        if (!$.listed[t.asset]) return _refusal(TokenNotListed.selector, uint160(t.asset));
        if (!$.listed[t.cash]) return _refusal(TokenNotListed.selector, uint160(t.cash));
        if (t.assetAmount == 0 || t.cashAmount == 0) return abi.encodeWithSelector(TradeAmountZero.selector);
        if (t.seller == t.buyer) return _refusal(SameParty.selector, uint160(t.seller));
        if (t.asset == t.cash) return _refusal(SameToken.selector, uint160(t.asset));
        // slither-disable-next-line timestamp
        if (t.deadline < block.timestamp) return abi.encodeWithSelector(DeadlinePassed.selector, t.deadline, block.timestamp);
        // A batch asks about each trade's parties, as settling it alone would.
        // slither-disable-next-line calls-loop
        (bool sellerAllowed, bool buyerAllowed) = $.registry.areAllowed(t.seller, t.buyer);
        if (!sellerAllowed) return _refusal(PartyNotAllowed.selector, uint160(t.seller));
        if (!buyerAllowed) return _refusal(PartyNotAllowed.selector, uint160(t.buyer));
    }

    /**
     * @dev The checks of a signed trade, the same for `settleSigned` and each trade of a batch: terms, not
     * settled, not withdrawn, reference open, both signatures. When they pass, marks the reference settled by
     * the terms' digest and emits `SignedTradeSettled`; otherwise returns the error to raise and
     * changes nothing. The caller moves the tokens.
     */
    function _acceptSigned(
        DvPEscrowStorage storage $,
        bytes32 domain,
        Trade memory t,
        bytes calldata sellerSig,
        bytes calldata buyerSig
    ) private returns (bytes32 tradeHash, bytes memory refusal) {
        refusal = _termsRefusal($, t);
        // A refusal may carry block.timestamp as data (DeadlinePassed); no decision compares a time here.
        // slither-disable-next-line timestamp
        if (refusal.length != 0) return (tradeHash, refusal);
        tradeHash = MessageHashUtils.toTypedDataHash(domain, _structHash(t));
        bytes32 refKey = _refKey(t.seller, t.buyer, t.ref);
        bytes32 settledBy = $.settledRefs[refKey];
        refusal = _digestRefusal($, tradeHash, settledBy);
        if (refusal.length != 0) return (tradeHash, refusal);
        if (settledBy != bytes32(0)) return (tradeHash, _refSettledRefusal(t.seller, t.buyer, t.ref));
        if (!Signatures.isValid(t.seller, tradeHash, sellerSig)) {
            return (tradeHash, _refusal(InvalidSignature.selector, uint160(t.seller)));
        }
        if (!Signatures.isValid(t.buyer, tradeHash, buyerSig)) {
            return (tradeHash, _refusal(InvalidSignature.selector, uint160(t.buyer)));
        }
        $.settledRefs[refKey] = tradeHash;
        emit SignedTradeSettled(tradeHash, t.ref, msg.sender, t);
    }

    /// @dev Reverts with NotTradeParty(`id`, caller) unless the caller is `seller` or `buyer`.
    function _requireParty(address seller, address buyer, bytes32 id) private view {
        if (msg.sender != seller && msg.sender != buyer) revert NotTradeParty(id, msg.sender);
    }

    /**
     * @dev Why signed terms with digest `tradeHash` are closed (settled, or a party withdrew them); empty when
     * open. `settledBy` is what settled their reference, if anything: these terms when it is their digest.
     */
    function _digestRefusal(DvPEscrowStorage storage $, bytes32 tradeHash, bytes32 settledBy)
        private
        view
        returns (bytes memory)
    {
        if (settledBy == tradeHash) return _refusal(SignedTradeAlreadySettled.selector, uint256(tradeHash));
        if ($.withdrawn[tradeHash]) return _refusal(TermsWithdrawn.selector, uint256(tradeHash));
        return "";
    }

    /// @dev The free memory pointer: where the next memory allocation starts.
    function _freeMemoryPointer() private pure returns (uint256 pointer) {
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Releases the memory allocated since `_freeMemoryPointer` returned `pointer`; nothing in it may be read again.
    function _setFreeMemoryPointer(uint256 pointer) private pure {
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            mstore(0x40, pointer)
        }
    }

    /// @dev The ABI encoding of custom error `selector` with one static argument (an address, a hash) as a word.
    function _refusal(bytes4 selector, uint256 arg) private pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, arg);
    }

    /// @dev Reverts with `refusal`, an ABI-encoded custom error of this contract, when there is one.
    function _refuse(bytes memory refusal) private pure {
        // A refusal may carry block.timestamp as data (DeadlinePassed); no decision compares a time here.
        // slither-disable-next-line timestamp
        if (refusal.length != 0) {
            // Re-raises the encoded error as is, so callers decode the same error whichever path found it.
            // slither-disable-next-line assembly
            assembly ("memory-safe") {
                revert(add(refusal, 0x20), mload(refusal))
            }
        }
    }

    /// @dev An open trade of the locking flow whose terms are `t` (the terms it was proposed with).
    function _openTrade(DvPEscrowStorage storage $, bytes32 tradeId, Trade memory t)
        private
        view
        returns (StoredTrade storage s)
    {
        s = $.trades[tradeId];
        TradeState state = s.state;
        if (state == TradeState.None) revert UnknownTrade(tradeId);
        if (state != TradeState.Proposed && state != TradeState.SellerFunded && state != TradeState.BuyerFunded) {
            revert TradeNotOpen(tradeId, state);
        }
        bytes32 terms = _structHash(t);
        if (terms != s.terms) revert TradeTermsMismatch(tradeId, terms);
    }

    /**
     * @dev Records the caller's leg: whether it is the seller's (else the buyer's) and whether it is the second
     * leg (settles). The caller must be a party whose leg is not locked yet.
     */
    function _takeLeg(StoredTrade storage s, Trade memory t, bytes32 tradeId) private returns (bool sellerLeg, bool settles) {
        sellerLeg = msg.sender == t.seller;
        if (!sellerLeg && msg.sender != t.buyer) revert NotTradeParty(tradeId, msg.sender);
        TradeState funded = sellerLeg ? TradeState.SellerFunded : TradeState.BuyerFunded;
        TradeState state = s.state;
        if (state == funded) revert LegAlreadyFunded(tradeId, msg.sender);
        // The trade is open and the caller's leg is not locked: the other leg is locked unless it is Proposed.
        settles = state != TradeState.Proposed;
        s.state = settles ? TradeState.Settled : funded;
    }

    /// @dev The seller's leg of a trade (the seller, the asset, its amount) or the buyer's (the buyer, the cash, its amount).
    function _leg(Trade memory t, bool sellerLeg) private pure returns (address party, address token, uint256 amount) {
        return sellerLeg ? (t.seller, t.asset, t.assetAmount) : (t.buyer, t.cash, t.cashAmount);
    }

    /**
     * @dev The second leg (the seller's when `sellerLeg`): both tokens must be listed now, not only the
     * caller's. The locked leg leaves the escrow to the caller; the caller's leg goes straight from the caller
     * to the counterparty, checked by balance delta.
     */
    function _settleLocked(
        DvPEscrowStorage storage $,
        Trade memory t,
        bytes32 tradeId,
        bytes32 refKey,
        bool sellerLeg,
        address token,
        uint256 amount
    ) private {
        (address counterparty, address lockedToken, uint256 lockedAmount) = _leg(t, !sellerLeg);
        if (!$.listed[lockedToken]) revert TokenNotListed(lockedToken);
        $.settledRefs[refKey] = tradeId;
        $.locked[lockedToken] -= lockedAmount;
        emit TradeSettled(tradeId, t.ref);
        _deliver(IERC20(token), msg.sender, counterparty, amount);
        IERC20(lockedToken).safeTransfer(msg.sender, lockedAmount);
    }

    /// @dev The reference key of a trade: a reference settles once between the same seller and buyer.
    function _refKey(address seller, address buyer, bytes32 ref) private pure returns (bytes32) {
        return keccak256(abi.encode(seller, buyer, ref));
    }

    /// @dev The error of a trade whose reference has settled already (by either flow).
    function _refSettledRefusal(address seller, address buyer, bytes32 ref) private pure returns (bytes memory) {
        return abi.encodeWithSelector(TradeRefAlreadySettled.selector, seller, buyer, ref);
    }

    /// @dev The reference key of a trade whose reference is still open; reverts when it has settled.
    function _requireRefOpen(DvPEscrowStorage storage $, address seller, address buyer, bytes32 ref)
        private
        view
        returns (bytes32 refKey)
    {
        refKey = _refKey(seller, buyer, ref);
        if ($.settledRefs[refKey] != bytes32(0)) _refuse(_refSettledRefusal(seller, buyer, ref));
    }

    /**
     * @dev Closes an open trade as `closing` (Cancelled by a party, Expired once past its deadline, or
     * ClosedByOrder under `legalRef`), emits the matching event and gives back the leg locked, if any.
     */
    function _close(bytes32 tradeId, Trade memory t, TradeState closing, bytes32 legalRef) private {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        StoredTrade storage s = _openTrade($, tradeId, t);
        TradeState state = s.state;
        bytes32 ref = t.ref;
        if (closing == TradeState.Cancelled) {
            _requireParty(t.seller, t.buyer, tradeId);
            emit TradeCancelled(tradeId, ref, msg.sender);
        } else if (closing == TradeState.Expired) {
            // slither-disable-next-line timestamp
            if (block.timestamp <= t.deadline) revert DeadlineNotPassed(t.deadline, block.timestamp);
            emit TradeExpired(tradeId, ref, msg.sender);
        } else {
            emit TradeClosedByOrder(tradeId, ref, legalRef, msg.sender);
        }
        s.state = closing;
        if (state != TradeState.Proposed) {
            // An open trade that is not Proposed has exactly one leg locked.
            (address party, address token, uint256 amount) = _leg(t, state == TradeState.SellerFunded);
            _returnLeg($, tradeId, ref, party, token, amount);
        }
    }

    /**
     * @dev Gives a leg back to its owner. If the token refuses (the owner is frozen or suspended, the token
     * is paused), the leg stays here credited to that owner alone, so closing a trade never depends on the
     * owner's standing and the leg is never lost nor handed to anyone else. Callers are `nonReentrant`;
     * what is written after the call depends on whether the token accepted the refund.
     */
    // slither-disable-start reentrancy-benign,reentrancy-events
    function _returnLeg(
        DvPEscrowStorage storage $,
        bytes32 tradeId,
        bytes32 ref,
        address party,
        address token,
        uint256 amount
    ) private {
        $.locked[token] -= amount;
        if (IERC20(token).trySafeTransfer(party, amount)) {
            emit LegRefunded(tradeId, ref, party, token, amount);
        } else {
            $.refunds[party][token] += amount;
            $.pendingRefunds[token] += amount;
            emit RefundPending(tradeId, ref, party, token, amount);
        }
    }
    // slither-disable-end reentrancy-benign,reentrancy-events

    /// @dev Moves `amount` from `from` to `to` with the escrow's allowance and checks `to` received it all.
    /// A batch calls it once per net movement, in a loop: a failure reverts the whole batch (all or nothing).
    function _deliver(IERC20 token, address from, address to, uint256 amount) private {
        // slither-disable-next-line calls-loop
        uint256 before = token.balanceOf(to);
        token.safeTransferFrom(from, to, amount);
        // slither-disable-next-line calls-loop
        uint256 received = token.balanceOf(to) - before;
        if (received != amount) revert ShortDelivery(address(token), amount, received);
    }

    /// @dev Netting memory sized for `count` trades: at most 2 tokens and 4 (token, party) entries each, in a
    /// table of at least 8 slots per trade (never more than three quarters full).
    function _newNetting(uint256 count) private pure returns (Netting memory n) {
        uint256 bits = 3;
        while ((1 << bits) < count * 8) ++bits;
        n.table = _zeroed(1 << bits);
        n.shift = 256 - bits;
        n.tokens = new address[](2 * count + 1);
        n.gross = _zeroed(2 * count + 1);
        n.heads = _zeroed(2 * count + 1);
        n.parties = new address[](4 * count + 1);
        n.nets = new int256[](4 * count + 1);
        n.next = _zeroed(4 * count + 1);
    }

    /// @dev A zeroed memory array of `length` words.
    function _zeroed(uint256 length) private pure returns (uint256[] memory) {
        return new uint256[](length);
    }

    /// @dev The slot of `key` in the table, and the index stored with it (0 when the key is new: the slot is
    /// then the empty one where it goes).
    function _find(Netting memory n, uint256 key) private pure returns (uint256 slot, uint256 found) {
        uint256 mask = n.table.length - 1;
        unchecked {
            slot = (key * HASH_MULTIPLIER) >> n.shift;
        }
        while (true) {
            uint256 value = n.table[slot];
            if (value == 0) return (slot, 0);
            if (value & KEY_BITS == key) return (slot, value >> 224);
            slot = (slot + 1) & mask;
        }
    }

    /// @dev Records that `payer` owes `payee` `amount` of `token` in the batch: gross grows by the amount,
    /// the payer's net falls by it and the payee's rises.
    function _net(Netting memory n, address token, address payer, address payee, uint256 amount) private pure {
        uint256 key = uint256(uint160(token)) | TOKEN_KEY;
        (uint256 slot, uint256 t) = _find(n, key);
        if (t == 0) {
            t = ++n.tokenCount;
            n.tokens[t] = token;
            n.table[slot] = key | (t << 224);
        }
        n.gross[t] += amount;
        int256 signed = SafeCast.toInt256(amount);
        n.nets[_entry(n, t, payer)] -= signed;
        n.nets[_entry(n, t, payee)] += signed;
    }

    /// @dev The entry of `party` in token `t`, added to the token's list when new.
    function _entry(Netting memory n, uint256 t, address party) private pure returns (uint256 e) {
        uint256 key = uint256(uint160(party)) | (t << 160);
        uint256 slot;
        (slot, e) = _find(n, key);
        if (e != 0) return e;
        e = ++n.entryCount;
        n.parties[e] = party;
        n.next[e] = n.heads[t];
        n.heads[t] = e;
        n.table[slot] = key | (e << 224);
    }

    /**
     * @dev Per token, gross and net (the sum of positive nets). A party whose net in a token is zero moves
     * nothing there, so the token's rule would never see it: the batch asks the token whether that party
     * is frozen, and whether the token is paused when nothing in it moves, as a settlement one trade at a
     * time would have been refused (with the token's own error). A plain ERC-20 has neither question.
     */
    function _totals(Netting memory n) private view returns (TokenTotals[] memory totals) {
        uint256 tokenCount = n.tokenCount;
        totals = new TokenTotals[](tokenCount);
        for (uint256 t = 1; t <= tokenCount; ++t) {
            address token = n.tokens[t];
            uint256 moved = 0;
            for (uint256 e = n.heads[t]; e != 0; e = n.next[e]) {
                int256 net = n.nets[e];
                if (net > 0) moved += uint256(net);
                else if (net == 0 && _tokenSays(token, IPermissionedToken.isFrozen.selector, n.parties[e], 0x24)) {
                    revert IPermissionedToken.WalletFrozen(n.parties[e]);
                }
            }
            if (moved == 0 && _tokenSays(token, IPermissionedToken.paused.selector, address(0), 4)) {
                revert IPermissionedToken.TokenPaused();
            }
            totals[t - 1] = TokenTotals({token: token, gross: n.gross[t], net: moved});
        }
    }

    /**
     * @dev A listed token's yes/no answer to a compliance question (`isFrozen(party)`, `paused()`); false when
     * the token has no such function (a plain ERC-20 answers with a revert and no data). A question that
     * failed for want of gas is refused instead (EIP-150 leaves the caller 1/64 of the gas it forwarded),
     * so that no submitter can starve it into a "no". The question is `selector`, followed by `party` when
     * `size` is 0x24 (4 for none); an answer other than a 32-byte boolean is a "no", a 32-byte word that is
     * not a boolean reverts, as `abi.decode` would.
     */
    function _tokenSays(address token, bytes4 selector, address party, uint256 size) private view returns (bool) {
        uint256 gasBefore = gasleft();
        bool answered;
        uint256 answer;
        // A view call per zero net or idle token, only in a batch; the function may be missing, hence no interface
        // call. The question and the answer fit in the scratch space.
        // slither-disable-next-line assembly,calls-loop
        assembly ("memory-safe") {
            mstore(0, selector)
            mstore(4, party)
            let ok := staticcall(gas(), token, 0, size, 0, 0x20)
            answered := and(ok, eq(returndatasize(), 0x20))
            answer := mload(0)
            if and(answered, gt(answer, 1)) {
                revert(0, 0)
            }
        }
        if (answered) return answer == 1;
        if (gasleft() <= gasBefore / 64) revert TokenQueryOutOfGas(token);
        return false;
    }

    /**
     * @dev Moves the nets: per token, pairs the first party that still owes with the first that is still
     * owed and moves the smaller of the two remainders from one to the other (taking it off both nets),
     * until nobody owes; then nobody is owed either (a token's nets sum to zero). Each party pays at most its
     * net and the escrow's balance never changes.
     */
    function _settleNets(Netting memory n) private {
        uint256 tokenCount = n.tokenCount;
        for (uint256 t = 1; t <= tokenCount; ++t) {
            IERC20 token = IERC20(n.tokens[t]);
            uint256 payer = n.heads[t];
            uint256 payee = payer;
            while ((payer = _nextNet(n, payer, true)) != 0) {
                payee = _nextNet(n, payee, false);
                int256 owed = -n.nets[payer];
                int256 due = n.nets[payee];
                int256 amount = owed < due ? owed : due;
                n.nets[payer] += amount;
                n.nets[payee] -= amount;
                _deliver(token, n.parties[payer], n.parties[payee], uint256(amount));
            }
        }
    }

    /// @dev From entry `e` on in its token's list, the first that owes (`owing`) or is owed; 0 if none.
    function _nextNet(Netting memory n, uint256 e, bool owing) private pure returns (uint256) {
        while (e != 0) {
            int256 net = n.nets[e];
            if (owing ? net < 0 : net > 0) return e;
            e = n.next[e];
        }
        return 0;
    }

    function _structHash(Trade memory t) private pure returns (bytes32) {
        return keccak256(abi.encode(TRADE_TYPEHASH, t));
    }

    /// @dev Duties stay apart across the deployment: the registry refuses COMPLIANCE_ROLE to an issuer.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        Duties.requireCompatible(_getDvPEscrowStorage().registry, role, account);
        return super._grantRole(role, account);
    }

    /// @dev The EIP-712 domain name the parties sign for.
    function _domainName() internal pure override returns (string memory) {
        return "DvPEscrow";
    }

    /// @dev Only UPGRADER_ROLE may upgrade; storage-layout compatibility is checked by the upgrades plugin.
    // The role check in the modifier is the whole rule.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
