import fs from "fs";
import { createHash, randomBytes } from "crypto";
import {
  AbstractSigner,
  copyRequest,
  getAddress,
  hashMessage,
  keccak256,
  recoverAddress,
  resolveAddress,
  resolveProperties,
  Signature,
  toBeHex,
  Transaction,
  TypedDataEncoder,
} from "ethers";
import type { Provider, TransactionLike, TransactionRequest, TypedDataDomain, TypedDataField } from "ethers";
import * as pkcs11js from "pkcs11js";
import { Failure } from "../failure";
import { SignerError } from "./index";
import { readSecret } from "./secret";
import { describeSpec, Pkcs11Spec } from "./spec";

/**
 * A key generated inside a PKCS#11 token (an HSM; SoftHSM2 in tests). The private key never leaves the
 * token: it is sensitive and not extractable, and the token signs 32-byte digests with CKM_ECDSA. The
 * address comes from the public key object's CKA_EC_POINT. The token returns r||s with s high about half
 * the time; every signature is normalised to low s (EIP-2) and its recovery id found by recovering against
 * the key's address: a signature that recovers to neither candidate is an error, never returned.
 *
 * A module is loaded and initialised once per process and path, shared by every account on it; each token
 * has one session, logged in once with the user PIN. closePkcs11() logs out and finalises (it holds no
 * timers, so a process that does not call it still ends).
 */

/** secp256k1's group order, and half of it: an s above the half is replaced by n - s. */
const SECP256K1_N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const HALF_N = SECP256K1_N >> 1n;

/** DER of the OID 1.3.132.0.10 (secp256k1), as CKA_EC_PARAMS holds it. */
export const SECP256K1_EC_PARAMS = Buffer.from("06052b8104000a", "hex");

/** What a token said, in words, with the CKR_ name. */
const CKR_WORDS: Record<string, string> = {
  CKR_PIN_INCORRECT: "wrong PIN",
  CKR_PIN_LOCKED: "the user PIN is locked after too many wrong PINs (the token's security officer must unlock it)",
  CKR_PIN_EXPIRED: "the user PIN has expired and must be changed",
  CKR_PIN_LEN_RANGE: "the PIN has a length the token does not accept (so it is wrong)",
  CKR_USER_PIN_NOT_INITIALIZED: "the token's user PIN was never set",
  CKR_USER_NOT_LOGGED_IN: "the session is not logged in",
  CKR_KEY_FUNCTION_NOT_PERMITTED: "the HSM refuses to sign with this key (CKA_SIGN is not set)",
  CKR_KEY_TYPE_INCONSISTENT: "the HSM refuses to sign with this key (its type does not fit ECDSA)",
  CKR_MECHANISM_INVALID: "the HSM does not offer ECDSA signing (CKM_ECDSA)",
  CKR_ATTRIBUTE_SENSITIVE: "the token refuses to reveal a sensitive attribute",
  CKR_TOKEN_NOT_PRESENT: "the token is not present",
  CKR_TOKEN_NOT_RECOGNIZED: "the token is not recognised",
  CKR_DEVICE_REMOVED: "the token was removed",
  CKR_DEVICE_ERROR: "the HSM reports a device error",
  CKR_DEVICE_MEMORY: "the HSM is out of memory",
  CKR_SESSION_HANDLE_INVALID: "the session with the token was lost",
  CKR_SESSION_CLOSED: "the session with the token was closed",
  CKR_SESSION_COUNT: "the token has no free session",
  CKR_TEMPLATE_INCONSISTENT: "the token refuses the key's attributes",
  CKR_FUNCTION_FAILED: "the HSM failed the operation",
  CKR_GENERAL_ERROR: "the HSM reports a general error",
  CKR_DATA_LEN_RANGE: "the HSM refuses a digest of this length",
  CKR_OPERATION_ACTIVE: "the HSM is busy with another operation on this session",
  CKR_CRYPTOKI_NOT_INITIALIZED: "the PKCS#11 module is not initialised",
};

const CKR_NAMES: Map<number, string> = new Map(
  Object.entries(pkcs11js)
    .filter(([name, value]) => name.startsWith("CKR_") && typeof value === "number")
    .map(([name, value]) => [value as number, name]),
);

/** A PKCS#11 error (or any error) in words: `wrong PIN (CKR_PIN_INCORRECT)`; an unknown code by its name or number. */
export function describePkcs11Error(error: unknown): string {
  const code = pkcs11Code(error);
  if (code === undefined) return (error as Error).message.split("\n")[0];
  const name = CKR_NAMES.get(code) ?? `CKR 0x${code.toString(16)}`;
  const words = CKR_WORDS[name];
  return words ? `${words} (${name})` : `the token answered ${name}`;
}

