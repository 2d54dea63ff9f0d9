import type { Interface } from "ethers";

/**
 * Signed payments: the payer signs an EIP-712 TransferWithReferenceAuthorization(address from, address to,
 * uint256 value, bytes32 ref, uint256 validAfter, uint256 validBefore, bytes32 nonce) and anyone submits
 * it to the deposit token. The deposit token of this release does not offer them; this is where the page
 * will sign them (with the same one-module rule as the DvP terms: the domain, types and file format in
 * lib/) once it does.
 */
export function signedPaymentsOffered(depositToken: Interface): boolean {
  return depositToken.getFunction("transferWithReferenceAuthorization") !== null;
}
