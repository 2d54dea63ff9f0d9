// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/**
 * @title Signatures
 * @notice The one signature rule of the settlement contracts (the escrow's trade terms, FxQuotes's quotes).
 * @dev An EOA's ECDSA signature (OpenZeppelin's `tryRecover`: low s, canonical v), or an ERC-1271 answer
 * for a contract wallet (custodians). OpenZeppelin's SignatureChecker is not used: in 5.4 it pulls in
 * Bytes.sol, whose `mcopy` does not exist on berlin.
 */
library Signatures {
    /**
     * @notice Whether `signature` is `signer`'s over `hash`.
     * @param signer The account that must have signed: an EOA, or a contract wallet asked through ERC-1271.
     * @param hash The EIP-712 digest signed.
     * @param signature The signature (65 bytes for an EOA; the wallet's own format for a contract).
     * @return True when valid; a contract that reverts or answers anything else is false.
     */
    function isValid(address signer, bytes32 hash, bytes calldata signature) internal view returns (bool) {
        // The ECDSA recovery first, as OpenZeppelin's SignatureChecker does: an EOA's signature is then
        // accepted without reading the signer's code (a cold account access). No key is known for a
        // contract's address, so a recovery never matches one: its signature goes to ERC-1271 below.
        // The third value only details why recovery failed; any failure is refused the same way.
        // slither-disable-next-line unused-return
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) return true;
        if (signer.code.length == 0) return false;
        // A batch checks each trade's signatures, as settling it alone would.
        // slither-disable-next-line calls-loop
        try IERC1271(signer).isValidSignature(hash, signature) returns (bytes4 magic) {
            return magic == IERC1271.isValidSignature.selector;
        } catch {
            return false;
        }
    }
}
