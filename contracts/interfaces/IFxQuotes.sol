// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IFxQuotes
 * @notice Cross-currency payment against a liquidity provider's signed quote: the payer pays the provider
 * in one listed deposit token and the provider pays the beneficiary in another, in one transaction or not
 * at all.
 * @dev The provider signs a `Quote` as EIP-712 typed data (or answers ERC-1271 for a contract wallet). The
 * payer submits it with a beneficiary and a payment reference: `buyAmount` of `buyToken` moves from the
 * payer to the provider and `sellAmount` of `sellToken` from the provider to the beneficiary, both with
 * transferFrom on the parties' allowances to this contract, which never holds a token. A quote's nonce is
 * spent once per provider, by a payment or by the provider's cancellation.
 */
interface IFxQuotes {
    /// @notice A liquidity provider's firm quote: it sells `sellAmount` of `sellToken` for `buyAmount` of
    /// `buyToken`.
    /// @param provider The liquidity provider that signs the quote and pays `sellAmount`.
    /// @param payer The only payer who may use the quote, or address(0) for any payer.
    /// @param sellToken The listed deposit token the beneficiary receives (for example EUR).
    /// @param sellAmount What the beneficiary receives, in `sellToken`'s smallest unit (non-zero).
    /// @param buyToken The listed deposit token the payer pays with (for example USD).
    /// @param buyAmount What the payer pays the provider, in `buyToken`'s smallest unit (non-zero).
    /// @param validUntil Last second (unix time) at which the quote may be used.
    /// @param nonce The provider's single-use number for this quote.
    // Field order is the signed EIP-712 type and the wallets' API.
    // solhint-disable-next-line gas-struct-packing
    struct Quote {
        address provider;
        address payer;
        address sellToken;
        uint256 sellAmount;
        address buyToken;
        uint256 buyAmount;
        uint64 validUntil;
        bytes32 nonce;
    }

    /// @notice Where a provider's nonce stands: unused, spent by a payment, or cancelled by the provider.
    enum NonceState {
        Unused,
        Used,
        Cancelled
    }

    /// @notice A payment settled against a quote: both legs moved in this transaction.
    /// @param quoteHash The EIP-712 digest the provider signed.
    /// @param payer Who paid `buyAmount` of `buyToken` to the provider (the submitter).
    /// @param ref The payment reference the payer gave.
    /// @param beneficiary Who received `sellAmount` of `sellToken`.
    /// @param quote The quote paid: the provider, both tokens and both amounts, its validity and nonce.
    event QuotePaid(
        bytes32 indexed quoteHash, address indexed payer, bytes32 indexed ref, address beneficiary, Quote quote
    );

    /// @notice A provider cancelled a nonce: no quote it signed with that nonce can be used any more.
    /// @param provider The provider.
    /// @param nonce The nonce.
    event QuoteNonceCancelled(address indexed provider, bytes32 indexed nonce);

    /// @notice The bank listed or delisted a deposit token for quoted payments.
    /// @param token The token.
    /// @param listed Whether quotes may now use it.
    event TokenListed(address indexed token, bool listed);

    /// @notice The address is not a usable registry.
    error InvalidRegistry(address registry);
    /// @notice The token is not listed for quoted payments.
    error TokenNotListed(address token);
    /// @notice The quote sells and buys the same token.
    error SameToken(address token);
    /// @notice An amount of the quote is zero.
    error QuoteAmountZero();
    /// @notice The quote's validity ended before this block.
    error QuoteExpired(uint64 validUntil, uint256 currentTime);
    /// @notice The provider's nonce was spent by an earlier payment.
    error QuoteUsed(address provider, bytes32 nonce);
    /// @notice The provider cancelled this nonce.
    error QuoteCancelled(address provider, bytes32 nonce);
    /// @notice The quote names another payer than the one paying.
    error NotQuotePayer(address payer, address sender);
    /// @notice The signature is not the provider's signature of these terms (tampered terms, another
    /// signer, another contract or chain).
    error InvalidQuoteSignature(address provider);
    /// @notice The registry does not allow the provider now.
    error ProviderNotAllowed(address provider);
    /// @notice The registry does not allow the payer now.
    error PayerNotAllowed(address payer);
    /// @notice The registry does not allow the beneficiary now.
    error BeneficiaryNotAllowed(address beneficiary);
    /// @notice A leg cannot move: `party` holds or allows this contract less than `amount` of `token`.
    error LegNotFunded(address party, address token, uint256 amount, uint256 balance, uint256 allowance);
    /// @notice A payment needs a non-zero reference.
    error ReferenceMissing();

    /// @notice Pays `beneficiary` with a provider's quote: the caller (the payer) pays the provider
    /// `buyAmount` of `buyToken` and the provider pays the beneficiary `sellAmount` of `sellToken`, both
    /// now or neither. Spends the quote's nonce. Both parties must have approved this contract.
    /// @param q The quote as the provider signed it.
    /// @param signature The provider's EIP-712 signature (or ERC-1271 for a contract wallet).
    /// @param beneficiary Who receives `sellAmount` of `sellToken` (an allowed participant).
    /// @param ref The payment reference (non-zero), carried in the event.
    /// @return quoteHash The EIP-712 digest of the quote, now spent.
    function payWithQuote(Quote calldata q, bytes calldata signature, address beneficiary, bytes32 ref)
        external
        returns (bytes32 quoteHash);

    /// @notice Cancels one of the caller's nonces: every quote the caller signed with it is refused from
    /// now on. Works whatever the caller's standing in the registry.
    /// @param nonce An unused nonce of the caller.
    function cancelQuote(bytes32 nonce) external;

    /// @notice Lists or delists a deposit token for quoted payments. DEFAULT_ADMIN_ROLE.
    /// @param token The token (a contract).
    /// @param listed Whether quotes may use it.
    function listToken(address token, bool listed) external;

    /// @notice Whether a token is listed.
    /// @param token The token.
    /// @return True when listed.
    function isListed(address token) external view returns (bool);

    /// @notice Where a provider's nonce stands.
    /// @param provider The provider.
    /// @param nonce The nonce.
    /// @return The state (Unused, Used, Cancelled).
    function nonceState(address provider, bytes32 nonce) external view returns (NonceState);

    /// @notice The EIP-712 digest a provider signs for a quote.
    /// @param q The quote.
    /// @return The digest.
    function hashQuote(Quote calldata q) external view returns (bytes32);

    /// @notice Why `payer` could not pay `beneficiary` with this quote and signature now, as the ABI-encoded
    /// error `payWithQuote` would raise; empty when it can.
    /// @dev The tokens' own rules (a paused token, a frozen wallet) are the tokens' to say: they refuse the
    /// movement itself with their own errors.
    /// @param q The quote.
    /// @param signature The provider's signature.
    /// @param payer The payer who would submit it.
    /// @param beneficiary The beneficiary.
    /// @return The encoded error, or empty.
    function whyNot(Quote calldata q, bytes calldata signature, address payer, address beneficiary)
        external
        view
        returns (bytes memory);
}
