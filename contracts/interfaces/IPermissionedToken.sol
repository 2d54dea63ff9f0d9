// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/**
 * @title IPermissionedToken
 * @notice Rules every token of the bank shares: only wallets the registry allows, and that are not
 * frozen, may send or receive; compliance can pause, freeze and force a transfer under a legal reference.
 */
interface IPermissionedToken is IERC20 {
    /// @notice A payment reference travelled with a transfer (emitted beside the ERC-20 Transfer).
    /// @param from The payer.
    /// @param to The payee.
    /// @param amount The amount, in the token's smallest unit.
    /// @param ref The payment reference (for example an invoice number hashed to bytes32).
    event ReferencedTransfer(address indexed from, address indexed to, uint256 amount, bytes32 indexed ref);

    /// @notice Compliance froze a wallet: it can neither send nor receive, nor spend an allowance.
    /// @param wallet The wallet frozen.
    /// @param operator The compliance officer who froze it.
    event Frozen(address indexed wallet, address indexed operator);
    /// @notice Compliance unfroze a wallet.
    /// @param wallet The wallet unfrozen.
    /// @param operator The compliance officer who unfroze it.
    event Unfrozen(address indexed wallet, address indexed operator);

    /// @notice The admin marked or unmarked a contract as a custodian (the DvP escrow): what it holds belongs
    /// to others, so no forced transfer or redemption takes from it, and it can always return what it holds.
    /// @param account The custodian contract.
    /// @param isCustodian Whether it is now a custodian.
    /// @param operator The admin who changed it.
    event CustodianSet(address indexed account, bool isCustodian, address indexed operator);

    /// @notice Compliance moved tokens without the holder's consent.
    /// @param from The wallet debited.
    /// @param to The wallet credited.
    /// @param amount The amount moved.
    /// @param legalRef The legal basis (court order, lost-key recovery case), hashed to bytes32.
    /// @param operator The compliance officer who executed it.
    event ForcedTransfer(
        address indexed from, address indexed to, uint256 amount, bytes32 indexed legalRef, address operator
    );

    /// @notice All movements except forced transfers stopped.
    event Paused(address indexed account);
    /// @notice Movements resumed.
    event Unpaused(address indexed account);

    /// @notice The token now consults another registry.
    event RegistryChanged(address indexed previous, address indexed registry);

    /// @notice The token is paused.
    error TokenPaused();
    /// @notice The token is not paused.
    error TokenNotPaused();
    /// @notice The wallet is frozen.
    error WalletFrozen(address wallet);
    /// @notice The wallet is not frozen.
    error WalletNotFrozen(address wallet);
    /// @notice The registry does not allow this wallet (not linked, participant not Active, or KYC expired).
    error ParticipantNotAllowed(address wallet);
    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice A reference (payment or legal) is required and was zero.
    error ReferenceMissing();
    /// @notice The address is not a usable registry.
    error InvalidRegistry(address registry);
    /// @notice A forced transfer cannot take from this address (zero, the token's own custody, or a custodian).
    error InvalidForcedTransferSource(address from);
    /// @notice A custodian must be a contract.
    error InvalidCustodian(address account);
    /// @notice A custodian cannot be unmarked while it holds tokens (they belong to others).
    error CustodianHoldsTokens(address account, uint256 balance);
    /// @notice A custodian cannot grant an allowance (approve, permit): it gives back what it holds itself.
    error CustodianCannotApprove(address custodian);
    /// @notice The account already holds a role that must stay with someone else (separation of duties).
    error ConflictingRoles(address account, bytes32 role, bytes32 heldRole);
    /// @notice Issuance would take the total supply past the most a balance word can hold beside its frozen flag.
    error SupplyLimitExceeded(uint256 supplyAfter, uint256 limit);

    /// @notice Transfers with a payment reference that is emitted with the value.
    /// @param to The payee.
    /// @param amount The amount (non-zero).
    /// @param ref The payment reference (non-zero).
    /// @return True on success.
    function transferWithReference(address to, uint256 amount, bytes32 ref) external returns (bool);

    /// @notice Freezes a wallet. COMPLIANCE_ROLE.
    /// @param wallet The wallet to freeze.
    function freeze(address wallet) external;

    /// @notice Unfreezes a wallet. COMPLIANCE_ROLE.
    /// @param wallet The wallet to unfreeze.
    function unfreeze(address wallet) external;

    /// @notice Whether a wallet is frozen.
    /// @param wallet The wallet.
    /// @return True when frozen.
    function isFrozen(address wallet) external view returns (bool);

    /// @notice Moves tokens from a holder to an allowed wallet under a legal reference. COMPLIANCE_ROLE.
    /// @param from The wallet debited (may be frozen, suspended or revoked).
    /// @param to The wallet credited (must be allowed and not frozen; never the token itself).
    /// @param amount The amount (non-zero).
    /// @param legalRef The legal basis (non-zero).
    function forceTransfer(address from, address to, uint256 amount, bytes32 legalRef) external;

    /// @notice Marks or unmarks a contract that holds tokens for others (the DvP escrow). DEFAULT_ADMIN_ROLE.
    /// @dev A custodian cannot be the source of a forced transfer or redemption, and may send what it holds
    /// itself even when the registry no longer allows it or it is frozen (refunds must always be possible); it
    /// cannot grant an allowance, a spender's transferFrom out of it is checked as for any holder, and it
    /// receives, and spends allowances, only when allowed and not frozen. Unmarking requires a zero balance.
    /// @param account The contract.
    /// @param custodian Whether it is a custodian.
    function setCustodian(address account, bool custodian) external;

    /// @notice Whether an account is a custodian.
    /// @param account The account.
    /// @return True when it is.
    function isCustodian(address account) external view returns (bool);

    /// @notice Stops every movement except forced transfers. PAUSER_ROLE.
    function pause() external;

    /// @notice Resumes movements. PAUSER_ROLE.
    function unpause() external;

    /// @notice Whether the token is paused.
    /// @return True when paused.
    function paused() external view returns (bool);

    /// @notice The registry this token consults on every movement.
    /// @return The registry.
    function registry() external view returns (IParticipantRegistry);

    /// @notice Points the token at another registry. DEFAULT_ADMIN_ROLE.
    /// @param newRegistry The new registry (a contract).
    function setRegistry(IParticipantRegistry newRegistry) external;
}
