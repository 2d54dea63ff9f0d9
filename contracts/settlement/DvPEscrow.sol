// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IDvPEscrow} from "../interfaces/IDvPEscrow.sol";

/**
 * @title DvPEscrow
 * @notice Atomic delivery versus payment between a listed security token and a listed cash token.
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
 */
contract DvPEscrow is
    IDvPEscrow,
    AccessControlDefaultAdminRulesUpgradeable,
    ReentrancyGuardUpgradeable,
    EIP712Upgradeable,
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

    /// @dev Terms and state of a trade; seller, deadline and state share one word.
    struct StoredTrade {
        address seller;
        uint64 deadline;
        TradeState state;
        address buyer;
        address asset;
        uint256 assetAmount;
        address cash;
        uint256 cashAmount;
        bytes32 ref;
    }

    /// @custom:storage-location erc7201:bankcash.storage.DvPEscrow
    struct DvPEscrowStorage {
        IParticipantRegistry registry;
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

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.DvPEscrow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant DVP_ESCROW_STORAGE = 0x7d3c988ff43b47dc7960742f0a4a9b127e31a84bb0a14a16aff330e05575d500;

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
        __EIP712_init("DvPEscrow", "1");
        __UUPSUpgradeable_init();
        _getDvPEscrowStorage().registry = registry_;
        // The deployer holds the upgrade duty until it hands it to the timelock (and renounces it).
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(UPGRADER_ROLE, admin);
    }

    /// @inheritdoc IDvPEscrow
    function proposeTrade(Trade calldata t) external nonReentrant returns (bytes32 tradeId) {
        if (msg.sender != t.seller && msg.sender != t.buyer) revert NotTradeParty(bytes32(0), msg.sender);
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        _validateTerms($, t);
        _requireRefOpen($, t.seller, t.buyer, t.ref);
        uint256 nonce = $.nonces[msg.sender];
        $.nonces[msg.sender] = nonce + 1;
        tradeId = keccak256(abi.encode(block.chainid, address(this), msg.sender, nonce, _structHash(t)));
        $.trades[tradeId] = StoredTrade({
            seller: t.seller,
            deadline: t.deadline,
            state: TradeState.Proposed,
            buyer: t.buyer,
            asset: t.asset,
            assetAmount: t.assetAmount,
            cash: t.cash,
            cashAmount: t.cashAmount,
            ref: t.ref
        });
        emit TradeProposed(tradeId, t.seller, t.buyer, t.ref, msg.sender, t);
    }

    /// @inheritdoc IDvPEscrow
    function fund(bytes32 tradeId) external nonReentrant {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        StoredTrade storage s = _openTrade($, tradeId);
        // slither-disable-next-line timestamp
        if (block.timestamp > s.deadline) revert DeadlinePassed(s.deadline, block.timestamp);
        (address token, uint256 amount, bool settles) = _takeLeg(s, tradeId);
        if (!$.listed[token]) revert TokenNotListed(token);
        bytes32 ref = s.ref;
        bytes32 refKey = _requireRefOpen($, s.seller, s.buyer, ref);
        emit LegFunded(tradeId, ref, msg.sender, token, amount);
        if (settles) {
            _settleLocked($, s, tradeId, refKey, token, amount);
        } else {
            $.locked[token] += amount;
            _deliver(IERC20(token), msg.sender, address(this), amount);
        }
    }

    /// @inheritdoc IDvPEscrow
    function cancel(bytes32 tradeId) external nonReentrant {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        StoredTrade storage s = _openTrade($, tradeId);
        if (msg.sender != s.seller && msg.sender != s.buyer) revert NotTradeParty(tradeId, msg.sender);
        TradeState state = s.state;
        s.state = TradeState.Cancelled;
        emit TradeCancelled(tradeId, s.ref, msg.sender);
        _refund($, s, tradeId, state);
    }

    /// @inheritdoc IDvPEscrow
    function expire(bytes32 tradeId) external nonReentrant {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        StoredTrade storage s = _openTrade($, tradeId);
        // slither-disable-next-line timestamp
        if (block.timestamp <= s.deadline) revert DeadlineNotPassed(s.deadline, block.timestamp);
        TradeState state = s.state;
        s.state = TradeState.Expired;
        emit TradeExpired(tradeId, s.ref, msg.sender);
        _refund($, s, tradeId, state);
    }

    /// @inheritdoc IDvPEscrow
    function settleSigned(Trade calldata t, bytes calldata sellerSig, bytes calldata buyerSig)
        external
        nonReentrant
        returns (bytes32 tradeHash)
    {
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        _validateTerms($, t);
        tradeHash = _hashTypedDataV4(_structHash(t));
        if ($.signedSettled[tradeHash]) revert SignedTradeAlreadySettled(tradeHash);
        if ($.withdrawn[tradeHash]) revert TermsWithdrawn(tradeHash);
        bytes32 refKey = _requireRefOpen($, t.seller, t.buyer, t.ref);
        if (!_isValidSignature(t.seller, tradeHash, sellerSig)) revert InvalidSignature(t.seller);
        if (!_isValidSignature(t.buyer, tradeHash, buyerSig)) revert InvalidSignature(t.buyer);
        $.signedSettled[tradeHash] = true;
        $.refSettled[refKey] = true;
        emit SignedTradeSettled(tradeHash, t.ref, msg.sender, t);
        _deliver(IERC20(t.asset), t.seller, t.buyer, t.assetAmount);
        _deliver(IERC20(t.cash), t.buyer, t.seller, t.cashAmount);
    }

    /// @inheritdoc IDvPEscrow
    function withdrawSignature(Trade calldata t) external {
        bytes32 tradeHash = _hashTypedDataV4(_structHash(t));
        if (msg.sender != t.seller && msg.sender != t.buyer) revert NotTradeParty(tradeHash, msg.sender);
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        if ($.signedSettled[tradeHash]) revert SignedTradeAlreadySettled(tradeHash);
        if ($.withdrawn[tradeHash]) revert TermsWithdrawn(tradeHash);
        $.withdrawn[tradeHash] = true;
        emit SignatureWithdrawn(tradeHash, t.ref, msg.sender);
    }

    /// @inheritdoc IDvPEscrow
    function closeByOrder(bytes32 tradeId, bytes32 legalRef) external nonReentrant onlyRole(COMPLIANCE_ROLE) {
        if (legalRef == bytes32(0)) revert LegalReferenceMissing();
        DvPEscrowStorage storage $ = _getDvPEscrowStorage();
        StoredTrade storage s = _openTrade($, tradeId);
        TradeState state = s.state;
        s.state = TradeState.ClosedByOrder;
        emit TradeClosedByOrder(tradeId, s.ref, legalRef, msg.sender);
        _refund($, s, tradeId, state);
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
    function getTrade(bytes32 tradeId) external view returns (Trade memory terms, TradeState state) {
        StoredTrade storage s = _getDvPEscrowStorage().trades[tradeId];
        terms = Trade({
            seller: s.seller,
            buyer: s.buyer,
            asset: s.asset,
            assetAmount: s.assetAmount,
            cash: s.cash,
            cashAmount: s.cashAmount,
            deadline: s.deadline,
            ref: s.ref
        });
        state = s.state;
    }

    /// @inheritdoc IDvPEscrow
    function hashTrade(Trade calldata t) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(t));
    }

    /// @inheritdoc IDvPEscrow
    function isSignedTradeSettled(bytes32 tradeHash) external view returns (bool) {
        return _getDvPEscrowStorage().signedSettled[tradeHash];
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
        return _getDvPEscrowStorage().refSettled[_refKey(seller, buyer, ref)];
    }

    /// @notice The registry the escrow asks about the parties.
    /// @return The registry.
    function registry() external view returns (IParticipantRegistry) {
        return _getDvPEscrowStorage().registry;
    }

    function _validateTerms(DvPEscrowStorage storage $, Trade calldata t) private view {
        if (!$.listed[t.asset]) revert TokenNotListed(t.asset);
        if (!$.listed[t.cash]) revert TokenNotListed(t.cash);
        if (t.assetAmount == 0 || t.cashAmount == 0) revert TradeAmountZero();
        if (t.seller == t.buyer) revert SameParty(t.seller);
        // slither-disable-next-line timestamp
        if (t.deadline < block.timestamp) revert DeadlinePassed(t.deadline, block.timestamp);
        (bool sellerAllowed, bool buyerAllowed) = $.registry.areAllowed(t.seller, t.buyer);
        if (!sellerAllowed) revert PartyNotAllowed(t.seller);
        if (!buyerAllowed) revert PartyNotAllowed(t.buyer);
    }

    function _openTrade(DvPEscrowStorage storage $, bytes32 tradeId) private view returns (StoredTrade storage s) {
        s = $.trades[tradeId];
        TradeState state = s.state;
        if (state == TradeState.None) revert UnknownTrade(tradeId);
        if (state != TradeState.Proposed && state != TradeState.SellerFunded && state != TradeState.BuyerFunded) {
            revert TradeNotOpen(tradeId, state);
        }
    }

    /// @dev Records the caller's leg: which token and amount, and whether it is the second leg (settles).
    function _takeLeg(StoredTrade storage s, bytes32 tradeId)
        private
        returns (address token, uint256 amount, bool settles)
    {
        TradeState state = s.state;
        if (msg.sender == s.seller) {
            if (state == TradeState.SellerFunded) revert LegAlreadyFunded(tradeId, msg.sender);
            (token, amount) = (s.asset, s.assetAmount);
            settles = state == TradeState.BuyerFunded;
            s.state = settles ? TradeState.Settled : TradeState.SellerFunded;
        } else if (msg.sender == s.buyer) {
            if (state == TradeState.BuyerFunded) revert LegAlreadyFunded(tradeId, msg.sender);
            (token, amount) = (s.cash, s.cashAmount);
            settles = state == TradeState.SellerFunded;
            s.state = settles ? TradeState.Settled : TradeState.BuyerFunded;
        } else {
            revert NotTradeParty(tradeId, msg.sender);
        }
    }

    /**
     * @dev The second leg: both tokens must be listed now, not only the caller's. The locked leg leaves the
     * escrow; the caller's leg goes straight from its owner to the counterparty, checked by balance delta.
     */
    function _settleLocked(
        DvPEscrowStorage storage $,
        StoredTrade storage s,
        bytes32 tradeId,
        bytes32 refKey,
        address token,
        uint256 amount
    ) private {
        (address seller, address buyer) = (s.seller, s.buyer);
        (address lockedToken, uint256 lockedAmount) = msg.sender == seller ? (s.cash, s.cashAmount) : (s.asset, s.assetAmount);
        if (!$.listed[lockedToken]) revert TokenNotListed(lockedToken);
        $.refSettled[refKey] = true;
        $.locked[lockedToken] -= lockedAmount;
        emit TradeSettled(tradeId, s.ref);
        (address payer, address payee) = msg.sender == seller ? (seller, buyer) : (buyer, seller);
        _deliver(IERC20(token), payer, payee, amount);
        IERC20(lockedToken).safeTransfer(payer, lockedAmount);
    }

    /// @dev The reference key of a trade: a reference settles once between the same seller and buyer.
    function _refKey(address seller, address buyer, bytes32 ref) private pure returns (bytes32) {
        return keccak256(abi.encode(seller, buyer, ref));
    }

    function _requireRefOpen(DvPEscrowStorage storage $, address seller, address buyer, bytes32 ref)
        private
        view
        returns (bytes32 refKey)
    {
        refKey = _refKey(seller, buyer, ref);
        if ($.refSettled[refKey]) revert TradeRefAlreadySettled(seller, buyer, ref);
    }

    function _refund(DvPEscrowStorage storage $, StoredTrade storage s, bytes32 tradeId, TradeState state) private {
        if (state == TradeState.SellerFunded) {
            _returnLeg($, tradeId, s.ref, s.seller, s.asset, s.assetAmount);
        } else if (state == TradeState.BuyerFunded) {
            _returnLeg($, tradeId, s.ref, s.buyer, s.cash, s.cashAmount);
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
    function _deliver(IERC20 token, address from, address to, uint256 amount) private {
        uint256 before = token.balanceOf(to);
        token.safeTransferFrom(from, to, amount);
        uint256 received = token.balanceOf(to) - before;
        if (received != amount) revert ShortDelivery(address(token), amount, received);
    }

    /**
     * @dev An EOA's ECDSA signature, or an ERC-1271 answer for a contract wallet (custodians). OpenZeppelin's
     * SignatureChecker is not used: in 5.4 it pulls in Bytes.sol, whose `mcopy` does not exist on berlin.
     */
    function _isValidSignature(address signer, bytes32 hash, bytes calldata signature) private view returns (bool) {
        if (signer.code.length > 0) {
            try IERC1271(signer).isValidSignature(hash, signature) returns (bytes4 magic) {
                return magic == IERC1271.isValidSignature.selector;
            } catch {
                return false;
            }
        }
        // The third value only details why recovery failed; any failure is refused the same way.
        // slither-disable-next-line unused-return
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && recovered == signer;
    }

    function _structHash(Trade calldata t) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                TRADE_TYPEHASH, t.seller, t.buyer, t.asset, t.assetAmount, t.cash, t.cashAmount, t.deadline, t.ref
            )
        );
    }

    /// @dev Only UPGRADER_ROLE may upgrade; storage-layout compatibility is checked by the upgrades plugin.
    // The role check in the modifier is the whole rule.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
