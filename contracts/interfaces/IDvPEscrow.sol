// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IDvPEscrow
 * @notice Delivery versus payment: a tokenized security moves from seller to buyer and cash (the deposit
 * token) from buyer to seller in one atomic step, or nothing moves. Payment versus payment is the same
 * trade with a deposit token of another currency as the asset leg (for example EUR against USD): both
 * legs are cash, each under its own token's rules, and the two tokens must differ.
 * @dev Two flows. Locking: a party proposes, each party locks its own leg, and the call that locks the
 * second leg settles both. The escrow keeps only a hash of a proposed trade's terms: every later call on the
 * trade (fund, cancel, expire, closeByOrder) passes the terms again, as `TradeProposed` gave them, and is
 * refused with `TradeTermsMismatch` if they differ in anything. Signed: both parties sign the terms as EIP-712 typed data and anyone submits
 * both signatures; the escrow moves both legs with the parties' allowances in one transaction. Signed
 * trades also settle as a netted batch: each party delivers or receives only its net per token.
 *
 * Custody: the escrow's balance of each token is always the sum of its locked legs plus the refunds
 * waiting for owners who could not receive at refund time (plus anything sent to it by mistake, which
 * only the admin can return). A refund never goes to anyone but the leg's owner.
 */
interface IDvPEscrow {
    /// @notice The terms of a trade.
    /// @param seller Delivers `assetAmount` of `asset`, receives `cashAmount` of `cash`.
    /// @param buyer Pays `cashAmount` of `cash`, receives `assetAmount` of `asset`.
    /// @param asset The security token, or for payment versus payment the deposit token the seller pays (listed).
    /// @param assetAmount Units of the asset in its smallest unit (non-zero).
    /// @param cash The cash token (listed).
    /// @param cashAmount Cash in its smallest unit (non-zero).
    /// @param deadline Last second (unix time) at which the trade may be funded or settled.
    /// @param ref The trade reference (for example the hashed trade ticket), carried in every event.
    // Field order is the signed EIP-712 type and the wallets' API; storage packs it differently.
    // solhint-disable-next-line gas-struct-packing
    struct Trade {
        address seller;
        address buyer;
        address asset;
        uint256 assetAmount;
        address cash;
        uint256 cashAmount;
        uint64 deadline;
        bytes32 ref;
    }

    /// @notice Terms of the signed flow with both parties' signatures, as `settleSignedBatch` takes them.
    /// @param terms The terms both parties signed.
    /// @param sellerSig The seller's EIP-712 signature (or ERC-1271 for a contract wallet).
    /// @param buyerSig The buyer's EIP-712 signature (or ERC-1271 for a contract wallet).
    struct SignedTrade {
        Trade terms;
        bytes sellerSig;
        bytes buyerSig;
    }

    /// @notice What a netted batch moved in one token.
    /// @param token The token.
    /// @param gross The sum of the token's amounts over the batch's trades: what settling them one by one
    /// would have moved.
    /// @param net What moved: the sum of the parties' net receipts (equal to the sum of their net payments).
    struct TokenTotals {
        address token;
        uint256 gross;
        uint256 net;
    }

    /// @notice Where a trade of the locking flow stands. Settled, Cancelled, Expired and ClosedByOrder are
    /// final.
    enum TradeState {
        None,
        Proposed,
        SellerFunded,
        BuyerFunded,
        Settled,
        Cancelled,
        Expired,
        ClosedByOrder
    }

    /// @notice A trade was proposed. Its terms are here, not in the escrow's storage: the later calls on the
    /// trade pass them again.
    /// @param tradeId The trade's id, derived from its terms, the proposer and the proposer's nonce.
    /// @param seller The seller.
    /// @param buyer The buyer.
    /// @param ref The trade reference.
    /// @param proposer The party who proposed it.
    /// @param terms The terms.
    event TradeProposed(
        bytes32 indexed tradeId, address indexed seller, address indexed buyer, bytes32 ref, address proposer, Trade terms
    );

    /// @notice A party locked its leg in the escrow.
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    /// @param party The seller (asset leg) or the buyer (cash leg).
    /// @param token The token locked.
    /// @param amount The amount locked.
    event LegFunded(bytes32 indexed tradeId, bytes32 indexed ref, address indexed party, address token, uint256 amount);