function pkcs11Code(error: unknown): number | undefined {
  if (error instanceof pkcs11js.Pkcs11Error) return error.code;
  return undefined;
}

/** A problem found while opening or using a token, before it is named by account (SignerError) or by token. */
class Problem extends Error {}

interface Token {
  label: string;
  slot: Buffer;
  session: Buffer;
  /** sha256 of the PIN it was logged in with: an account on the same token with another PIN is refused. */
  pinHash: string;
}

interface Module {
  path: string;
  library: pkcs11js.PKCS11;
  tokens: Map<string, Token>;
  open: boolean;
}

const modules = new Map<string, Module>();

/** The module at `path`, loaded and initialised once per process. */
function loadModule(path: string): Module {
  const known = modules.get(path);
  if (known) return known;
  if (!fs.existsSync(path)) throw new Problem(`the PKCS#11 module ${path} does not exist`);
  const library = new pkcs11js.PKCS11();
  try {
    library.load(path);
  } catch (e) {
    const message = (e as Error).message;
    if (/C_GetFunctionList/.test(message)) throw new Problem(`${path} is not a PKCS#11 module (it has no C_GetFunctionList)`);
    throw new Problem(`${path} is not a PKCS#11 module (${message.replace(`${path}: `, "")})`);
  }
  try {
    library.C_Initialize();
  } catch (e) {
    if (pkcs11Code(e) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      library.close();
      throw new Problem(`the PKCS#11 module ${path} does not initialise: ${describePkcs11Error(e)}`);
    }
  }
  const module: Module = { path, library, tokens: new Map(), open: true };
  modules.set(path, module);
  return module;
}

/** The initialised tokens of a module by label (a label padded with blanks, as PKCS#11 stores it, is trimmed). */
function tokenSlots(module: Module): Map<string, Buffer[]> {
  const found = new Map<string, Buffer[]>();
  for (const slot of module.library.C_GetSlotList(true)) {
    const info = module.library.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    const label = info.label.replace(/[\s\0]+$/, "");
    found.set(label, [...(found.get(label) ?? []), slot]);
  }
  return found;
}

