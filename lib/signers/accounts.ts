import { AbstractSigner } from "ethers";
import type { Provider, TransactionLike, TransactionRequest, TypedDataDomain, TypedDataField } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { parsePrivateKey } from "../format";
import { isDevelopmentNetwork } from "../networks";
import { accountAddress, openSigner, SignerError } from "./index";
import { readSignerFile, RawKeySpec, SignerSpec } from "./spec";

/** The variables that hold raw private keys (refused off development networks unless ALLOW_RAW_KEYS=1). */
export const RAW_KEY_VARIABLES = ["DEPLOYER_PRIVATE_KEY", "OPERATOR_PRIVATE_KEYS"] as const;

/**
 * Where the accounts of `network` sign, in account order (account 0 deploys and holds the default admin):
 * - SIGNERS_FILE, an accounts file (lib/signers/spec.ts), on any network. On a development network it
 *   replaces the development keys and keeps their layout (duties on accounts 1 to 5, 10 and 11).
 * - else, on a development network: undefined, the development mnemonic's keys (lib/devnet.ts).
 * - else raw keys from DEPLOYER_PRIVATE_KEY and OPERATOR_PRIVATE_KEYS, only with ALLOW_RAW_KEYS=1
 *   (tests, throwaway networks): a bank's keys are in an HSM, a keystore or a signing service.
 * - else none: read-only commands need no account; a command that signs says what to set.
 */
export function accountSpecs(network: string, env: NodeJS.ProcessEnv = process.env): SignerSpec[] | undefined {
  const file = env.SIGNERS_FILE?.trim();
  if (file) return readSignerFile(file);
  if (isDevelopmentNetwork(network, env)) return undefined;
  const raw = rawKeySpecs(env);
  if (raw.length > 0 && env.ALLOW_RAW_KEYS?.trim() !== "1") {
    const set = RAW_KEY_VARIABLES.filter((v) => env[v]?.trim());
    throw new Error(`network ${network}: ${set.join(" and ")} ${set.length > 1 ? "hold raw private keys" : "holds a raw private key"}, refused on a network that is not a development network: give the accounts in SIGNERS_FILE (HSM, keystore or signing service), or set ALLOW_RAW_KEYS=1 for a test or throwaway network`);
  }
  return raw;
}

/** Raw keys of DEPLOYER_PRIVATE_KEY then OPERATOR_PRIVATE_KEYS (comma-separated); a malformed one is named. */
export function rawKeySpecs(env: NodeJS.ProcessEnv = process.env): RawKeySpec[] {
  const specs: RawKeySpec[] = [];
  if (env.DEPLOYER_PRIVATE_KEY?.trim()) specs.push({ name: "DEPLOYER_PRIVATE_KEY", backend: "raw", key: parsePrivateKey(env.DEPLOYER_PRIVATE_KEY, "DEPLOYER_PRIVATE_KEY") });
  const operators = (env.OPERATOR_PRIVATE_KEYS ?? "").split(",").map((k) => k.trim()).filter((k) => k !== "");
  for (const [i, key] of operators.entries()) {
    specs.push({ name: `OPERATOR_PRIVATE_KEYS[${i}]`, backend: "raw", key: parsePrivateKey(key, `OPERATOR_PRIVATE_KEYS entry ${i}`) });
  }
  return specs;
}

/** Why `network` has no account to sign with, in one line naming what to set; undefined when it has some. */
export function missingAccounts(network: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const specs = accountSpecs(network, env);
  if (specs === undefined || specs.length > 0) return undefined;
  return `network ${network} has no account to sign with: set SIGNERS_FILE (an accounts file naming each account's HSM key, keystore or signing service)`;
}

/** A configured account's signer, with its address known up front (as Hardhat's own signers have it). */
export type AccountSigner = AbstractSigner & { readonly address: string };

/** Opened accounts per runtime and accounts setting (PINs and passwords asked once per run). */
const opened = new WeakMap<HardhatRuntimeEnvironment, Map<string, Promise<AccountSigner[]>>>();