    /// @notice Both legs moved: asset to the buyer, cash to the seller.
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    event TradeSettled(bytes32 indexed tradeId, bytes32 indexed ref);

    /// @notice A party cancelled the trade before settlement; locked legs went back.
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    /// @param by The party who cancelled.
    event TradeCancelled(bytes32 indexed tradeId, bytes32 indexed ref, address indexed by);

    /// @notice The deadline passed before settlement; locked legs went back.
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    /// @param by Whoever closed it.
    event TradeExpired(bytes32 indexed tradeId, bytes32 indexed ref, address indexed by);

    /// @notice A locked leg went back to its owner (on cancel or expiry).
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    /// @param party The owner of the leg.
    /// @param token The token returned.
    /// @param amount The amount returned.
    event LegRefunded(bytes32 indexed tradeId, bytes32 indexed ref, address indexed party, address token, uint256 amount);

    /// @notice A leg could not go back to its owner (frozen, suspended, or the token paused): it stays in the
    /// escrow as a refund only that owner can receive, with `claimRefund`.
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    /// @param party The owner of the leg.
    /// @param token The token.
    /// @param amount The amount now waiting for the owner.
    event RefundPending(bytes32 indexed tradeId, bytes32 indexed ref, address indexed party, address token, uint256 amount);

    /// @notice Refunds waiting for their owner were paid out to it.
    /// @param party The owner, who received them.
    /// @param token The token.
    /// @param amount The amount paid.
    /// @param by Who submitted the claim (anyone may; the tokens only go to the owner).
    event RefundClaimed(address indexed party, address indexed token, uint256 amount, address by);

    /// @notice Compliance closed an open trade under a legal reference (a court order on it); every locked
    /// leg went back to its owner (or waits for it as a pending refund).
    /// @param tradeId The trade.
    /// @param ref The trade reference.
    /// @param legalRef The legal basis.
    /// @param operator The compliance officer who executed it.
    event TradeClosedByOrder(bytes32 indexed tradeId, bytes32 indexed ref, bytes32 indexed legalRef, address operator);

    /// @notice A party withdrew its signature on terms of the signed flow: those terms can no longer settle.
    /// @param tradeHash The EIP-712 digest of the terms.
    /// @param ref The trade reference.
    /// @param party The party who withdrew.
    event SignatureWithdrawn(bytes32 indexed tradeHash, bytes32 indexed ref, address indexed party);

    /// @notice The admin returned tokens sent to the escrow by mistake (never locked legs or pending refunds).
    /// @param token The token.
    /// @param to Who received them.
    /// @param amount The amount returned.
    /// @param operator The admin who returned them.
    event ExcessReturned(address indexed token, address indexed to, uint256 amount, address operator);

    /// @notice A trade signed by both parties settled in one transaction.
    /// @param tradeHash The EIP-712 digest both parties signed.
    /// @param ref The trade reference.
    /// @param submitter Who submitted the signatures (the settlement agent).
    /// @param terms The terms.
    event SignedTradeSettled(bytes32 indexed tradeHash, bytes32 indexed ref, address indexed submitter, Trade terms);

    /// @notice A batch of signed trades settled by net movements; each of its trades also emitted
    /// `SignedTradeSettled`.
    /// @param submitter Who submitted the batch.
    /// @param trades How many trades settled.
    /// @param totals Per token, what settling the trades one by one would have moved (gross) and what moved
    /// (net), in the order the batch first named each token.
    event SignedTradeBatchSettled(address indexed submitter, uint256 trades, TokenTotals[] totals);

    /// @notice The bank listed or delisted a token for settlement.
    /// @param token The token.
    /// @param listed Whether trades may now use it.
    event TokenListed(address indexed token, bool listed);

