// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";

/**
 * @title Duties
 * @notice The duties of the platform that one account must never hold together, on any of the contracts
 * of a deployment: the issuer with compliance (it could onboard or free a wallet of its own and issue into
 * it, or issue and force funds anywhere), and the issuer with the reserve attester (it could raise its own
 * cap).
 * @dev Role ids are the same strings on every contract, so a duty is one duty across the deployment: the
 * registry's COMPLIANCE_ROLE and a token's COMPLIANCE_ROLE are the same. The deployment's registry keeps
 * the list of its contracts and answers `requireCompatibleRole`; a contract plugs in by calling
 * `requireCompatible` from its `_grantRole` override. A role with no conflicts costs no external call.
 */
library Duties {
    /// @dev Compliance: onboards, freezes, forces transfers, closes trades by order.
    bytes32 internal constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @dev Issuer: issues, redeems.
    bytes32 internal constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @dev Reserve attester: records the reserves that cap the supply.
    bytes32 internal constant RESERVE_ROLE = keccak256("RESERVE_ROLE");

    /**
     * @notice The roles an account must not hold, on any contract of the deployment, to be given `role`.
     * @dev The table. `hasConflicts` below must answer true for exactly the roles that have an entry here.
     * @param role The role to be granted.
     * @return held The conflicting roles, in the order they are checked (empty when `role` has none).
     */
    function conflicts(bytes32 role) internal pure returns (bytes32[] memory held) {
        if (role == ISSUER_ROLE) {
            held = new bytes32[](2);
            held[0] = COMPLIANCE_ROLE;
            held[1] = RESERVE_ROLE;
        } else if (role == COMPLIANCE_ROLE || role == RESERVE_ROLE) {
            held = new bytes32[](1);
            held[0] = ISSUER_ROLE;
        }
    }

    /**
     * @notice Whether `role` conflicts with any role: the one test a contract makes before asking the registry.
     * @dev Comparisons only (no memory), so that the hook stays small in every contract that inherits it.
     * @param role The role to be granted.
     * @return True when `conflicts(role)` is not empty.
     */
    function hasConflicts(bytes32 role) internal pure returns (bool) {
        return role == ISSUER_ROLE || role == COMPLIANCE_ROLE || role == RESERVE_ROLE;
    }

    /**
     * @notice Refuses to give `role` to `account` when it holds a conflicting role anywhere in the deployment.
     * @dev The hook for a contract's `_grantRole` override. The registry reverts with `ConflictingRoles`
     * (or `PlatformContractUnreadable` when a contract it must ask does not answer); the revert passes through.
     * @param registry The deployment's registry.
     * @param role The role to be granted.
     * @param account The account to receive it.
     */
    function requireCompatible(IParticipantRegistry registry, bytes32 role, address account) internal view {
        if (hasConflicts(role)) registry.requireCompatibleRole(role, account);
    }
}
