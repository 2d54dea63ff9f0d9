// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDepositToken} from "./IDepositToken.sol";

/**
 * @title IIssuanceDesk
 * @notice Where the bank issues and redeems one deposit token: reserves attested as of a report's cut-off,
 * issuance capped by them, dual control (maker-checker) above thresholds, and a rolling 24-hour allowance
 * per issuance officer below them. The desk alone holds ISSUER_ROLE on its token.
 */
interface IIssuanceDesk {
    /// @notice What a proposal does once a second officer approves it.
    enum ProposalKind {
        None,
        Issuance,
        RedemptionCompletion
    }

    /// @notice Where a proposal stands. Executed and Cancelled are final.
    enum ProposalStatus {
        None,
        Pending,
        Executed,
        Cancelled
    }

    /// @notice A step waiting for a second officer.
    /// @param kind What it does.
    /// @param status Where it stands.
    /// @param validUntil Last second (block time) at which it can be approved.
    /// @param proposer The officer who proposed it.
    /// @param approver The officer who approved it (zero until then).
    /// @param to Issuance: the wallet credited. Redemption completion: the holder paid.
    /// @param amount The amount issued or paid out.
    /// @param depositRef Issuance: the deposit reference, reserved from the proposal on.
    /// @param redemptionId Redemption completion: the token's redemption request.
    struct Proposal {
        ProposalKind kind;
        ProposalStatus status;
        uint64 validUntil;
        address proposer;
        address approver;
        address to;
        uint256 amount;
        bytes32 depositRef;
        uint256 redemptionId;
    }

    /// @notice The attestation issuance is capped by.
    /// @param amount The reserves the report states, in the token's smallest unit.
    /// @param reportHash Hash of the report.
    /// @param asOf The report's cut-off (unix seconds): payouts from then on are deducted from `amount`.
    /// @param attestedAt Block time the report was submitted.
    struct Attestation {
        uint256 amount;
        bytes32 reportHash;
        uint64 asOf;
        uint64 attestedAt;
    }

    /// @notice The bank attested the fiat reserves as of a report's cut-off.
    /// @param amount The reserves the report states.
    /// @param reportHash Hash of the report (accepted once).
    /// @param asOf The report's cut-off.
    /// @param available What backs the supply now: `amount` less the payouts made since `asOf`.
    /// @param supply The token supply when the report was submitted.
    /// @param attester Who attested.
    event ReservesAttested(
        uint256 amount, bytes32 indexed reportHash, uint64 asOf, uint256 available, uint256 supply, address indexed attester
    );
    /// @notice The reserves available after an attestation do not cover the supply: issuance stops until they do.
    /// @param available The reserves available.
    /// @param supply The supply.
    event ReservesShortfall(uint256 available, uint256 supply);
    /// @notice A redemption's fiat payout left the reserves.
    /// @param redemptionId The token's redemption request.
    /// @param amount The amount paid out (and burnt).
    /// @param cumulativePayouts All payouts recorded so far, this one included.
    /// @param officer The officer who completed it (the approver under dual control).
    /// @param proposer The officer who proposed it under dual control, or zero.
    event PayoutRecorded(
        uint256 indexed redemptionId, uint256 amount, uint256 cumulativePayouts, address indexed officer, address proposer
    );
    /// @notice One officer issued alone, below the dual-control threshold and within its allowance.
    /// @param officer The officer.
    /// @param to The wallet credited.
    /// @param amount The amount.
    /// @param depositRef The deposit reference.
    /// @param usedInWindow What the officer has issued alone in the rolling window, this included.
    event IssuedByOfficer(
        address indexed officer, address indexed to, uint256 amount, bytes32 indexed depositRef, uint256 usedInWindow
    );
    /// @notice An issuance waits for a second officer.
    /// @param id The proposal.
    /// @param proposer The officer who proposed it.
    /// @param to The wallet to credit.
    /// @param amount The amount.
    /// @param depositRef The deposit reference, now reserved.
    /// @param validUntil Last second at which it can be approved.
    event IssuanceProposed(
        uint256 indexed id, address indexed proposer, address indexed to, uint256 amount, bytes32 depositRef, uint64 validUntil
    );
    /// @notice Completing a redemption waits for a second officer.
    /// @param id The proposal.
    /// @param proposer The officer who proposed it.
    /// @param redemptionId The token's redemption request.
    /// @param amount The amount to pay out.
    /// @param validUntil Last second at which it can be approved.
    event RedemptionCompletionProposed(
        uint256 indexed id, address indexed proposer, uint256 indexed redemptionId, uint256 amount, uint64 validUntil
    );
    /// @notice A second officer approved a proposal, which was executed in the same transaction.
    /// @param id The proposal.
    /// @param approver The approving officer.
    /// @param proposer The proposing officer.
    event ProposalApproved(uint256 indexed id, address indexed approver, address indexed proposer);
    /// @notice A proposal was cancelled; its deposit reference (if any) is free again.
    /// @param id The proposal.
    /// @param officer The officer who cancelled it.
    event ProposalCancelled(uint256 indexed id, address indexed officer);
    /// @notice An officer rejected a redemption; the held amount went back to the holder.
    /// @param redemptionId The token's redemption request.
    /// @param officer The officer.
    /// @param reason The reason.
    event RedemptionRejectedBy(uint256 indexed redemptionId, address indexed officer, bytes32 reason);
    /// @notice The admin changed the dual-control thresholds or the approval window.
    /// @param issuanceThreshold Issuance above this needs two officers.
    /// @param redemptionThreshold Completing a redemption above this needs two officers.
    /// @param approvalWindow Seconds a proposal can be approved for.
    /// @param admin The admin.
    event LimitsChanged(uint256 issuanceThreshold, uint256 redemptionThreshold, uint64 approvalWindow, address indexed admin);
    /// @notice The admin changed what an officer may issue alone in a rolling 24 hours.
    /// @param officer The officer.
    /// @param previous The previous allowance.
    /// @param allowance The new allowance.
    /// @param admin The admin.
    event OfficerAllowanceChanged(address indexed officer, uint256 previous, uint256 allowance, address indexed admin);
    /// @notice The admin changed how old a report's cut-off may be for issuance to go on.
    /// @param previous The previous maximum age, in seconds.
    /// @param maxAge The new maximum age, in seconds.
    /// @param admin The admin.
    event MaxAttestationAgeChanged(uint64 previous, uint64 maxAge, address indexed admin);