/**
 * The signers of the connected network, in account order, connected to its provider: the accounts file's
 * or the raw keys' (opened once per run and setting, PINs and passwords asked once), or Hardhat's
 * development accounts. A network without any is one line naming SIGNERS_FILE.
 */
export async function networkSigners(hre: HardhatRuntimeEnvironment): Promise<AccountSigner[]> {
  const name = hre.network.name;
  const specs = accountSpecs(name);
  if (specs === undefined) return (await hre.ethers.getSigners()) as unknown as AccountSigner[];
  const missing = missingAccounts(name);
  if (missing) throw new Error(`${missing}; this command signs, read-only commands need no account`);
  const byRuntime = opened.get(hre) ?? new Map<string, Promise<AccountSigner[]>>();
  opened.set(hre, byRuntime);
  const key = `${name}\n${JSON.stringify(specs)}`;
  let signers = byRuntime.get(key);
  if (!signers) {
    const configured = hre.network.config.gasPrice;
    const gasPrice = typeof configured === "number" ? BigInt(configured) : undefined;
    signers = Promise.all(specs.map((spec) => NetworkSigner.over(spec, hre.ethers.provider, gasPrice)));
    byRuntime.set(key, signers);
    signers.catch(() => byRuntime.delete(key));
  }
  return signers;
}

/**
 * An account's signer as the network uses it: its address known up front (`address`, as Hardhat's signers
 * have it), its backend opened when it first signs (a command asks only for the PIN or password of the
 * accounts it signs with; an HSM key is opened at once, since its address is read through its session),
 * and the network's fixed gas price (hardhat.config.ts: 0 on the QBFT network) on a transaction that
 * names none, as Hardhat's own accounts get it. Signing stays with the backend.
 */
export class NetworkSigner extends AbstractSigner {
  private inner?: Promise<AbstractSigner>;

  private constructor(readonly spec: SignerSpec, readonly address: string, private readonly gasPrice: bigint | undefined, provider: Provider | null, inner?: Promise<AbstractSigner>) {
    super(provider);
    this.inner = inner;
  }

  static async over(spec: SignerSpec, provider: Provider | null, gasPrice: bigint | undefined): Promise<NetworkSigner> {
    if (spec.backend === "pkcs11") {
      const inner = await openSigner(spec, provider);
      return new NetworkSigner(spec, await inner.getAddress(), gasPrice, provider, Promise.resolve(inner));
    }
    return new NetworkSigner(spec, await accountAddress(spec), gasPrice, provider);
  }

  /** The backend's signer, opened once; a keystore whose key is not the address it records is refused. */
  private backend(): Promise<AbstractSigner> {
    this.inner ??= openSigner(this.spec, this.provider).then(async (signer) => {
      const actual = await signer.getAddress();
      if (actual !== this.address) throw new SignerError(this.spec, `its key is ${actual}, not the address ${this.address} the configuration gives`);
      return signer;
    });
    this.inner.catch(() => { this.inner = undefined; });
    return this.inner;
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: Provider | null): NetworkSigner {
    return new NetworkSigner(this.spec, this.address, this.gasPrice, provider, this.inner?.then((s) => s.connect(provider)));
  }

  async populateTransaction(tx: TransactionRequest): Promise<TransactionLike<string>> {
    const fixed = this.gasPrice !== undefined && tx.gasPrice == null && tx.maxFeePerGas == null && tx.maxPriorityFeePerGas == null;
    return super.populateTransaction(fixed ? { ...tx, gasPrice: this.gasPrice, type: tx.type ?? 0 } : tx);
  }

  async signTransaction(tx: TransactionRequest): Promise<string> {
    return (await this.backend()).signTransaction(tx);
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.backend()).signMessage(message);
  }

  async signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    return (await this.backend()).signTypedData(domain, types, value);
  }
}
