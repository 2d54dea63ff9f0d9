import fs from "fs";
import { encryptKeystoreJson, Wallet } from "ethers";
import type { Provider } from "ethers";
import { SignerError } from "./index";
import { readSecret } from "./secret";
import { describeSpec, KeystoreSpec } from "./spec";

/**
 * An encrypted JSON keystore (Web3 Secret Storage v3: scrypt or pbkdf2, aes-128-ctr, as geth and ethers
 * write it), decrypted in memory with the password from `passwordFile` or the terminal. A missing or
 * malformed file, a wrong password or a file whose address is not its key's is one line naming the account.
 */
export async function openKeystore(spec: KeystoreSpec, provider: Provider | null): Promise<Wallet> {
  const json = readKeystore(spec);
  let password: string;
  try {
    password = await readSecret(spec.passwordFile, `the password of ${describeSpec(spec)}`);
  } catch (e) {
    throw new SignerError(spec, (e as Error).message.replace(/^the password of .*?: /, "password: "));
  }
  let wallet: Wallet;
  try {
    wallet = (await Wallet.fromEncryptedJson(json.text, password)) as Wallet;
  } catch (e) {
    const message = (e as Error).message;
    if (/incorrect password/i.test(message)) throw new SignerError(spec, "wrong password (the keystore's MAC does not match)");
    throw new SignerError(spec, `the keystore cannot be decrypted: ${message.split("\n")[0]}`);
  }
  if (json.address && json.address.toLowerCase() !== wallet.address.slice(2).toLowerCase()) {
    throw new SignerError(spec, `the file says address 0x${json.address} but its key is ${wallet.address}`);
  }
  return wallet.connect(provider);
}

/** The keystore's text and its recorded address (without 0x), checked to be a version 3 keystore. */
function readKeystore(spec: KeystoreSpec): { text: string; address?: string } {
  let text: string;
  try {
    text = fs.readFileSync(spec.file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SignerError(spec, code === "ENOENT" ? "the keystore file does not exist" : `the keystore file cannot be read (${code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SignerError(spec, "the keystore file is not JSON");
  }
  const doc = parsed as { version?: unknown; crypto?: unknown; Crypto?: unknown; address?: unknown };
  if (typeof parsed !== "object" || parsed === null || doc.version !== 3 || (doc.crypto === undefined && doc.Crypto === undefined)) {
    throw new SignerError(spec, "the file is not a version 3 encrypted keystore (Web3 Secret Storage)");
  }
  return { text, address: typeof doc.address === "string" ? doc.address.replace(/^0x/, "") : undefined };
}

/**
 * Writes a new random key as an encrypted keystore at `file` (mode 600, never over an existing file) and
 * returns its address. `scryptN` is the scrypt cost: 2^17 (ethers' and geth's light default is lower) unless
 * a test asks for less.
 */
export async function createKeystore(file: string, password: string, scryptN = 1 << 17): Promise<string> {
  if (password.length < 8) throw new Error("a keystore password needs at least 8 characters");
  if (fs.existsSync(file)) throw new Error(`${file} exists already: a keystore is never overwritten`);
  const wallet = Wallet.createRandom();
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: scryptN } });
  fs.writeFileSync(file, json, { mode: 0o600, flag: "wx" });
  return wallet.address;
}