    /// @notice The token is not a contract.
    error InvalidDeskToken(address token);
    /// @notice An amount must be non-zero.
    error ZeroAmount();
    /// @notice A reference (deposit, report, reason) must be non-zero.
    error ReferenceMissing();
    /// @notice The supply after the issuance would exceed the reserves available.
    error ReservesExceeded(uint256 supplyAfter, uint256 available);
    /// @notice The last report's cut-off is older than the maximum age (or there is no report yet).
    error AttestationStale(uint64 asOf, uint64 maxAge);
    /// @notice A maximum attestation age must be at least one second.
    error InvalidMaxAttestationAge(uint64 maxAge);
    /// @notice A report's cut-off cannot lie in the future.
    error AsOfInFuture(uint64 asOf, uint256 blockTime);
    /// @notice A report's cut-off must be later than the previous report's.
    error AsOfNotAfterPrevious(uint64 asOf, uint64 previous);
    /// @notice This report was attested already.
    error ReportAlreadyAttested(bytes32 reportHash);
    /// @notice The amount is above the single-officer threshold: propose it for a second officer.
    error DualControlRequired(uint256 amount, uint256 threshold);
    /// @notice The officer's rolling 24-hour allowance does not cover the amount.
    error AllowanceExceeded(address officer, uint256 used, uint256 amount, uint256 allowance);
    /// @notice The deposit reference was used or is reserved by a pending proposal.
    error DepositRefReserved(bytes32 depositRef, uint256 proposalId);
    /// @notice The deposit reference has issued tokens already.
    error DepositRefAlreadyUsed(bytes32 depositRef);
    /// @notice The redemption is not pending on the token.
    error RedemptionNotPending(uint256 redemptionId, IDepositToken.RedemptionStatus status);
    /// @notice Completing this redemption is already proposed.
    error RedemptionAlreadyProposed(uint256 redemptionId, uint256 proposalId);
    /// @notice The proposal is unknown, executed or cancelled.
    error ProposalNotPending(uint256 id, ProposalStatus status);
    /// @notice The proposal's approval window has passed.
    error ProposalExpired(uint256 id, uint64 validUntil);
    /// @notice An officer cannot approve its own proposal.
    error SelfApproval(uint256 id, address officer);
    /// @notice An approval window must be between one minute and seven days.
    error InvalidApprovalWindow(uint64 approvalWindow);
    /// @notice The account holds a duty that must stay with another key than `role`, on this or another
    /// contract of the deployment (raised by the participant registry, which keeps that rule).
    error ConflictingRoles(address account, bytes32 role, bytes32 heldRole);

    /// @notice The deposit token this desk issues.
    /// @return The token.
    function token() external view returns (IDepositToken);

    /// @notice Records the fiat reserves a report states as of its cut-off. RESERVE_ROLE.
    /// @dev A shortfall is recorded too (the truth, not a hope) and emits ReservesShortfall.
    /// @param amount The reserves the report states, in the token's smallest unit.
    /// @param reportHash Hash of the report (non-zero, accepted once).
    /// @param asOf The report's cut-off: not in the future, later than the previous report's.
    function attestReserves(uint256 amount, bytes32 reportHash, uint64 asOf) external;

