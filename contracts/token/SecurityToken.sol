// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {PermissionedToken} from "./PermissionedToken.sol";

/**
 * @title SecurityToken
 * @notice A permissioned tokenized security: the asset leg that DvP settles against the deposit token.
 * @dev Same movement rule, freeze, pause and forced transfer as every PermissionedToken; decimals are
 * set at deployment (0 by default: whole units of the security).
 */
contract SecurityToken is ISecurityToken, PermissionedToken {
    /// @custom:storage-location erc7201:bankcash.storage.SecurityToken
    struct SecurityTokenStorage {
        string isin;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.SecurityToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant SECURITY_TOKEN_STORAGE = 0xc0d60db84e5d56511a3a533f2cd06c4e78ccffd79e0f550c50d3ca8cf0fa4700;

    function _getSecurityTokenStorage() private pure returns (SecurityTokenStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := SECURITY_TOKEN_STORAGE
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initializes the security behind its proxy.
     * @param name_ ERC-20 name, also the ERC-2612 domain name.
     * @param symbol_ ERC-20 symbol.
     * @param isin_ ISO 6166 identifier; its check digit is verified.
     * @param decimals_ Decimals of a unit (0 for whole units).
     * @param registry_ The participant registry.
     * @param admin The default admin.
     * @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
     */
    // Calldata strings would overflow the stack here; this runs once per deployment.
    // solhint-disable-next-line gas-calldata-parameters
    function initialize(
        string memory name_,
        string memory symbol_,
        string memory isin_,
        uint8 decimals_,
        IParticipantRegistry registry_,
        address admin,
        uint48 adminDelay
    ) external initializer {
        if (!_validIsin(bytes(isin_))) revert InvalidIsin(isin_);
        __PermissionedToken_init(name_, symbol_, decimals_, registry_, admin, adminDelay);
        __UUPSUpgradeable_init();
        _getSecurityTokenStorage().isin = isin_;
    }

    /// @inheritdoc ISecurityToken
    function isin() external view returns (string memory) {
        return _getSecurityTokenStorage().isin;
    }

    /// @inheritdoc ISecurityToken
    function issue(address to, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _requireAmount(amount);
        _mint(to, amount);
        emit SecuritiesIssued(to, amount, msg.sender);
    }

    /// @inheritdoc ISecurityToken
    function redeem(address from, uint256 amount) external onlyRole(ISSUER_ROLE) {
        if (_isCustodian(from)) revert InvalidRedemptionSource(from);
        _requireAmount(amount);
        _burn(from, amount);
        emit SecuritiesRedeemed(from, amount, msg.sender);
    }

    /**
     * @dev ISO 6166: two upper-case letters (country), nine upper-case alphanumerics, one check digit.
     * The check digit is the Luhn check over the digits obtained by writing each letter as its value
     * (A = 10 ... Z = 35).
     */
    function _validIsin(bytes memory code) private pure returns (bool) {
        if (code.length != 12) return false;
        uint256 sum = 0;
        uint256 position = 0; // digits counted from the right, check digit at position 0
        for (uint256 i = 12; i > 0; --i) {
            uint8 c = uint8(code[i - 1]);
            bool digit = c >= 0x30 && c <= 0x39;
            bool letter = c >= 0x41 && c <= 0x5a;
            if (i == 12 && !digit) return false;
            if (i <= 2 && !letter) return false;
            if (!digit && !letter) return false;
            uint256 value = digit ? c - 0x30 : c - 0x37;
            // a letter stands for two digits: units first (rightmost), then tens
            uint256 digits = value >= 10 ? 2 : 1;
            for (uint256 d = 0; d < digits; ++d) {
                sum += _luhnTerm(d == 0 ? value % 10 : value / 10, position % 2 == 1);
                ++position;
            }
        }
        return sum % 10 == 0;
    }

    /// @dev One digit's share of a Luhn sum: every second digit from the right is doubled, its digits summed.
    function _luhnTerm(uint256 digit, bool doubled) private pure returns (uint256) {
        if (!doubled) return digit;
        uint256 twice = digit * 2;
        return twice > 9 ? twice - 9 : twice;
    }
}
