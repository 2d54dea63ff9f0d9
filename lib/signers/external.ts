import fs from "fs";
import path from "path";
import {
  AbstractSigner,
  getAddress,
  hexlify,
  Interface,
  resolveAddress,
  toUtf8Bytes,
  Transaction,
  TypedDataEncoder,
  verifyMessage,
  verifyTypedData,
} from "ethers";
import type { InterfaceAbi, Provider, TransactionLike, TransactionRequest, TypedDataDomain, TypedDataField } from "ethers";
import { SignerError } from "./index";
import type { ExternalSpec } from "./spec";

/**
 * A signing service holds the key (Clef, GoQuorum's external signer, is the reference): the platform
 * sends it each transaction or typed-data message with what it means, its operator's rules approve or
 * refuse, and the backend checks what comes back before using it. Three small parts:
 *   JsonRpcTransport  JSON-RPC 2.0 over HTTP, every call bounded by a timeout
 *   SigningServiceApi what a service offers, in the backend's terms; clefApi maps it to Clef's methods
 *   ExternalSigner    the ethers Signer: berlin transactions only (type 0 with chainId, or type 1), the
 *                     method signature of each contract call given to the service, every answer checked
 * Another service speaking the same kind of API is one more adapter beside clefApi.
 */

/** How long the service has to list its accounts when the account opens. */
export const LIST_TIMEOUT_MS = 5_000;
/** How long the service has to sign (Clef decrypts the key on every request, about 1 s with geth's scrypt cost). */
export const SIGN_TIMEOUT_MS = 30_000;

/** A call that got no usable answer: the message says why, in words, naming the URL. */
export class TransportError extends Error {
  constructor(message: string, readonly refused = false) {
    super(message);
    this.name = "TransportError";
  }
}

/** JSON-RPC 2.0 over HTTP POST; each call aborts after `timeoutMs`. A JSON-RPC error is a refusal. */
export class JsonRpcTransport {
  private id = 0;
  constructor(readonly url: string, readonly timeoutMs: number) {}

  async call(method: string, params: unknown[], timeoutMs = this.timeoutMs): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++this.id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const error = e as Error & { cause?: { code?: string } };
      if (error.name === "TimeoutError" || error.name === "AbortError") {
        throw new TransportError(`the signing service at ${this.url} does not answer (no answer to ${method} within ${timeoutMs} ms)`);
      }
      const code = error.cause?.code;
      const why = code === "ECONNREFUSED" ? "connection refused" : code ?? error.message;
      throw new TransportError(`the signing service at ${this.url} does not answer (${why})`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      const error = e as Error;
      if (error.name === "TimeoutError" || error.name === "AbortError") {
        throw new TransportError(`the signing service at ${this.url} does not answer (no answer to ${method} within ${timeoutMs} ms)`);
      }
      throw new TransportError(`the signing service at ${this.url} broke off its answer to ${method} (${error.message})`);
    }
    let body: { result?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (body?.error !== undefined && body.error !== null) {
      throw new TransportError(`the signing service refused: ${String(body.error.message ?? JSON.stringify(body.error))}`, true);
    }
    if (!response.ok) throw new TransportError(`the signing service at ${this.url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""} to ${method}`);
    if (body === undefined || typeof body !== "object" || !("result" in body)) {
      throw new TransportError(`the signing service at ${this.url} answered ${method} with something that is not JSON-RPC`);
    }
    return body.result;
  }
}

/** A transaction as the backend asks it to be signed: every field resolved, type 0 (with chainId) or 1. */
export interface TransactionToSign {
  type: 0 | 1;
  from: string;
  to: string | null;
  nonce: number;
  gasLimit: bigint;
  gasPrice: bigint;
  value: bigint;
  data: string;
  chainId: bigint;
  accessList?: { address: string; storageKeys: string[] }[];
}

/** What a signing service offers. Each method returns what the service answered, unchecked. */
export interface SigningServiceApi {
  /** The accounts the service signs for. */
  accounts(): Promise<string[]>;
  /** The raw signed transaction. `method` is the call's signature ("mint(address,uint256)"), when known. */
  signTransaction(tx: TransactionToSign, method: string | undefined): Promise<string>;
  /** An EIP-712 signature of `payload` (domain, types with EIP712Domain, primaryType, message). */
  signTypedData(address: string, payload: unknown): Promise<string>;
  /** An EIP-191 personal-message signature of `message`. */
  signMessage(address: string, message: Uint8Array): Promise<string>;
}

const quantity = (n: bigint | number) => `0x${n.toString(16)}`;