    /// @notice Issues alone: at most the issuance threshold and within the officer's rolling allowance. ISSUER_ROLE.
    /// @param to The wallet credited (allowed, not frozen).
    /// @param amount The amount (non-zero).
    /// @param depositRef The deposit reference (non-zero, never used, not reserved).
    function mint(address to, uint256 amount, bytes32 depositRef) external;

    /// @notice Proposes an issuance for a second officer to approve; reserves its deposit reference. ISSUER_ROLE.
    /// @param to The wallet to credit.
    /// @param amount The amount (non-zero).
    /// @param depositRef The deposit reference (non-zero, never used, not reserved).
    /// @return id The proposal.
    function proposeIssuance(address to, uint256 amount, bytes32 depositRef) external returns (uint256 id);

    /// @notice Completes a redemption after the fiat payout, alone, at most the redemption threshold. ISSUER_ROLE.
    /// @param redemptionId The token's redemption request.
    function completeRedemption(uint256 redemptionId) external;

    /// @notice Proposes completing a redemption for a second officer to approve. ISSUER_ROLE.
    /// @param redemptionId The token's redemption request (pending).
    /// @return id The proposal.
    function proposeRedemptionCompletion(uint256 redemptionId) external returns (uint256 id);

    /// @notice Rejects a redemption; the held amount returns to the holder. ISSUER_ROLE.
    /// @param redemptionId The token's redemption request.
    /// @param reason The reason (non-zero).
    function rejectRedemption(uint256 redemptionId, bytes32 reason) external;

    /// @notice Approves and executes another officer's pending proposal within its window. ISSUER_ROLE.
    /// @param id The proposal.
    function approve(uint256 id) external;

    /// @notice Cancels a pending (or expired) proposal; its deposit reference is free again. ISSUER_ROLE.
    /// @param id The proposal.
    function cancel(uint256 id) external;

    /// @notice Sets the dual-control thresholds and the approval window. DEFAULT_ADMIN_ROLE.
    /// @param issuanceThreshold Issuance above this needs two officers (0: every issuance).
    /// @param redemptionThreshold Completing a redemption above this needs two officers (0: every one).
    /// @param approvalWindow Seconds a proposal can be approved for (60 s to 7 days).
    function setLimits(uint256 issuanceThreshold, uint256 redemptionThreshold, uint64 approvalWindow) external;

    /// @notice Sets what an officer may issue alone in a rolling 24 hours. DEFAULT_ADMIN_ROLE.
    /// @param officer The officer.
    /// @param allowance The allowance (0: never alone).
    function setOfficerAllowance(address officer, uint256 allowance) external;

    /// @notice Sets how old a report's cut-off may be for issuance to go on. DEFAULT_ADMIN_ROLE.
    /// @param maxAge The maximum age in seconds (non-zero).
    function setMaxAttestationAge(uint64 maxAge) external;

    /// @notice The dual-control thresholds and the approval window.
    /// @return issuanceThreshold Issuance above this needs two officers.
    /// @return redemptionThreshold Completing a redemption above this needs two officers.
    /// @return approvalWindow Seconds a proposal can be approved for.
    function limits() external view returns (uint256 issuanceThreshold, uint256 redemptionThreshold, uint64 approvalWindow);

    /// @notice An officer's allowance and what it has issued alone in the rolling window.
    /// @dev The window counts whole hours: the current one and the 24 before it, so every issuance of the last
    /// 24 hours is counted (and some up to 25 hours old).
    /// @param officer The officer.
    /// @return allowance What it may issue alone in the window.
    /// @return used What it issued alone in the window.
    function officerAllowance(address officer) external view returns (uint256 allowance, uint256 used);

    /// @notice How old a report's cut-off may be for issuance to go on.
    /// @return The maximum age in seconds.
    function maxAttestationAge() external view returns (uint64);

    /// @notice The last attestation.
    /// @return The attestation (zero before the first).
    function attestation() external view returns (Attestation memory);

    /// @notice The fiat paid out by completed redemptions since a time.
    /// @param since Unix seconds; payouts at or after it count.
    /// @return The amount.
    function payoutsSince(uint64 since) external view returns (uint256);

    /// @notice What backs the supply now: the last attested amount less the payouts since its cut-off.
    /// @return The amount (zero at the lowest).
    function availableReserves() external view returns (uint256);

    /// @notice How much can still be issued under the available reserves (zero when under-backed).
    /// @return The available reserves minus the supply, or zero.
    function mintHeadroom() external view returns (uint256);

    /// @notice A proposal.
    /// @param id The proposal.
    /// @return The proposal (status None when unknown).
    function proposal(uint256 id) external view returns (Proposal memory);

    /// @notice The number of proposals so far (ids run from 1 to this).
    /// @return The count.
    function proposalCount() external view returns (uint256);

    /// @notice The pending proposal that reserves a deposit reference, or zero.
    /// @param depositRef The reference.
    /// @return The proposal id.
    function proposalOfDepositRef(bytes32 depositRef) external view returns (uint256);
}