/** The session of the token labelled `label`, opened and logged in once; `pin` is asked only the first time. */
async function openToken(module: Module, label: string, pin: () => Promise<string>): Promise<Token> {
  const known = module.tokens.get(label);
  if (known) {
    if (sha256(await pin()) !== known.pinHash) {
      throw new Problem(`wrong PIN: it is not the PIN token "${label}" is logged in with`);
    }
    return known;
  }
  const slots = tokenSlots(module);
  const matching = slots.get(label) ?? [];
  if (matching.length === 0) {
    const present = [...slots.keys()].sort().map((l) => `"${l}"`).join(", ");
    throw new Problem(`no token labelled "${label}" on ${module.path} (tokens present: ${present || "none"})`);
  }
  if (matching.length > 1) throw new Problem(`${matching.length} tokens are labelled "${label}" on ${module.path}; a label must name one token`);
  const slot = matching[0];
  if ((module.library.C_GetTokenInfo(slot).flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0) {
    throw new Problem(describePkcs11Error(new pkcs11js.Pkcs11Error("CKR_PIN_LOCKED", pkcs11js.CKR_PIN_LOCKED, "C_Login")));
  }
  const secret = await pin();
  const session = module.library.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    module.library.C_Login(session, pkcs11js.CKU_USER, secret);
  } catch (e) {
    if (pkcs11Code(e) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
      module.library.C_CloseSession(session);
      throw new Problem(describePkcs11Error(e));
    }
  }
  const token: Token = { label, slot, session, pinHash: sha256(secret) };
  module.tokens.set(label, token);
  return token;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The PIN reader of an account: a file or the terminal, its problems in one line. */
function pinOf(pinFile: string | undefined, what: string): () => Promise<string> {
  return async () => {
    try {
      return await readSecret(pinFile, what);
    } catch (e) {
      throw new Problem((e as Error).message.replace(what, "PIN"));
    }
  };
}

function find(module: Module, token: Token, template: pkcs11js.Template): Buffer[] {
  const { library } = module;
  library.C_FindObjectsInit(token.session, template);
  try {
    return library.C_FindObjects(token.session, 1000);
  } finally {
    library.C_FindObjectsFinal(token.session);
  }
}

function attribute(module: Module, token: Token, handle: Buffer, type: number): Buffer {
  return module.library.C_GetAttributeValue(token.session, handle, [{ type }])[0].value as Buffer;
}

function attributeOrUndefined(module: Module, token: Token, handle: Buffer, type: number): Buffer | undefined {
  try {
    return attribute(module, token, handle, type);
  } catch {
    return undefined;
  }
}

/** The 64 bytes x||y of a CKA_EC_POINT: DER OCTET STRING (04 41) around an uncompressed point (04 x y), or the bare point. */
export function ecPointXY(ecPoint: Buffer): Buffer {
  let point = ecPoint;
  if (point.length === 67 && point[0] === 0x04 && point[1] === 0x41) point = point.subarray(2);
  if (point.length !== 65 || point[0] !== 0x04) throw new Problem(`the public key's CKA_EC_POINT is not an uncompressed point (${point.length} bytes)`);
  return point.subarray(1);
}

/** The address of a public key's 64 bytes x||y: the last 20 bytes of its keccak-256. */
export function addressOfXY(xy: Buffer): string {
  return getAddress("0x" + keccak256(xy).slice(-40));
}

interface KeyPair {
  privateKey: Buffer;
  address: string;
}

/** The one secp256k1 private key labelled `label` on the token and the address of its public key. */
function findKeyPair(module: Module, token: Token, label: string): KeyPair {
  const privateKeys = find(module, token, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  if (privateKeys.length === 0) {
    const present = keyLabels(module, token).map((l) => `"${l}"`).join(", ");
    throw new Problem(`no private key labelled "${label}" on token "${token.label}" (private keys present: ${present || "none"})`);
  }
  if (privateKeys.length > 1) throw new Problem(`${privateKeys.length} private keys are labelled "${label}" on token "${token.label}"; a label must name one key`);
  const privateKey = privateKeys[0];
  checkSecp256k1(module, token, privateKey, label);
  return { privateKey, address: addressOfXY(ecPointXY(publicPoint(module, token, privateKey, label))) };
}

/** Refuses a key that is not an EC key on secp256k1, naming what it is. */
function checkSecp256k1(module: Module, token: Token, key: Buffer, label: string): void {
  const keyType = attribute(module, token, key, pkcs11js.CKA_KEY_TYPE).readUIntLE(0, 4);
  if (keyType !== pkcs11js.CKK_EC) {
    const name = Object.entries(pkcs11js).find(([n, v]) => n.startsWith("CKK_") && v === keyType)?.[0] ?? `key type ${keyType}`;
    throw new Problem(`key "${label}" is not a secp256k1 EC key (it is ${name})`);
  }
  const params = attribute(module, token, key, pkcs11js.CKA_EC_PARAMS);
  if (!params.equals(SECP256K1_EC_PARAMS)) {
    throw new Problem(`key "${label}" is an EC key on another curve than secp256k1 (CKA_EC_PARAMS ${params.toString("hex")})`);
  }
}

/** The CKA_EC_POINT of the public key paired with `privateKey`: same CKA_ID, else the same label. */
function publicPoint(module: Module, token: Token, privateKey: Buffer, label: string): Buffer {
  const id = attributeOrUndefined(module, token, privateKey, pkcs11js.CKA_ID);
  let publicKeys: Buffer[] = [];
  if (id && id.length > 0) publicKeys = find(module, token, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_ID, value: id }]);
  if (publicKeys.length !== 1) {
    publicKeys = find(module, token, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_LABEL, value: label }]);
  }
  if (publicKeys.length === 0) throw new Problem(`key "${label}" has no public key object on token "${token.label}" (the address comes from it)`);
  if (publicKeys.length > 1) throw new Problem(`${publicKeys.length} public keys are labelled "${label}" on token "${token.label}"; a label must name one key`);
  return attribute(module, token, publicKeys[0], pkcs11js.CKA_EC_POINT);
}

function keyLabels(module: Module, token: Token): string[] {
  return find(module, token, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }])
    .map((handle) => attributeOrUndefined(module, token, handle, pkcs11js.CKA_LABEL)?.toString("utf8") ?? "")
    .sort();
}

/** The token's raw signature r||s (64 bytes) of a 32-byte digest; its refusal is a Problem in words. */
function signRaw(module: Module, token: Token, key: Buffer, digest: Buffer): Buffer {
  if (!module.open) throw new Problem("the PKCS#11 module was closed (closePkcs11)");
  try {
    module.library.C_SignInit(token.session, { mechanism: pkcs11js.CKM_ECDSA }, key);
    return module.library.C_Sign(token.session, digest, Buffer.alloc(72));
  } catch (e) {
    const words = describePkcs11Error(e);
    throw new Problem(words.startsWith("the HSM refuses") ? words : `the HSM refuses to sign: ${words}`);
  }
}