    /// @notice The token is not listed for settlement.
    error TokenNotListed(address token);
    /// @notice An amount of the trade is zero.
    error TradeAmountZero();
    /// @notice Seller and buyer are the same wallet.
    error SameParty(address party);
    /// @notice Both legs are the same token: a trade exchanges two different tokens.
    error SameToken(address token);
    /// @notice The deadline has passed.
    error DeadlinePassed(uint64 deadline, uint256 currentTime);
    /// @notice The deadline has not passed yet.
    error DeadlineNotPassed(uint64 deadline, uint256 currentTime);
    /// @notice The registry does not allow this party.
    error PartyNotAllowed(address party);
    /// @notice The caller is neither the seller nor the buyer of the trade.
    error NotTradeParty(bytes32 tradeId, address caller);
    /// @notice No trade has this id.
    error UnknownTrade(bytes32 tradeId);
    /// @notice The trade is settled, cancelled or expired.
    error TradeNotOpen(bytes32 tradeId, TradeState state);
    /// @notice The terms passed for a trade are not the terms it was proposed with.
    /// @param tradeId The trade.
    /// @param termsHash The EIP-712 struct hash of the terms passed (`hashTerms`).
    error TradeTermsMismatch(bytes32 tradeId, bytes32 termsHash);
    /// @notice The caller's leg is already locked.
    error LegAlreadyFunded(bytes32 tradeId, address party);
    /// @notice A token delivered less than the amount asked.
    error ShortDelivery(address token, uint256 expected, uint256 received);
    /// @notice A signature is not the given party's signature of these terms.
    error InvalidSignature(address party);
    /// @notice These signed terms have already settled.
    error SignedTradeAlreadySettled(bytes32 tradeHash);
    /// @notice The address is not a usable registry.
    error InvalidRegistry(address registry);
    /// @notice A trade with this seller, buyer and reference has already settled (by either flow).
    error TradeRefAlreadySettled(address seller, address buyer, bytes32 ref);
    /// @notice A party withdrew its signature on these terms.
    error TermsWithdrawn(bytes32 tradeHash);
    /// @notice No refund waits for this owner in this token.
    error NoRefundPending(address party, address token);
    /// @notice A legal reference is required and was zero.
    error LegalReferenceMissing();
    /// @notice The amount is zero or more than the escrow holds beyond locked legs and pending refunds.
    error ExcessExceeded(address token, uint256 amount, uint256 excess);
    /// @notice A batch with no trades.
    error EmptyBatch();
    /// @notice A token's answer on a freeze or pause could not be read for want of gas: submit with more gas.
    error TokenQueryOutOfGas(address token);
    /// @notice Trade `index` of a batch (counted from 0) would be refused by `settleSigned`: `reason` is the
    /// ABI-encoded error it would raise there (for example `InvalidSignature(party)`). Nothing settled.
    error TradeRefused(uint256 index, bytes reason);

    /// @notice Proposes a trade; the caller must be its seller or buyer.
    /// @param t The terms: listed tokens, non-zero amounts, distinct allowed parties, a future deadline.
    /// @return tradeId The trade's id.
    function proposeTrade(Trade calldata t) external returns (bytes32 tradeId);

    /// @notice Locks the caller's leg (pulled with transferFrom; approve the escrow first). Locking the
    /// second leg settles both in the same transaction, or reverts and leaves the first leg locked.
    /// @param tradeId The trade.
    /// @param t The trade's terms, as proposed.
    function fund(bytes32 tradeId, Trade calldata t) external;

    /// @notice Cancels an open trade; every locked leg goes back (or waits for its owner as a pending refund
    /// when the owner cannot receive now). Seller or buyer only; works whatever the listing or the escrow's
    /// own standing in the registry.
    /// @param tradeId The trade.
    /// @param t The trade's terms, as proposed.
    function cancel(bytes32 tradeId, Trade calldata t) external;

    /// @notice Closes an open trade after its deadline; every locked leg goes back (or waits for its owner as
    /// a pending refund). Anyone.
    /// @param tradeId The trade.
    /// @param t The trade's terms, as proposed.
    function expire(bytes32 tradeId, Trade calldata t) external;

    /// @notice Withdraws the caller's signature on terms of the signed flow before they settle: those terms
    /// can no longer settle, whoever holds both signatures. Seller or buyer only.
    /// @param t The terms.
    function withdrawSignature(Trade calldata t) external;

    /// @notice Closes an open trade under a legal reference (a court order on it) and returns every locked
    /// leg to its owner; the leg never goes to anyone else. COMPLIANCE_ROLE.
    /// @param tradeId The trade.
    /// @param t The trade's terms, as proposed.
    /// @param legalRef The legal basis (non-zero).
    function closeByOrder(bytes32 tradeId, Trade calldata t, bytes32 legalRef) external;

    /// @notice Pays the refunds waiting for `party` in `token` to `party`, once it can receive. Anyone may
    /// submit it; the tokens only go to the owner.
    /// @param party The owner.
    /// @param token The token.
    function claimRefund(address party, address token) external;