/** Clef's external API: account_list, account_signTransaction, account_signTypedData, account_signData. */
export function clefApi(transport: JsonRpcTransport, listTimeoutMs = LIST_TIMEOUT_MS): SigningServiceApi {
  const url = transport.url;
  const signature = (result: unknown, method: string): string => {
    if (typeof result !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(result)) {
      throw new TransportError(`the signing service at ${url} answered ${method} with ${JSON.stringify(result)}, not a 65-byte signature`);
    }
    return result;
  };
  return {
    async accounts() {
      const result = await transport.call("account_list", [], listTimeoutMs);
      if (!Array.isArray(result) || !result.every((a) => typeof a === "string")) {
        throw new TransportError(`the signing service at ${url} answered account_list with ${JSON.stringify(result)}, not a list of addresses`);
      }
      return result as string[];
    },
    async signTransaction(tx, method) {
      const args: Record<string, unknown> = {
        from: tx.from,
        to: tx.to ?? undefined,
        gas: quantity(tx.gasLimit),
        gasPrice: quantity(tx.gasPrice),
        value: quantity(tx.value),
        nonce: quantity(tx.nonce),
        data: tx.data,
        chainId: quantity(tx.chainId),
      };
      // Clef signs type 1 when the request carries an access list, legacy (EIP-155) otherwise
      if (tx.type === 1) args.accessList = tx.accessList ?? [];
      const params: unknown[] = method === undefined ? [args] : [args, method];
      const result = (await transport.call("account_signTransaction", params)) as { raw?: unknown } | null;
      if (typeof result?.raw !== "string") {
        throw new TransportError(`the signing service at ${url} answered account_signTransaction without a raw transaction`);
      }
      return result.raw;
    },
    async signTypedData(address, payload) {
      return signature(await transport.call("account_signTypedData", [address, payload]), "account_signTypedData");
    },
    async signMessage(address, message) {
      // Clef's "text/plain" is EIP-191 version 0x45: "\x19Ethereum Signed Message:\n" + length + message
      return signature(await transport.call("account_signData", ["text/plain", address, hexlify(message)]), "account_signData");
    },
  };
}

let selectors: Map<string, string> | undefined;

/**
 * The method signature ("mint(address,uint256)") of a call's 4-byte selector, from the ABIs of the
 * project's contracts (artifacts/contracts, mocks excluded); undefined when none has it.
 */
export function methodSignature(data: string, artifacts = path.join(__dirname, "..", "..", "artifacts", "contracts")): string | undefined {
  if (selectors === undefined) selectors = readSelectors(artifacts);
  if (!/^0x[0-9a-fA-F]{8}/.test(data)) return undefined;
  return selectors.get(data.slice(0, 10).toLowerCase());
}

function readSelectors(root: string): Map<string, string> {
  const map = new Map<string, string>();
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "mocks") walk(full);
      } else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        const artifact = JSON.parse(fs.readFileSync(full, "utf8")) as { abi?: InterfaceAbi };
        if (!Array.isArray(artifact.abi)) continue;
        new Interface(artifact.abi).forEachFunction((fn) => {
          if (!map.has(fn.selector)) map.set(fn.selector, fn.format("sighash"));
        });
      }
    }
  };
  walk(root);
  return map;
}

/** An account whose key a signing service holds. Open it with openExternal. */
export class ExternalSigner extends AbstractSigner {
  constructor(readonly spec: ExternalSpec, private readonly api: SigningServiceApi, provider: Provider | null) {
    super(provider);
  }

  async getAddress(): Promise<string> {
    return this.spec.address;
  }

  connect(provider: Provider | null): ExternalSigner {
    return new ExternalSigner(this.spec, this.api, provider);
  }

  /** Fills a berlin transaction: legacy (gasPrice) unless an access list makes it type 1. */
  async populateTransaction(tx: TransactionRequest): Promise<TransactionLike<string>> {
    const request = { ...tx };
    if (request.type == null && request.maxFeePerGas == null && request.maxPriorityFeePerGas == null) {
      request.type = request.accessList == null ? 0 : 1;
    }
    return super.populateTransaction(request);
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = await this.resolve(request);
    const method = tx.to !== null ? methodSignature(tx.data) : undefined;
    const raw = await this.ask(() => this.api.signTransaction(tx, method));
    this.check(tx, raw);
    return raw;
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    const bytes = typeof message === "string" ? toUtf8Bytes(message) : message;
    const signature = await this.ask(() => this.api.signMessage(this.spec.address, bytes));
    this.recovered(verifyMessage(bytes, signature), "message");
    return signature;
  }