/**
 * An Ethereum signature from a token's raw r||s: s normalised to the low half (n - s when above n/2), and
 * the recovery id the one whose recovered address is `address`. Neither recovering to it is an error.
 */
export function toEthereumSignature(digest: string, raw: Uint8Array, address: string): Signature {
  if (raw.length !== 64) throw new Problem(`the HSM returned a signature of ${raw.length} bytes, not r||s of 64`);
  const r = toBeHex(BigInt("0x" + Buffer.from(raw.subarray(0, 32)).toString("hex")), 32);
  let s = BigInt("0x" + Buffer.from(raw.subarray(32)).toString("hex"));
  if (s > HALF_N) s = SECP256K1_N - s;
  const sHex = toBeHex(s, 32);
  for (const v of [27, 28]) {
    const signature = Signature.from({ r, s: sHex, v });
    if (recoverAddress(digest, signature) === address) return signature;
  }
  throw new Problem(`the HSM's signature does not recover to the key's address ${address} (the public key object does not belong to the private key)`);
}

/** An ethers Signer whose key is inside a PKCS#11 token. */
export class Pkcs11Signer extends AbstractSigner {
  constructor(
    readonly spec: Pkcs11Spec,
    readonly address: string,
    private readonly module: Module,
    private readonly token: Token,
    private readonly key: Buffer,
    provider: Provider | null = null,
  ) {
    super(provider);
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: Provider | null): Pkcs11Signer {
    return new Pkcs11Signer(this.spec, this.address, this.module, this.token, this.key, provider);
  }

  /** The token's raw r||s of a 32-byte digest, as it returned it (s may be high). */
  signDigestRaw(digest: string): Buffer {
    return this.guard(() => signRaw(this.module, this.token, this.key, Buffer.from(digest.slice(2), "hex")));
  }

  /** The Ethereum signature (low s, recovery id checked) of a 32-byte digest. */
  signDigest(digest: string): Signature {
    if (!/^0x[0-9a-fA-F]{64}$/.test(digest)) throw new SignerError(this.spec, "a digest to sign must be 32 bytes");
    const raw = this.signDigestRaw(digest);
    return this.guard(() => toEthereumSignature(digest, raw, this.address));
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this) : undefined,
      from: tx.from ? resolveAddress(tx.from, this) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null) {
      if (getAddress(from) !== this.address) throw new SignerError(this.spec, `the transaction is from ${from}, not from this key's address ${this.address}`);
    }
    delete tx.from;
    const unsigned = Transaction.from(tx as TransactionLike<string>);
    if (unsigned.chainId === 0n) throw new SignerError(this.spec, "a transaction without a chain id (replayable on any chain) is not signed");
    if (unsigned.type !== null && unsigned.type > 2) throw new SignerError(this.spec, `transaction type ${unsigned.type} is not signed by this backend (types 0, 1 and 2 are)`);
    unsigned.signature = this.signDigest(unsigned.unsignedHash);
    return unsigned.serialized;
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return this.signDigest(hashMessage(message)).serialized;
  }

  async signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name: string) => {
      if (this.provider == null) throw new SignerError(this.spec, `cannot resolve the name ${name} without a provider`);
      const address = await this.provider.resolveName(name);
      if (address == null) throw new SignerError(this.spec, `the name ${name} resolves to no address`);
      return address;
    });
    return this.signDigest(TypedDataEncoder.hash(populated.domain, types, populated.value)).serialized;
  }

  private guard<T>(run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (e instanceof Problem) throw new SignerError(this.spec, e.message);
      throw e;
    }
  }
}

/**
 * Opens the account's key on its token: loads the module (once per process), logs in to the token (once),
 * finds the one secp256k1 key labelled `spec.key`, derives its address and signs one test digest, so that
 * a key the HSM will not sign with, or a public key that is not the private key's, is refused at once.
 */
export async function openPkcs11(spec: Pkcs11Spec, provider: Provider | null): Promise<Pkcs11Signer> {
  try {
    const module = loadModule(spec.module);
    const token = await openToken(module, spec.token, pinOf(spec.pinFile, `the PIN of ${describeSpec(spec)}`));
    const pair = findKeyPair(module, token, spec.key);
    const probe = keccak256(Buffer.from(`pkcs11 self-test ${pair.address}`));
    toEthereumSignature(probe, signRaw(module, token, pair.privateKey, Buffer.from(probe.slice(2), "hex")), pair.address);
    return new Pkcs11Signer(spec, pair.address, module, token, pair.privateKey, provider);
  } catch (e) {
    if (e instanceof Problem) throw new SignerError(spec, e.message);
    throw e;
  }
}