    /// @notice Returns tokens sent to the escrow by mistake: at most its balance beyond locked legs and
    /// pending refunds. DEFAULT_ADMIN_ROLE.
    /// @param token The token.
    /// @param to Who receives them (the token's rules apply).
    /// @param amount The amount (non-zero, at most the excess).
    function returnExcess(address token, address to, uint256 amount) external;

    /// @notice Settles a trade signed by both parties, moving both legs with their allowances.
    /// @param t The terms both parties signed.
    /// @param sellerSig The seller's EIP-712 signature (or ERC-1271 for a contract wallet).
    /// @param buyerSig The buyer's EIP-712 signature (or ERC-1271 for a contract wallet).
    /// @return tradeHash The EIP-712 digest of the terms, now spent.
    function settleSigned(Trade calldata t, bytes calldata sellerSig, bytes calldata buyerSig)
        external
        returns (bytes32 tradeHash);

    /// @notice Settles signed trades in one transaction, all or nothing, moving per token only each party's
    /// net: a party needs an allowance for what it owes net, not for its gross deliveries. Anyone may
    /// submit. Each trade is checked as `settleSigned` checks it and settles once, by either path.
    /// @dev A trade that fails a check reverts the batch with `TradeRefused(index, reason)`. A token's own
    /// refusal of a net movement (allowance, balance, frozen or not allowed wallet, pause) or `ShortDelivery`
    /// names no trade, since a net movement belongs to none; a party frozen in a token it trades is refused
    /// (`WalletFrozen`) even when its net there is zero, and a token paused when nothing in it moves
    /// (`TokenPaused`).
    /// @param trades The signed trades (not empty).
    function settleSignedBatch(SignedTrade[] calldata trades) external;

    /// @notice Lists or delists a token for settlement. DEFAULT_ADMIN_ROLE.
    /// @param token The token.
    /// @param listed Whether trades may use it.
    function listToken(address token, bool listed) external;

    /// @notice Whether a token is listed.
    /// @param token The token.
    /// @return True when listed.
    function isListed(address token) external view returns (bool);

    /// @notice A trade's state and the hash of its terms (the terms themselves are in `TradeProposed`).
    /// @param tradeId The trade.
    /// @return state Its state (None when unknown).
    /// @return termsHash The EIP-712 struct hash of its terms (`hashTerms`; zero when unknown).
    function getTrade(bytes32 tradeId) external view returns (TradeState state, bytes32 termsHash);

    /// @notice The EIP-712 struct hash of terms: what the escrow keeps of a proposed trade.
    /// @param t The terms.
    /// @return The struct hash.
    function hashTerms(Trade calldata t) external pure returns (bytes32);

    /// @notice The EIP-712 digest the parties sign for these terms.
    /// @param t The terms.
    /// @return The digest.
    function hashTrade(Trade calldata t) external view returns (bytes32);

    /// @notice Whether signed terms have settled (these terms, not only their reference).
    /// @param t The terms.
    /// @return True when settled.
    function isSignedTradeSettled(Trade calldata t) external view returns (bool);

    /// @notice The next nonce of a proposer (part of the next trade id it proposes).
    /// @param proposer The proposer.
    /// @return The nonce.
    function proposerNonce(address proposer) external view returns (uint256);

    /// @notice How much of a token the escrow holds locked for open trades.
    /// @param token The token.
    /// @return The amount.
    function lockedBalance(address token) external view returns (uint256);

    /// @notice The refund waiting for an owner in a token.
    /// @param party The owner.
    /// @param token The token.
    /// @return The amount.
    function pendingRefund(address party, address token) external view returns (uint256);

    /// @notice All refunds waiting in a token.
    /// @param token The token.
    /// @return The amount.
    function pendingRefundTotal(address token) external view returns (uint256);

    /// @notice Whether a party withdrew its signature on these terms.
    /// @param tradeHash The digest from `hashTrade`.
    /// @return True when withdrawn.
    function isTermsWithdrawn(bytes32 tradeHash) external view returns (bool);

    /// @notice Whether a trade with this seller, buyer and reference has settled (by either flow).
    /// @param seller The seller.
    /// @param buyer The buyer.
    /// @param ref The trade reference.
    /// @return True when settled.
    function isTradeRefSettled(address seller, address buyer, bytes32 ref) external view returns (bool);
}
