// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPermissionedToken} from "./IPermissionedToken.sol";

/**
 * @title IDepositToken
 * @notice The bank's 1:1 fiat-backed deposit token for one currency: issued against fiat deposits (through
 * its IssuanceDesk, which caps issuance by attested reserves), redeemed in two phases around the fiat payout.
 */
interface IDepositToken is IPermissionedToken {
    /// @notice Where a redemption request stands. Completed and Rejected are final.
    enum RedemptionStatus {
        None,
        Pending,
        Completed,
        Rejected
    }

    /// @notice A redemption request.
    /// @param holder The wallet that asked to redeem (and gets the tokens back if rejected).
    /// @param status Where it stands.
    /// @param amount The amount held for it.
    struct Redemption {
        address holder;
        RedemptionStatus status;
        uint256 amount;
    }

    /// @notice Tokens were issued against a fiat deposit.
    /// @param to The wallet credited.
    /// @param amount The amount issued.
    /// @param depositRef The bank's deposit instruction reference; it can issue once, ever.
    /// @param issuer The issuer who executed it.
    event Issued(address indexed to, uint256 amount, bytes32 indexed depositRef, address issuer);

    /// @notice A holder asked to redeem; the amount is held by the token until the bank completes or rejects.
    /// @param id The request.
    /// @param holder The holder.
    /// @param amount The amount held.
    event RedemptionRequested(uint256 indexed id, address indexed holder, uint256 amount);
    /// @notice The bank paid out the fiat and burnt the held amount (the desk records the payout).
    /// @param id The request.
    /// @param holder The holder paid.
    /// @param amount The amount burnt and paid out of the reserves.
    event RedemptionCompleted(uint256 indexed id, address indexed holder, uint256 amount);
    /// @notice The bank rejected a redemption; the held amount went back to the holder.
    /// @param id The request.
    /// @param holder The holder.
    /// @param amount The amount returned.
    /// @param reason The reason.
    event RedemptionRejected(uint256 indexed id, address indexed holder, uint256 amount, bytes32 reason);

    /// @notice This deposit reference has already issued tokens.
    error DepositRefAlreadyUsed(bytes32 depositRef);
    /// @notice The redemption is not pending (unknown, or already completed or rejected).
    error RedemptionNotPending(uint256 id, RedemptionStatus status);
    /// @notice The currency code is not three upper-case letters (ISO 4217).
    error InvalidCurrencyCode(string code);

    /// @notice The ISO 4217 code of the currency, for example "USD".
    /// @return The code.
    function currency() external view returns (string memory);

    /// @notice Issues tokens against a fiat deposit. ISSUER_ROLE: the IssuanceDesk, which checks reserves,
    /// dual control and allowances first.
    /// @param to The wallet credited (allowed, not frozen).
    /// @param amount The amount (non-zero).
    /// @param depositRef The deposit instruction reference (non-zero, never used before).
    function mint(address to, uint256 amount, bytes32 depositRef) external;

    /// @notice Whether a deposit reference has already issued tokens.
    /// @param depositRef The reference.
    /// @return True when used.
    function isDepositRefUsed(bytes32 depositRef) external view returns (bool);

    /// @notice Asks the bank to redeem tokens for fiat. The amount leaves the caller's balance and is held
    /// by the token (still in the supply) until the bank completes or rejects the request.
    /// @param amount The amount (non-zero, at most the caller's balance).
    /// @return id The request's id.
    function requestRedemption(uint256 amount) external returns (uint256 id);

    /// @notice Burns a pending redemption after the fiat payout. ISSUER_ROLE (the IssuanceDesk, which records
    /// the payout against the reserves).
    /// @param id The request.
    function completeRedemption(uint256 id) external;

    /// @notice Rejects a pending redemption; the held amount goes back to the holder. ISSUER_ROLE.
    /// @param id The request.
    /// @param reason The reason (non-zero), for example a hashed payout failure code.
    function rejectRedemption(uint256 id, bytes32 reason) external;

    /// @notice A redemption request.
    /// @param id The request.
    /// @return The request (status None when unknown).
    function redemption(uint256 id) external view returns (Redemption memory);

    /// @notice The number of redemption requests made so far (ids run from 1 to this).
    /// @return The count.
    function redemptionCount() external view returns (uint256);

    /// @notice The total amount held for pending redemptions.
    /// @return The amount.
    function pendingRedemptions() external view returns (uint256);
}
