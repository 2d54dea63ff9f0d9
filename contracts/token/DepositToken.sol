// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {SignedPayments} from "./SignedPayments.sol";

/**
 * @title DepositToken
 * @notice The bank's permissioned 1:1 fiat-backed deposit token for one currency (the cash leg).
 * @dev Issuance is idempotent per deposit reference and capped by the recorded reserves: the last
 * attested amount minus the fiat paid out by completed redemptions since, so the headroom never grows by
 * a payout. An attestation may record a shortfall (reserves below supply); issuance then stops until the
 * reserves cover the supply again, and it also stops once the attestation is older than
 * `maxAttestationAge`. Redemption is two-phase: requested amounts are held in the token's own custody
 * account (still in the supply) until the bank burns them after the fiat payout or returns them.
 * ISSUER_ROLE (here: issues, completes and rejects redemptions) is never held with RESERVE_ROLE.
 */
contract DepositToken is IDepositToken, SignedPayments {
    /// @notice Attests reserves. Never held with ISSUER_ROLE: an issuer cannot raise its own cap.
    bytes32 public constant RESERVE_ROLE = keccak256("RESERVE_ROLE");
    /// @notice The maximum attestation age a new token starts with: a monthly attestation plus five days.
    uint64 public constant DEFAULT_MAX_ATTESTATION_AGE = 35 days;

    // Append-only across upgrades: maxAttestationAge cannot move next to reservesAttestedAt.
    // solhint-disable gas-struct-packing
    /// @custom:storage-location erc7201:bankcash.storage.DepositToken
    struct DepositTokenStorage {
        string currency;
        mapping(bytes32 depositRef => bool) usedDepositRefs;
        uint256 reserves;
        bytes32 reserveReportHash;
        uint64 reservesAttestedAt;
        uint256 redemptionCount;
        mapping(uint256 id => Redemption) redemptions;
        uint64 maxAttestationAge;
    }
    // solhint-enable gas-struct-packing

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.DepositToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant DEPOSIT_TOKEN_STORAGE = 0xff3d88f6bffd432a42909585497ce9fadacd687bfe238b75df4e70abfad7d000;

    function _getDepositTokenStorage() private pure returns (DepositTokenStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := DEPOSIT_TOKEN_STORAGE
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initializes the token behind its proxy. Reserves start at zero: nothing can be issued
     * before the first attestation. The maximum attestation age starts at DEFAULT_MAX_ATTESTATION_AGE.
     * @param name_ ERC-20 name, also the ERC-2612 domain name.
     * @param symbol_ ERC-20 symbol.
     * @param currency_ ISO 4217 code, three upper-case letters.
     * @param decimals_ The currency's minor unit (USD 2, JPY 0).
     * @param registry_ The participant registry.
     * @param admin The default admin.
     * @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
     */
    // Calldata strings would overflow the stack here; this runs once per deployment.
    // solhint-disable-next-line gas-calldata-parameters
    function initialize(
        string memory name_,
        string memory symbol_,
        string memory currency_,
        uint8 decimals_,
        IParticipantRegistry registry_,
        address admin,
        uint48 adminDelay
    ) external initializer {
        bytes memory code = bytes(currency_);
        if (code.length != 3) revert InvalidCurrencyCode(currency_);
        for (uint256 i = 0; i < 3; ++i) {
            if (code[i] < "A" || code[i] > "Z") revert InvalidCurrencyCode(currency_);
        }
        __PermissionedToken_init(name_, symbol_, decimals_, registry_, admin, adminDelay);
        __UUPSUpgradeable_init();
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        $.currency = currency_;
        $.maxAttestationAge = DEFAULT_MAX_ATTESTATION_AGE;
        emit MaxAttestationAgeChanged(0, DEFAULT_MAX_ATTESTATION_AGE, msg.sender);
    }

    /// @inheritdoc IDepositToken
    function currency() external view returns (string memory) {
        return _getDepositTokenStorage().currency;
    }

    /// @inheritdoc IDepositToken
    function mint(address to, uint256 amount, bytes32 depositRef) external onlyRole(ISSUER_ROLE) {
        _requireAmount(amount);
        _requireReference(depositRef);
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        if ($.usedDepositRefs[depositRef]) revert DepositRefAlreadyUsed(depositRef);
        (uint64 attestedAt, uint64 maxAge) = ($.reservesAttestedAt, $.maxAttestationAge);
        // Attestations are monthly business events; a validator's few seconds of leeway do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp - attestedAt > maxAge) revert AttestationStale(attestedAt, maxAge);
        uint256 supplyAfter = totalSupply() + amount;
        uint256 reserves_ = $.reserves;
        if (supplyAfter > reserves_) revert ReservesExceeded(supplyAfter, reserves_);
        $.usedDepositRefs[depositRef] = true;
        _mint(to, amount);
        emit Issued(to, amount, depositRef, msg.sender);
    }

    /// @inheritdoc IDepositToken
    function isDepositRefUsed(bytes32 depositRef) external view returns (bool) {
        return _getDepositTokenStorage().usedDepositRefs[depositRef];
    }

    /// @inheritdoc IDepositToken
    function attestReserves(uint256 amount, bytes32 reportHash) external onlyRole(RESERVE_ROLE) {
        _requireReference(reportHash);
        uint256 supply = totalSupply();
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        $.reserves = amount;
        $.reserveReportHash = reportHash;
        $.reservesAttestedAt = uint64(block.timestamp);
        emit ReservesAttested(amount, reportHash, supply, msg.sender);
        if (amount < supply) emit ReservesShortfall(amount, supply);
    }

    /// @inheritdoc IDepositToken
    function setMaxAttestationAge(uint64 maxAge) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (maxAge == 0) revert InvalidMaxAttestationAge(maxAge);
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        uint64 previous = $.maxAttestationAge;
        $.maxAttestationAge = maxAge;
        emit MaxAttestationAgeChanged(previous, maxAge, msg.sender);
    }

    /// @inheritdoc IDepositToken
    function maxAttestationAge() external view returns (uint64) {
        return _getDepositTokenStorage().maxAttestationAge;
    }

    /// @inheritdoc IDepositToken
    function reserves() external view returns (uint256 amount, bytes32 reportHash, uint64 attestedAt) {
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        return ($.reserves, $.reserveReportHash, $.reservesAttestedAt);
    }

    /// @inheritdoc IDepositToken
    function mintHeadroom() external view returns (uint256) {
        uint256 reserves_ = _getDepositTokenStorage().reserves;
        uint256 supply = totalSupply();
        return reserves_ > supply ? reserves_ - supply : 0;
    }

    /// @inheritdoc IDepositToken
    function requestRedemption(uint256 amount) external returns (uint256 id) {
        _requireAmount(amount);
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        id = ++$.redemptionCount;
        $.redemptions[id] = Redemption({holder: msg.sender, status: RedemptionStatus.Pending, amount: amount});
        _custodyMove(msg.sender, address(this), amount);
        emit RedemptionRequested(id, msg.sender, amount);
    }

    /// @inheritdoc IDepositToken
    function completeRedemption(uint256 id) external onlyRole(ISSUER_ROLE) {
        Redemption storage r = _pending(id);
        r.status = RedemptionStatus.Completed;
        (address holder, uint256 amount) = (r.holder, r.amount);
        // The fiat went out of the reserves. Below zero there is nothing left to record: the payout was
        // made from outside the attested reserves, and the shortfall (supply - reserves) only shrinks.
        DepositTokenStorage storage $ = _getDepositTokenStorage();
        uint256 reserves_ = $.reserves;
        reserves_ = reserves_ > amount ? reserves_ - amount : 0;
        $.reserves = reserves_;
        _custodyMove(address(this), address(0), amount);
        emit RedemptionCompleted(id, holder, amount, reserves_);
    }

    /// @inheritdoc IDepositToken
    function rejectRedemption(uint256 id, bytes32 reason) external onlyRole(ISSUER_ROLE) {
        _requireReference(reason);
        Redemption storage r = _pending(id);
        r.status = RedemptionStatus.Rejected;
        (address holder, uint256 amount) = (r.holder, r.amount);
        _custodyMove(address(this), holder, amount);
        emit RedemptionRejected(id, holder, amount, reason);
    }

    /// @inheritdoc IDepositToken
    function redemption(uint256 id) external view returns (Redemption memory) {
        return _getDepositTokenStorage().redemptions[id];
    }

    /// @inheritdoc IDepositToken
    function redemptionCount() external view returns (uint256) {
        return _getDepositTokenStorage().redemptionCount;
    }

    /// @inheritdoc IDepositToken
    function pendingRedemptions() external view returns (uint256) {
        // Only redemption requests can move tokens into the token's own account (see PermissionedToken).
        return balanceOf(address(this));
    }

    /// @dev The reserve attester must not also issue: it could raise its own cap.
    function _requireCompatibleRole(bytes32 role, address account) internal view override {
        super._requireCompatibleRole(role, account);
        if (role == ISSUER_ROLE) _requireNotHolding(account, role, RESERVE_ROLE);
        else if (role == RESERVE_ROLE) _requireNotHolding(account, role, ISSUER_ROLE);
    }

    function _pending(uint256 id) private view returns (Redemption storage r) {
        r = _getDepositTokenStorage().redemptions[id];
        if (r.status != RedemptionStatus.Pending) revert RedemptionNotPending(id, r.status);
    }
}
