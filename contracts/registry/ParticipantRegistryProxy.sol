// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {WalletRecords} from "./WalletRecords.sol";

/**
 * @title ParticipantRegistryProxy
 * @notice The registry's ERC-1967 proxy (UUPS: upgrades go through the implementation's `upgradeToAndCall`),
 * which answers the two questions every movement asks, `isAllowed` and `areAllowed`, from its own storage
 * without a delegate call to the implementation. Everything else is delegated.
 * @dev The answer is the rule of `WalletRecords`, the implementation's own: a movement saves the
 * implementation-slot read and the delegate call. That rule is fixed in this code: a registry whose allow
 * rule changes is deployed anew and given to the tokens with `setRegistry`. The record's place in storage
 * cannot move under it: implementations keep RegistryStorage append-only (the upgrades plugin checks it).
 */
contract ParticipantRegistryProxy is ERC1967Proxy {
    /**
     * @notice Deploys the proxy and initializes the registry behind it.
     * @param implementation The ParticipantRegistry implementation.
     * @param data The encoded `initialize` call.
     */
    constructor(address implementation, bytes memory data) payable ERC1967Proxy(implementation, data) {}

    /**
     * @notice Whether the wallet may take part in a movement now (linked, participant Active, KYC not expired).
     * @param wallet The wallet.
     * @return Whether it is allowed.
     */
    function isAllowed(address wallet) external view returns (bool) {
        return WalletRecords.allowed(wallet);
    }

    /**
     * @notice `isAllowed` for both sides of a movement in one call.
     * @param a The first wallet.
     * @param b The second wallet.
     * @return aAllowed Whether `a` is allowed.
     * @return bAllowed Whether `b` is allowed.
     */
    function areAllowed(address a, address b) external view returns (bool aAllowed, bool bAllowed) {
        return (WalletRecords.allowed(a), WalletRecords.allowed(b));
    }
}
