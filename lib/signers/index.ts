import type { AbstractSigner, Provider } from "ethers";
import { Failure } from "../failure";
import { describeSpec, SignerSpec } from "./spec";

export type { SignerSpec } from "./spec";

/**
 * Signing is one layer: each account of a network names its backend (lib/signers/spec.ts) and opens
 * as an ethers Signer, whatever holds the key. One module per backend:
 *   pkcs11.ts   a key inside an HSM (PKCS#11), which signs digests; never extractable
 *   keystore.ts an encrypted JSON keystore, decrypted in memory with a password from a file or the terminal
 *   external.ts a signing service speaking Clef's external API over JSON-RPC
 *   raw         a raw key from the environment (development networks, or ALLOW_RAW_KEYS=1)
 * Backends load only when an account uses them, so a command that signs with none loads none.
 */

/** A signer that could not be opened or would not sign: one line naming the account and what is wrong; nothing was sent. */
export class SignerError extends Failure {
  constructor(spec: SignerSpec, problem: string) {
    super("SIGNER", `${describeSpec(spec)}: ${problem}; nothing was sent`);
    this.name = "SignerError";
  }
}

/** Opens one account's signer, connected to `provider`. A misconfiguration is a SignerError naming the account. */
export async function openSigner(spec: SignerSpec, provider: Provider | null): Promise<AbstractSigner> {
  switch (spec.backend) {
    case "raw": {
      const { Wallet } = await import("ethers");
      return new Wallet(spec.key, provider);
    }
    case "keystore":
      return (await import("./keystore")).openKeystore(spec, provider);
    case "pkcs11":
      return (await import("./pkcs11")).openPkcs11(spec, provider);
    case "external":
      return (await import("./external")).openExternal(spec, provider);
  }
}

/** Opens every account in order (account 0 first); the first that cannot be opened fails the whole set. */
export async function openSigners(specs: readonly SignerSpec[], provider: Provider | null): Promise<AbstractSigner[]> {
  const signers: AbstractSigner[] = [];
  for (const spec of specs) signers.push(await openSigner(spec, provider));
  return signers;
}
