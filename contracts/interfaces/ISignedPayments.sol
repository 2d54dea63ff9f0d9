// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title ISignedPayments
 * @notice Payments authorized by the payer's signature (EIP-3009) and netted batches of them.
 * @dev The standard functions (`transferWithAuthorization`, `receiveWithAuthorization`,
 * `cancelAuthorization`, `authorizationState`) keep EIP-3009's type hashes and 32-byte nonces. The
 * referenced variant signs the payment reference too (`TransferWithReferenceAuthorization`) and carries it
 * in a `ReferencedTransfer` event; such an authorization settles either alone or inside a netted batch,
 * never both: all authorizations of a payer share one nonce space.
 *
 * No signed payment names the same wallet as payer and payee (`SelfPayment`), alone or in a batch.
 *
 * Nonces: any 32-byte value (EIP-3009 suggests random ones). They are kept as a bitmap, 256 nonces to a
 * storage word (the word is `nonce >> 8`, the bit `nonce & 0xff`), so a payer that numbers the nonces of a
 * settlement cycle from a multiple of 256 pays for one new storage word per 256 payments.
 */
interface ISignedPayments {
    /// @notice A payment instruction signed by its payer, as the referenced functions and batches take it.
    /// @param from The payer, who signed.
    /// @param to The payee.
    /// @param value The amount, in the token's smallest unit (non-zero).
    /// @param ref The payment reference (non-zero), signed and carried in the event.
    /// @param validAfter The instruction is valid strictly after this unix time.
    /// @param validBefore The instruction is valid strictly before this unix time.
    /// @param nonce The payer's unique 32-byte nonce.
    /// @param v Signature recovery byte (27 or 28).
    /// @param r Signature r.
    /// @param s Signature s (lower half of the curve order).
    // Field order is the signed EIP-712 type followed by the signature; it is calldata, never stored.
    // solhint-disable-next-line gas-struct-packing
    struct SignedPayment {
        address from;
        address to;
        uint256 value;
        bytes32 ref;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice An authorization was used: the payment it signed was made (EIP-3009).
    /// @param authorizer The payer who signed it.
    /// @param nonce Its nonce.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

    /// @notice An authorization was cancelled before use (EIP-3009).
    /// @param authorizer The payer who signed it.
    /// @param nonce Its nonce, now unusable.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /// @notice A netted batch settled. Each instruction also emitted `ReferencedTransfer` and
    /// `AuthorizationUsed`; the ERC-20 `Transfer` events of the batch are the net movements.
    /// @param submitter Who submitted the batch.
    /// @param instructions How many instructions it settled.
    /// @param grossValue The sum of the instructions' values.
    /// @param netValue The value that actually moved: the sum of the net payers' net debits.
    event PaymentBatchSettled(address indexed submitter, uint256 instructions, uint256 grossValue, uint256 netValue);

    /// @notice The authorization is not valid yet (valid strictly after `validAfter`).
    error AuthorizationNotYetValid(uint256 validAfter, uint256 currentTime);
    /// @notice The authorization expired (valid strictly before `validBefore`).
    error AuthorizationExpired(uint256 validBefore, uint256 currentTime);
    /// @notice The nonce was used or cancelled already.
    error AuthorizationAlreadyUsed(address authorizer, bytes32 nonce);
    /// @notice The signature is not the authorizer's over these terms, on this token and chain (or is malleable).
    error InvalidAuthorizationSignature(address authorizer);
    /// @notice A receive-type authorization may only be submitted by its payee.
    error CallerNotPayee(address caller, address payee);
    /// @notice Instruction `index` of a batch was refused; `reason` is the error the single payment would
    /// raise (for example `WalletFrozen(wallet)`), ABI-encoded. Nothing in the batch moved.
    error PaymentInstructionRefused(uint256 index, bytes reason);
    /// @notice A net payer of a batch holds less than its net debit. Nothing in the batch moved.
    error NetPositionShortfall(address wallet, uint256 balance, uint256 netDebit);
    /// @notice A batch must hold at least one instruction.
    error EmptyBatch();
    /// @notice A signed payment names the same wallet as payer and payee: it would move nothing.
    error SelfPayment(address wallet);
    /// @notice A batch's gross value would pass 2^256 - 1: `total` of the instructions before this one, plus
    /// its `value`.
    error AmountOverflow(uint256 total, uint256 value);

    /**
     * @notice EIP-3009: moves `value` from `from` to `to` with `from`'s signature of
     * TransferWithAuthorization. Anyone allowed and not frozen may submit it.
     * @param from The payer (signer).
     * @param to The payee (not the payer: `SelfPayment`).
     * @param value The amount.
     * @param validAfter Valid strictly after this unix time.
     * @param validBefore Valid strictly before this unix time.
     * @param nonce The payer's unique nonce.
     * @param v Signature v.
     * @param r Signature r.
     * @param s Signature s.
     */
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /**
     * @notice EIP-3009: as `transferWithAuthorization`, for a ReceiveWithAuthorization signature, and only the
     * payee may submit it (so nobody can front-run the payee's own call with it).
     * @param from The payer (signer).
     * @param to The payee, who must be the caller (and not the payer: `SelfPayment`).
     * @param value The amount.
     * @param validAfter Valid strictly after this unix time.
     * @param validBefore Valid strictly before this unix time.
     * @param nonce The payer's unique nonce.
     * @param v Signature v.
     * @param r Signature r.
     * @param s Signature s.
     */
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /**
     * @notice EIP-3009: cancels an unused authorization with the authorizer's CancelAuthorization signature.
     * Always possible, whatever the authorizer's standing.
     * @param authorizer The payer who signed the authorization.
     * @param nonce Its nonce.
     * @param v Signature v.
     * @param r Signature r.
     * @param s Signature s.
     */
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external;

    /**
     * @notice A referenced payment signed as TransferWithReferenceAuthorization (the reference is part of the
     * signed data). Anyone allowed and not frozen may submit it. Emits `ReferencedTransfer`. Payer and payee
     * must differ (`SelfPayment`).
     * @param payment The signed instruction.
     */
    function transferWithReferenceAuthorization(SignedPayment calldata payment) external;

    /**
     * @notice Settles TransferWithReferenceAuthorization instructions as one netted batch: every signature,
     * validity window, nonce, amount, reference and party is checked, each wallet's net position is computed,
     * and only net amounts move (each net payer to net payees, through the token's movement rule). All or
     * nothing: a refused instruction reverts with `PaymentInstructionRefused(index, reason)` (among the
     * reasons `SelfPayment(wallet)`, and `AmountOverflow(total, value)` at the instruction whose value would
     * take the gross value past 2^256 - 1), a net payer short of balance with `NetPositionShortfall`.
     * Anyone allowed and not frozen may submit.
     * @param batch The signed instructions.
     * @return grossValue The sum of the instructions' values.
     * @return netValue The value that moved.
     */
    function settlePaymentBatch(SignedPayment[] calldata batch) external returns (uint256 grossValue, uint256 netValue);

    /**
     * @notice EIP-3009: whether a nonce of `authorizer` was used or cancelled.
     * @param authorizer The payer.
     * @param nonce The nonce.
     * @return True once used or cancelled.
     */
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);
}
