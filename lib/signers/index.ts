import fs from "fs";
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

/**
 * An account's address without its secret where the backend allows: a raw key's, a keystore's recorded
 * address, a signing service's configured one, an HSM key's public key (read with the PIN when the token
 * keeps public objects private). For `keys:list`.
 */
export async function accountAddress(spec: SignerSpec): Promise<string> {
  const { getAddress, Wallet } = await import("ethers");
  switch (spec.backend) {
    case "raw":
      return new Wallet(spec.key).address;
    case "external":
      return spec.address;
    case "keystore": {
      let recorded: unknown;
      try {
        recorded = (JSON.parse(fs.readFileSync(spec.file, "utf8")) as { address?: unknown }).address;
      } catch {
        // opened below, which names what is wrong with the file
      }
      if (typeof recorded === "string" && /^(0x)?[0-9a-fA-F]{40}$/.test(recorded)) return getAddress(`0x${recorded.replace(/^0x/, "").toLowerCase()}`);
      return (await openSigner(spec, null)).getAddress();
    }
    case "pkcs11": {
      const { listPkcs11Keys } = await import("./pkcs11");
      let keys: { label: string; address: string }[];
      try {
        keys = await listPkcs11Keys(spec.module, spec.token, spec.pinFile);
      } catch (e) {
        throw new SignerError(spec, (e as Error).message);
      }
      const key = keys.find((k) => k.label === spec.key);
      if (!key) throw new SignerError(spec, `no key labelled "${spec.key}" on the token (keys: ${keys.map((k) => k.label).join(", ") || "none"})`);
      return key.address;
    }
  }
}
