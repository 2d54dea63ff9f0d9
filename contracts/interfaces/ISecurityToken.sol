// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPermissionedToken} from "./IPermissionedToken.sol";

/**
 * @title ISecurityToken
 * @notice A permissioned tokenized security (the asset leg of DvP), identified by its ISIN and issued and
 * redeemed by its issuer agent.
 */
interface ISecurityToken is IPermissionedToken {
    /// @notice Units of the security were issued.
    /// @param to The wallet credited.
    /// @param amount The units issued.
    /// @param issuer The issuer agent who executed it.
    event SecuritiesIssued(address indexed to, uint256 amount, address indexed issuer);

    /// @notice Units of the security were redeemed (burnt), for example at maturity.
    /// @param from The wallet debited.
    /// @param amount The units redeemed.
    /// @param issuer The issuer agent who executed it.
    event SecuritiesRedeemed(address indexed from, uint256 amount, address indexed issuer);

    /// @notice Units held by a custodian (the DvP escrow) belong to others and cannot be redeemed from it.
    error InvalidRedemptionSource(address from);
    /// @notice The ISIN is not 12 characters of the ISO 6166 form with a valid check digit.
    error InvalidIsin(string isin);

    /// @notice The security's ISIN (ISO 6166), for example "US0378331005".
    /// @return The ISIN.
    function isin() external view returns (string memory);

    /// @notice Issues units of the security. ISSUER_ROLE.
    /// @param to The wallet credited (allowed, not frozen).
    /// @param amount The units (non-zero).
    function issue(address to, uint256 amount) external;

    /// @notice Redeems (burns) units held by a wallet. ISSUER_ROLE.
    /// @param from The wallet debited (allowed, not frozen, not a custodian).
    /// @param amount The units (non-zero, at most its balance).
    function redeem(address from, uint256 amount) external;
}
