// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Duties} from "../access/Duties.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {IIssuanceDesk} from "../interfaces/IIssuanceDesk.sol";

/**
 * @title IssuanceDesk
 * @notice Issues and redeems one deposit token under the controls a bank's payment operations run on:
 * no issuance above the reserves of the last report (as of its cut-off, less every payout since), two
 * officers for any amount above a threshold, and a rolling 24-hour allowance per officer below it.
 * @dev The desk alone holds ISSUER_ROLE on its token; officers hold ISSUER_ROLE here, the reserve attester
 * RESERVE_ROLE (never the same key). Payouts are recorded here when the desk completes a redemption, as a
 * history of cumulative payouts by block time, so a report submitted days after its cut-off still has
 * every payout since the cut-off deducted. Upgradeable (UUPS, UPGRADER_ROLE held by the timelock),
 * ERC-7201 storage, two-step default-admin transfer with a delay.
 */
contract IssuanceDesk is IIssuanceDesk, AccessControlDefaultAdminRulesUpgradeable, UUPSUpgradeable {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Issuance officers: issue alone within limits, propose, approve others' proposals, cancel.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Attests reserves. Never held with ISSUER_ROLE: an officer cannot raise its own cap.
    bytes32 public constant RESERVE_ROLE = keccak256("RESERVE_ROLE");
    /// @notice Upgrades the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @notice The maximum age of a report's cut-off a new desk starts with: a monthly report plus five days.
    uint64 public constant DEFAULT_MAX_ATTESTATION_AGE = 35 days;
    /// @notice Whole hours the rolling allowance counts besides the current one.
    uint256 public constant WINDOW_HOURS = 24;

    /// @dev What an officer had issued alone in the window as of its last issuance, and that issuance's hour.
    struct Window {
        uint64 lastHour;
        uint192 used;
    }

    uint64 private constant MIN_APPROVAL_WINDOW = 1 minutes;
    uint64 private constant MAX_APPROVAL_WINDOW = 7 days;

    /// @custom:storage-location erc7201:bankcash.storage.IssuanceDesk
    struct IssuanceDeskStorage {
        IDepositToken token;
        uint64 approvalWindow;
        uint64 maxAttestationAge;
        uint256 issuanceThreshold;
        uint256 redemptionThreshold;
        Attestation attestation;
        mapping(bytes32 reportHash => bool) attestedReports;
        Checkpoints.Trace208 payouts;
        mapping(address officer => uint256) allowance;
        mapping(address officer => mapping(uint256 hour => uint256 amount)) issuedInHour;
        mapping(address officer => Window) window;
        uint256 proposalCount;
        mapping(uint256 id => Proposal) proposals;
        mapping(bytes32 depositRef => uint256 id) depositRefProposal;
        mapping(uint256 redemptionId => uint256 id) redemptionProposal;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.IssuanceDesk")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant ISSUANCE_DESK_STORAGE = 0x4e62b0f47349fba9100564907248b63eee056702b9988efdd52658b040bf3400;

    function _getIssuanceDeskStorage() private pure returns (IssuanceDeskStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := ISSUANCE_DESK_STORAGE
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initializes the desk behind its proxy. Nothing can be issued before the first attestation.
     * @param token_ The deposit token; the desk must then be given ISSUER_ROLE on it.
     * @param admin The default admin (sets limits and allowances).
     * @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
     * @param issuanceThreshold Issuance above this needs two officers.
     * @param redemptionThreshold Completing a redemption above this needs two officers.
     * @param approvalWindow Seconds a proposal can be approved for.
     */
    function initialize(
        IDepositToken token_,
        address admin,
        uint48 adminDelay,
        uint256 issuanceThreshold,
        uint256 redemptionThreshold,
        uint64 approvalWindow
    ) external initializer {
        if (address(token_).code.length == 0) revert InvalidDeskToken(address(token_));
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        __UUPSUpgradeable_init();
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        $.token = token_;
        $.maxAttestationAge = DEFAULT_MAX_ATTESTATION_AGE;
        emit MaxAttestationAgeChanged(0, DEFAULT_MAX_ATTESTATION_AGE, admin);
        _setLimits(issuanceThreshold, redemptionThreshold, approvalWindow, admin);
        // The deployer holds the upgrade duty until it hands it to the timelock (and renounces it).
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(UPGRADER_ROLE, admin);
    }

    /// @inheritdoc IIssuanceDesk
    function token() external view returns (IDepositToken) {
        return _getIssuanceDeskStorage().token;
    }

    // ---------------------------------------------------------------------------------------------------
    // Reserves
    // ---------------------------------------------------------------------------------------------------

    /// @inheritdoc IIssuanceDesk
    function attestReserves(uint256 amount, bytes32 reportHash, uint64 asOf) external onlyRole(RESERVE_ROLE) {
        if (reportHash == bytes32(0)) revert ReferenceMissing();
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        if ($.attestedReports[reportHash]) revert ReportAlreadyAttested(reportHash);
        // Report cut-offs are days apart; a validator's few seconds of leeway do not matter.
        // slither-disable-next-line timestamp
        if (asOf > block.timestamp) revert AsOfInFuture(asOf, block.timestamp);
        uint64 previous = $.attestation.asOf;
        if (asOf <= previous) revert AsOfNotAfterPrevious(asOf, previous);
        $.attestedReports[reportHash] = true;
        $.attestation = Attestation({
            amount: amount, reportHash: reportHash, asOf: asOf, attestedAt: SafeCast.toUint64(block.timestamp)
        });
        uint256 available = _availableReserves($);
        uint256 supply = $.token.totalSupply();
        emit ReservesAttested(amount, reportHash, asOf, available, supply, msg.sender);
        if (available < supply) emit ReservesShortfall(available, supply);
    }

    /// @inheritdoc IIssuanceDesk
    function setMaxAttestationAge(uint64 maxAge) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (maxAge == 0) revert InvalidMaxAttestationAge(maxAge);
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        uint64 previous = $.maxAttestationAge;
        $.maxAttestationAge = maxAge;
        emit MaxAttestationAgeChanged(previous, maxAge, msg.sender);
    }

    /// @inheritdoc IIssuanceDesk
    function maxAttestationAge() external view returns (uint64) {
        return _getIssuanceDeskStorage().maxAttestationAge;
    }

    /// @inheritdoc IIssuanceDesk
    function attestation() external view returns (Attestation memory) {
        return _getIssuanceDeskStorage().attestation;
    }

    /// @inheritdoc IIssuanceDesk
    function payoutsSince(uint64 since) external view returns (uint256) {
        return _payoutsSince(_getIssuanceDeskStorage(), since);
    }

    /// @inheritdoc IIssuanceDesk
    function availableReserves() external view returns (uint256) {
        return _availableReserves(_getIssuanceDeskStorage());
    }

    /// @inheritdoc IIssuanceDesk
    function mintHeadroom() external view returns (uint256) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        uint256 available = _availableReserves($);
        uint256 supply = $.token.totalSupply();
        return available > supply ? available - supply : 0;
    }

    // ---------------------------------------------------------------------------------------------------
    // Issuance
    // ---------------------------------------------------------------------------------------------------

    /// @inheritdoc IIssuanceDesk
    function mint(address to, uint256 amount, bytes32 depositRef) external onlyRole(ISSUER_ROLE) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        _requireFreeDepositRef($, amount, depositRef);
        uint256 threshold = $.issuanceThreshold;
        if (amount > threshold) revert DualControlRequired(amount, threshold);
        uint256 hour = block.timestamp / 1 hours;
        uint256 used = _usedInWindow($, msg.sender, hour) + amount;
        uint256 allowance_ = $.allowance[msg.sender];
        if (used > allowance_) revert AllowanceExceeded(msg.sender, used - amount, amount, allowance_);
        $.issuedInHour[msg.sender][hour] += amount;
        $.window[msg.sender] = Window({lastHour: SafeCast.toUint64(hour), used: SafeCast.toUint192(used)});
        emit IssuedByOfficer(msg.sender, to, amount, depositRef, used);
        _issue($, to, amount, depositRef);
    }

    /// @inheritdoc IIssuanceDesk
    function proposeIssuance(address to, uint256 amount, bytes32 depositRef)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 id)
    {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        _requireFreeDepositRef($, amount, depositRef);
        uint64 validUntil;
        (id, validUntil) = _newProposal($, ProposalKind.Issuance, to, amount);
        $.proposals[id].depositRef = depositRef;
        $.depositRefProposal[depositRef] = id;
        emit IssuanceProposed(id, msg.sender, to, amount, depositRef, validUntil);
    }

    // ---------------------------------------------------------------------------------------------------
    // Redemption
    // ---------------------------------------------------------------------------------------------------

    /// @inheritdoc IIssuanceDesk
    function completeRedemption(uint256 redemptionId) external onlyRole(ISSUER_ROLE) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        uint256 open = $.redemptionProposal[redemptionId];
        if (open != 0) revert RedemptionAlreadyProposed(redemptionId, open);
        uint256 amount = _pendingRedemption($, redemptionId).amount;
        uint256 threshold = $.redemptionThreshold;
        if (amount > threshold) revert DualControlRequired(amount, threshold);
        _completeRedemption($, redemptionId, amount, address(0));
    }

    /// @inheritdoc IIssuanceDesk
    function proposeRedemptionCompletion(uint256 redemptionId) external onlyRole(ISSUER_ROLE) returns (uint256 id) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        uint256 open = $.redemptionProposal[redemptionId];
        if (open != 0) revert RedemptionAlreadyProposed(redemptionId, open);
        IDepositToken.Redemption memory r = _pendingRedemption($, redemptionId);
        uint64 validUntil;
        (id, validUntil) = _newProposal($, ProposalKind.RedemptionCompletion, r.holder, r.amount);
        $.proposals[id].redemptionId = redemptionId;
        $.redemptionProposal[redemptionId] = id;
        emit RedemptionCompletionProposed(id, msg.sender, redemptionId, r.amount, validUntil);
    }

    /// @inheritdoc IIssuanceDesk
    function rejectRedemption(uint256 redemptionId, bytes32 reason) external onlyRole(ISSUER_ROLE) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        // A completion waiting for approval is void once the tokens went back.
        uint256 open = $.redemptionProposal[redemptionId];
        if (open != 0) _cancel($, open);
        emit RedemptionRejectedBy(redemptionId, msg.sender, reason);
        $.token.rejectRedemption(redemptionId, reason);
    }

    // ---------------------------------------------------------------------------------------------------
    // Dual control
    // ---------------------------------------------------------------------------------------------------

    /// @inheritdoc IIssuanceDesk
    function approve(uint256 id) external onlyRole(ISSUER_ROLE) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        Proposal storage p = _pendingProposal($, id);
        address proposer = p.proposer;
        if (proposer == msg.sender) revert SelfApproval(id, msg.sender);
        uint64 validUntil = p.validUntil;
        // Approval windows are hours long; a validator's few seconds of leeway do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp > validUntil) revert ProposalExpired(id, validUntil);
        p.status = ProposalStatus.Executed;
        p.approver = msg.sender;
        emit ProposalApproved(id, msg.sender, proposer);
        if (p.kind == ProposalKind.Issuance) {
            bytes32 depositRef = p.depositRef;
            delete $.depositRefProposal[depositRef];
            _issue($, p.to, p.amount, depositRef);
        } else {
            uint256 redemptionId = p.redemptionId;
            delete $.redemptionProposal[redemptionId];
            _completeRedemption($, redemptionId, p.amount, proposer);
        }
    }

    /// @inheritdoc IIssuanceDesk
    function cancel(uint256 id) external onlyRole(ISSUER_ROLE) {
        _cancel(_getIssuanceDeskStorage(), id);
    }

    /// @inheritdoc IIssuanceDesk
    function proposal(uint256 id) external view returns (Proposal memory) {
        return _getIssuanceDeskStorage().proposals[id];
    }

    /// @inheritdoc IIssuanceDesk
    function proposalCount() external view returns (uint256) {
        return _getIssuanceDeskStorage().proposalCount;
    }

    /// @inheritdoc IIssuanceDesk
    function proposalOfDepositRef(bytes32 depositRef) external view returns (uint256) {
        return _getIssuanceDeskStorage().depositRefProposal[depositRef];
    }

    // ---------------------------------------------------------------------------------------------------
    // Limits
    // ---------------------------------------------------------------------------------------------------

    /// @inheritdoc IIssuanceDesk
    function setLimits(uint256 issuanceThreshold, uint256 redemptionThreshold, uint64 approvalWindow)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _setLimits(issuanceThreshold, redemptionThreshold, approvalWindow, msg.sender);
    }

    /// @inheritdoc IIssuanceDesk
    function setOfficerAllowance(address officer, uint256 allowance_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        uint256 previous = $.allowance[officer];
        $.allowance[officer] = allowance_;
        emit OfficerAllowanceChanged(officer, previous, allowance_, msg.sender);
    }

    /// @inheritdoc IIssuanceDesk
    function limits() external view returns (uint256 issuanceThreshold, uint256 redemptionThreshold, uint64 approvalWindow) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        return ($.issuanceThreshold, $.redemptionThreshold, $.approvalWindow);
    }

    /// @inheritdoc IIssuanceDesk
    function officerAllowance(address officer) external view returns (uint256 allowance, uint256 used) {
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        return ($.allowance[officer], _usedInWindow($, officer, block.timestamp / 1 hours));
    }

    // ---------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------

    /// @dev Mints through the token once the reserves cover it; the token refuses a used deposit reference.
    function _issue(IssuanceDeskStorage storage $, address to, uint256 amount, bytes32 depositRef) private {
        Attestation storage a = $.attestation;
        (uint64 asOf, uint64 maxAge) = (a.asOf, $.maxAttestationAge);
        // Report cut-offs are days apart; a validator's few seconds of leeway do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp - asOf > maxAge) revert AttestationStale(asOf, maxAge);
        IDepositToken token_ = $.token;
        uint256 supplyAfter = token_.totalSupply() + amount;
        uint256 available = _availableReserves($);
        if (supplyAfter > available) revert ReservesExceeded(supplyAfter, available);
        token_.mint(to, amount, depositRef);
    }

    /// @dev Burns a pending redemption through the token and records its payout at this block's time.
    function _completeRedemption(IssuanceDeskStorage storage $, uint256 redemptionId, uint256 amount, address proposer)
        private
    {
        uint208 cumulative = $.payouts.latest() + SafeCast.toUint208(amount);
        // The payout history is keyed by block time: several payouts in one block add up in one entry.
        // slither-disable-next-line unused-return
        $.payouts.push(SafeCast.toUint48(block.timestamp), cumulative);
        emit PayoutRecorded(redemptionId, amount, cumulative, msg.sender, proposer);
        $.token.completeRedemption(redemptionId);
    }

    function _newProposal(IssuanceDeskStorage storage $, ProposalKind kind, address to, uint256 amount)
        private
        returns (uint256 id, uint64 validUntil)
    {
        id = ++$.proposalCount;
        validUntil = SafeCast.toUint64(block.timestamp) + $.approvalWindow;
        $.proposals[id] = Proposal({
            kind: kind,
            status: ProposalStatus.Pending,
            validUntil: validUntil,
            proposer: msg.sender,
            approver: address(0),
            to: to,
            amount: amount,
            depositRef: bytes32(0),
            redemptionId: 0
        });
    }

    function _cancel(IssuanceDeskStorage storage $, uint256 id) private {
        Proposal storage p = _pendingProposal($, id);
        p.status = ProposalStatus.Cancelled;
        if (p.kind == ProposalKind.Issuance) delete $.depositRefProposal[p.depositRef];
        else delete $.redemptionProposal[p.redemptionId];
        emit ProposalCancelled(id, msg.sender);
    }

    function _pendingProposal(IssuanceDeskStorage storage $, uint256 id) private view returns (Proposal storage p) {
        p = $.proposals[id];
        if (p.status != ProposalStatus.Pending) revert ProposalNotPending(id, p.status);
    }

    function _pendingRedemption(IssuanceDeskStorage storage $, uint256 redemptionId)
        private
        view
        returns (IDepositToken.Redemption memory r)
    {
        r = $.token.redemption(redemptionId);
        if (r.status != IDepositToken.RedemptionStatus.Pending) revert RedemptionNotPending(redemptionId, r.status);
    }

    /// @dev A deposit reference can be proposed or minted once: not used on the token, not reserved here.
    function _requireFreeDepositRef(IssuanceDeskStorage storage $, uint256 amount, bytes32 depositRef) private view {
        if (amount == 0) revert ZeroAmount();
        if (depositRef == bytes32(0)) revert ReferenceMissing();
        uint256 reservedBy = $.depositRefProposal[depositRef];
        if (reservedBy != 0) revert DepositRefReserved(depositRef, reservedBy);
        if ($.token.isDepositRefUsed(depositRef)) revert DepositRefAlreadyUsed(depositRef);
    }

    /**
     * @dev What an officer issued alone in `hour` and the WINDOW_HOURS before it: the total as of its last
     * issuance less the hours that have left the window since, so an officer who issues often reads one or
     * two buckets, and one idle for longer than the window none.
     */
    // Allowance windows are whole hours; a validator's few seconds of leeway do not matter.
    // slither-disable-start timestamp
    function _usedInWindow(IssuanceDeskStorage storage $, address officer, uint256 hour) private view returns (uint256 used) {
        Window memory w = $.window[officer];
        uint256 last = w.lastHour;
        if (hour - last > WINDOW_HOURS) return 0;
        used = w.used;
        mapping(uint256 => uint256) storage issued = $.issuedInHour[officer];
        // The hours last - WINDOW_HOURS .. hour - WINDOW_HOURS - 1 were in the window then and are not now.
        for (uint256 h = last - WINDOW_HOURS; h < hour - WINDOW_HOURS; ++h) used -= issued[h];
    }
    // slither-disable-end timestamp

    /// @dev The payouts recorded at or after `since` (the cumulative total less what was paid before it).
    function _payoutsSince(IssuanceDeskStorage storage $, uint64 since) private view returns (uint256) {
        uint256 before = since == 0 ? 0 : $.payouts.upperLookupRecent(SafeCast.toUint48(since - 1));
        return $.payouts.latest() - before;
    }

    /// @dev The last attested amount less the payouts since its cut-off, at zero at the lowest.
    function _availableReserves(IssuanceDeskStorage storage $) private view returns (uint256) {
        Attestation storage a = $.attestation;
        uint256 amount = a.amount;
        uint256 paid = _payoutsSince($, a.asOf);
        return amount > paid ? amount - paid : 0;
    }

    function _setLimits(uint256 issuanceThreshold, uint256 redemptionThreshold, uint64 approvalWindow, address admin)
        private
    {
        if (approvalWindow < MIN_APPROVAL_WINDOW || approvalWindow > MAX_APPROVAL_WINDOW) {
            revert InvalidApprovalWindow(approvalWindow);
        }
        IssuanceDeskStorage storage $ = _getIssuanceDeskStorage();
        ($.issuanceThreshold, $.redemptionThreshold, $.approvalWindow) =
            (issuanceThreshold, redemptionThreshold, approvalWindow);
        emit LimitsChanged(issuanceThreshold, redemptionThreshold, approvalWindow, admin);
    }

    /**
     * @dev An officer never attests reserves (it could raise its own cap) nor holds compliance anywhere in the
     * deployment: the token's registry keeps that rule for every contract, this one included.
     */
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        // The registry is read only for a duty that has conflicts: the admin role is granted before the token is set.
        if (Duties.hasConflicts(role)) _getIssuanceDeskStorage().token.registry().requireCompatibleRole(role, account);
        return super._grantRole(role, account);
    }

    /// @dev Only UPGRADER_ROLE may upgrade; storage-layout compatibility is checked by the upgrades plugin.
    // The role check in the modifier is the whole rule.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
