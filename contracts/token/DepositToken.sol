// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {SignedPayments} from "./SignedPayments.sol";

/**
 * @title DepositToken
 * @notice The bank's permissioned 1:1 fiat-backed deposit token for one currency (the cash leg).
 * @dev Issuance is idempotent per deposit reference. ISSUER_ROLE (issue, complete and reject redemptions)
 * is held by the token's IssuanceDesk alone, which caps issuance by the reserves of the last report (as of
 * its cut-off, less every payout since) and applies dual control and per-officer allowances. Redemption
 * is two-phase: requested amounts are held in the token's own custody account (still in the supply)
 * until the bank burns them after the fiat payout or returns them.
 */
contract DepositToken is IDepositToken, SignedPayments {
    // Append-only across upgrades. reserves, reserveReportHash, reservesAttestedAt and maxAttestationAge are
    // no longer used (reserves are attested at the IssuanceDesk) and stay for the layout of existing proxies.
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
     * @notice Initializes the token behind its proxy. ISSUER_ROLE then goes to its IssuanceDesk.
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
        _getDepositTokenStorage().currency = currency_;
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
        $.usedDepositRefs[depositRef] = true;
        _mint(to, amount);
        emit Issued(to, amount, depositRef, msg.sender);
    }

    /// @inheritdoc IDepositToken
    function isDepositRefUsed(bytes32 depositRef) external view returns (bool) {
        return _getDepositTokenStorage().usedDepositRefs[depositRef];
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
        _custodyMove(address(this), address(0), amount);
        emit RedemptionCompleted(id, holder, amount);
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

    function _pending(uint256 id) private view returns (Redemption storage r) {
        r = _getDepositTokenStorage().redemptions[id];
        if (r.status != RedemptionStatus.Pending) revert RedemptionNotPending(id, r.status);
    }
}
