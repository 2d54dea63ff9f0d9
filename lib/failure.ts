// Browser-safe: imports nothing of node or Hardhat.

/**
 * The stable codes of a command's failure, as `--json` prints them (`{"error": {"code", "message"}}`).
 * Scripts branch on the code; the message is for people and may be reworded.
 */
export const FAILURE_CODES = {
  /** An option, variable or file content is malformed or out of range; nothing was sent. */
  BAD_INPUT: "an option, variable or file content is malformed or out of range; nothing was sent",
  /** The contract (or a check made before sending) refused the call; nothing was sent. `reason` names the custom error. */
  REFUSED: "the contract, simulated before sending, refused the call (or the signer lacks the role); nothing was sent",
  /** A deployment record, a file, a currency, a security, a trade, a participant or a request does not exist. */
  NOT_FOUND: "a deployment record, file or on-chain record named by an option does not exist; nothing was sent",
  /** A transaction was sent and failed (reverted, or was dropped before it was mined). */
  FAILED: "a transaction was sent and failed or was dropped",
  /** An account's signer could not be opened or refused to sign (HSM, keystore, signing service); nothing was sent. */
  SIGNER: "an account's signer could not be opened or refused to sign; nothing was sent",
  /** The back office's ledger and the chain differ (ledger reconcile); each difference is reported. */
  DIFFERS: "the ledger and the chain differ; each difference is reported",
  /** The network's node does not answer. */
  NETWORK: "the network's node does not answer; nothing was sent",
} as const;

export type FailureCode = keyof typeof FAILURE_CODES;

/** A failure with its stable code and, for a contract's refusal, the custom error's name as `reason`. */
export class Failure extends Error {
  constructor(readonly code: FailureCode, message: string, readonly reason?: string) {
    super(message);
    this.name = "Failure";
  }
}

/** The code of any error a command ends with: a Failure's own code, else BAD_INPUT. */
export function failureCode(error: unknown): { code: FailureCode; reason?: string } {
  if (error instanceof Failure) return error.reason === undefined ? { code: error.code } : { code: error.code, reason: error.reason };
  return { code: "BAD_INPUT" };
}