  async signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    const resolved = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      if (this.provider === null) throw new SignerError(this.spec, `typed data names ${name}, and there is no provider to resolve it`);
      return resolveAddress(name, this.provider);
    });
    const payload = TypedDataEncoder.getPayload(resolved.domain, types, resolved.value);
    const signature = await this.ask(() => this.api.signTypedData(this.spec.address, payload));
    this.recovered(verifyTypedData(resolved.domain, types, resolved.value, signature), "typed data");
    return signature;
  }

  /** Every field of the transaction, refused in words when it is not one the network and the service take. */
  private async resolve(request: TransactionRequest): Promise<TransactionToSign> {
    const fail = (problem: string) => new SignerError(this.spec, problem);
    const type = request.type ?? (request.maxFeePerGas != null || request.maxPriorityFeePerGas != null ? 2 : request.accessList != null ? 1 : 0);
    if (type === 2) throw fail("an EIP-1559 (type 2) transaction is not signed: the network is berlin; give gasPrice (type 0) or an access list (type 1)");
    if (type !== 0 && type !== 1) throw fail(`a type ${type} transaction is not signed: only legacy (type 0) and access-list (type 1) transactions`);
    if (request.from != null) {
      const from = await resolveAddress(request.from, this.provider);
      if (getAddress(from) !== this.spec.address) throw fail(`the transaction is from ${getAddress(from)}, not from this account`);
    }
    let chainId = request.chainId;
    if (chainId == null && this.provider !== null) chainId = (await this.provider.getNetwork()).chainId;
    if (chainId == null) throw fail("the transaction has no chainId and there is no provider to ask: a transaction without EIP-155 replay protection is not signed");
    for (const field of ["nonce", "gasLimit", "gasPrice"] as const) {
      if (request[field] == null) throw fail(`the transaction has no ${field}`);
    }
    const to = request.to == null ? null : getAddress(await resolveAddress(request.to, this.provider));
    const accessList = type === 1 ? Transaction.from({ type: 1, accessList: request.accessList ?? [] }).accessList ?? [] : undefined;
    return {
      type,
      from: this.spec.address,
      to,
      nonce: Number(request.nonce),
      gasLimit: BigInt(request.gasLimit!),
      gasPrice: BigInt(request.gasPrice!),
      value: BigInt(request.value ?? 0),
      data: hexlify(request.data ?? "0x"),
      chainId: BigInt(chainId),
      accessList,
    };
  }

  /** The service's transaction, parsed: refused unless it is the one asked, signed by this account. */
  private check(asked: TransactionToSign, raw: string): void {
    let signed: Transaction;
    try {
      signed = Transaction.from(raw);
    } catch (e) {
      throw new SignerError(this.spec, `the signing service returned something that is not a signed transaction (${(e as Error).message.split(" (")[0]})`);
    }
    if (signed.from === null || getAddress(signed.from) !== this.spec.address) {
      throw new SignerError(this.spec, `the signing service returned a transaction signed by ${signed.from}, not by this account: refused`);
    }
    const differences: string[] = [];
    const compare = (field: string, got: unknown, want: unknown) => {
      if (String(got) !== String(want)) differences.push(`${field} ${String(got)} instead of ${String(want)}`);
    };
    compare("type", signed.type, asked.type);
    compare("chainId", signed.chainId, asked.chainId);
    compare("nonce", signed.nonce, asked.nonce);
    compare("to", signed.to, asked.to);
    compare("value", signed.value, asked.value);
    compare("gasLimit", signed.gasLimit, asked.gasLimit);
    compare("gasPrice", signed.gasPrice, asked.gasPrice);
    compare("data", signed.data, asked.data);
    if (asked.type === 1) compare("accessList", JSON.stringify(signed.accessList), JSON.stringify(asked.accessList));
    if (differences.length > 0) {
      throw new SignerError(this.spec, `the signing service returned another transaction than the one asked (${differences.join(", ")}): refused`);
    }
  }

  private recovered(signer: string, what: string): void {
    if (getAddress(signer) !== this.spec.address) {
      throw new SignerError(this.spec, `the signing service's ${what} signature recovers to ${getAddress(signer)}, not to this account: refused`);
    }
  }

  /** A service call; its failure is a SignerError naming the account. */
  private async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof TransportError) throw new SignerError(this.spec, e.message);
      throw e;
    }
  }
}

export interface ExternalOptions {
  /** How long account_list may take at open (default LIST_TIMEOUT_MS). */
  listTimeoutMs?: number;
  /** How long a signature may take (default SIGN_TIMEOUT_MS). */
  signTimeoutMs?: number;
}

/**
 * Opens an account of a signing service speaking Clef's API: the service must answer account_list in
 * time and list the account; otherwise a SignerError says which (no answer, not listed, HTTP error).
 */
export async function openExternal(spec: ExternalSpec, provider: Provider | null, options: ExternalOptions = {}): Promise<ExternalSigner> {
  const api = clefApi(new JsonRpcTransport(spec.url, options.signTimeoutMs ?? SIGN_TIMEOUT_MS), options.listTimeoutMs ?? LIST_TIMEOUT_MS);
  let accounts: string[];
  try {
    accounts = await api.accounts();
  } catch (e) {
    if (e instanceof TransportError) throw new SignerError(spec, e.message);
    throw e;
  }
  const listed = accounts.map((a) => (/^0x[0-9a-fA-F]{40}$/.test(a) ? getAddress(a.toLowerCase()) : a));
  if (!listed.includes(spec.address)) {
    throw new SignerError(spec, `the signing service does not list ${spec.address} among its accounts (it lists ${listed.length === 0 ? "none" : listed.join(", ")})`);
  }
  return new ExternalSigner(spec, api, provider);
}
