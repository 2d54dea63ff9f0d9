// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title WalletRecords
 * @notice The allow rule every movement asks the registry: a wallet is allowed while its record says its
 * participant is Active and the block time is before the participant's KYC expiry.
 * @dev The record is the registry's `walletRecords[wallet]` (ParticipantRegistry's ERC-7201 storage, its sixth
 * slot), a `Participant` word: the status in the low byte, the KYC expiry in the 64 bits above. Both the
 * registry's implementation and its proxy (ParticipantRegistryProxy, which answers `isAllowed` and
 * `areAllowed` itself, without a delegate call) read it here, in the storage of the contract running it:
 * one rule, compiled into both.
 */
library WalletRecords {
    /// @dev The registry's storage location (keccak256(abi.encode(uint256(keccak256(
    /// "bankcash.storage.ParticipantRegistry")) - 1)) & ~bytes32(uint256(0xff))) plus 5: RegistryStorage holds
    /// participantOf, participants, wallets, platformContracts (two slots), then walletRecords.
    uint256 internal constant WALLET_RECORDS_SLOT = 0x087f88191c3daaac9c325f759f74e64b13214d6cf584322b6730b9f5bb5f5705;
    /// @dev IParticipantRegistry.Status.Active.
    uint256 internal constant ACTIVE = 1;

    /// @dev Whether `wallet` may take part in a movement now.
    function allowed(address wallet) internal view returns (bool) {
        uint256 word;
        // One read of the record's word, at the mapping's slot for `wallet` (scratch space only).
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            mstore(0x00, wallet)
            mstore(0x20, WALLET_RECORDS_SLOT)
            word := sload(keccak256(0x00, 0x40))
        }
        // slither-disable-next-line timestamp
        return word & 0xff == ACTIVE && block.timestamp < uint64(word >> 8);
    }
}