/**
 * The key ceremony: generates a secp256k1 key pair inside the token (CKM_EC_KEY_PAIR_GEN), the private key
 * a token object, private, sensitive, never extractable, able to sign; the public key able to verify; both
 * labelled `spec.key` with one random CKA_ID. Refuses a label already on the token. Returns the address.
 */
export async function generatePkcs11Key(spec: Pkcs11Spec): Promise<string> {
  try {
    const module = loadModule(spec.module);
    const token = await openToken(module, spec.token, pinOf(spec.pinFile, `the PIN of ${describeSpec(spec)}`));
    const existing = find(module, token, [{ type: pkcs11js.CKA_LABEL, value: spec.key }]);
    if (existing.length > 0) throw new Problem(`the label "${spec.key}" is already on token "${token.label}" (${existing.length} objects); a key ceremony never reuses a label`);
    const id = randomBytes(16);
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: spec.key },
      { type: pkcs11js.CKA_ID, value: id },
    ];
    let pair: pkcs11js.KeyPair;
    try {
      pair = module.library.C_GenerateKeyPair(
        token.session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: pkcs11js.CKA_EC_PARAMS, value: SECP256K1_EC_PARAMS }, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_PRIVATE, value: false }],
        [
          ...common,
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_SIGN, value: true },
        ],
      );
    } catch (e) {
      throw new Problem(`the token does not generate the key: ${describePkcs11Error(e)}`);
    }
    return addressOfXY(ecPointXY(attribute(module, token, pair.publicKey, pkcs11js.CKA_EC_POINT)));
  } catch (e) {
    if (e instanceof Problem) throw new SignerError(spec, e.message);
    throw e;
  }
}

/** A secp256k1 key pair on a token, as keys:list shows it. */
export interface Pkcs11KeyInfo {
  label: string;
  address: string;
  /** CKA_SENSITIVE and CKA_EXTRACTABLE of the private key: a duty key is sensitive and not extractable. */
  sensitive: boolean;
  extractable: boolean;
}

/**
 * Every secp256k1 key pair on the token (private keys of other types or curves are left out), by label.
 * A problem is one line naming the token, code SIGNER.
 */
export async function listPkcs11Keys(modulePath: string, tokenLabel: string, pinFile?: string): Promise<Pkcs11KeyInfo[]> {
  const what = `pkcs11 token "${tokenLabel}" (${modulePath})`;
  try {
    const module = loadModule(modulePath);
    const token = await openToken(module, tokenLabel, pinOf(pinFile, `the PIN of ${what}`));
    const keys: Pkcs11KeyInfo[] = [];
    for (const handle of find(module, token, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC }])) {
      const params = attributeOrUndefined(module, token, handle, pkcs11js.CKA_EC_PARAMS);
      if (!params?.equals(SECP256K1_EC_PARAMS)) continue;
      const label = attributeOrUndefined(module, token, handle, pkcs11js.CKA_LABEL)?.toString("utf8") ?? "";
      let address: string;
      try {
        address = addressOfXY(ecPointXY(publicPoint(module, token, handle, label)));
      } catch {
        continue;
      }
      const flag = (type: number): boolean => attributeOrUndefined(module, token, handle, type)?.[0] === 1;
      keys.push({ label, address, sensitive: flag(pkcs11js.CKA_SENSITIVE), extractable: flag(pkcs11js.CKA_EXTRACTABLE) });
    }
    return keys.sort((a, b) => a.label.localeCompare(b.label));
  } catch (e) {
    if (e instanceof Problem) throw new Failure("SIGNER", `${what}: ${e.message}`);
    throw e;
  }
}

/** Logs out of every token, closes the sessions and finalises every module; signers opened before refuse to sign after. */
export function closePkcs11(): void {
  for (const module of modules.values()) {
    module.open = false;
    for (const token of module.tokens.values()) {
      try {
        module.library.C_Logout(token.session);
      } catch {
        // a session already gone is logged out
      }
      try {
        module.library.C_CloseSession(token.session);
      } catch {
        // likewise closed
      }
    }
    module.tokens.clear();
    try {
      module.library.C_Finalize();
    } finally {
      module.library.close();
    }
  }
  modules.clear();
}
