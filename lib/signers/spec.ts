import { getAddress, isAddress } from "ethers";
import { readJsonFile } from "../files";
import { isObject } from "../json";

/**
 * Where each account of a network signs. A bank's duty keys live in an HSM (PKCS#11), an encrypted
 * keystore or a signing service; raw keys in environment variables only on development networks or when
 * ALLOW_RAW_KEYS=1 says so. The accounts file (SIGNERS_FILE) lists them in account order:
 *
 *   { "accounts": [
 *     { "name": "admin",      "backend": "pkcs11",   "module": "/usr/lib/softhsm/libsofthsm2.so",
 *       "token": "bank-duties", "key": "admin-2026", "pinFile": "/run/secrets/hsm-pin" },
 *     { "name": "compliance", "backend": "keystore", "file": "keys/compliance.json", "passwordFile": "/run/secrets/compliance" },
 *     { "name": "guardian",   "backend": "external", "url": "http://127.0.0.1:8550", "address": "0x..." } ] }
 *
 * Secrets (PIN, password) are read from a file or asked at the terminal, never taken from the command line
 * or the environment. Relative paths are relative to the accounts file.
 */
export type SignerSpec = Pkcs11Spec | KeystoreSpec | ExternalSpec | RawKeySpec;

/** A key generated inside a PKCS#11 token (an HSM; SoftHSM2 in tests), found by the token's and the key's labels. */
export interface Pkcs11Spec {
  name: string;
  backend: "pkcs11";
  /** The PKCS#11 module (the vendor's library: libsofthsm2.so, Luna's libCryptoki2_64.so, ...). */
  module: string;
  /** The token's label (CKA_LABEL of the slot's token). */
  token: string;
  /** The key's label (CKA_LABEL of its private and public key objects). */
  key: string;
  /** A file holding the user PIN; without it, the PIN is asked at the terminal. */
  pinFile?: string;
}

/** An encrypted JSON keystore (Web3 Secret Storage v3, as geth and ethers write it). */
export interface KeystoreSpec {
  name: string;
  backend: "keystore";
  file: string;
  /** A file holding the password; without it, the password is asked at the terminal. */
  passwordFile?: string;
}

/** An account of a signing service speaking Clef's external API (account_signTransaction, account_signTypedData). */
export interface ExternalSpec {
  name: string;
  backend: "external";
  url: string;
  address: string;
}

/** A raw private key from an environment variable (DEPLOYER_PRIVATE_KEY, OPERATOR_PRIVATE_KEYS). */
export interface RawKeySpec {
  name: string;
  backend: "raw";
  key: string;
}

export const BACKENDS = ["pkcs11", "keystore", "external"] as const;

const FIELDS: Record<(typeof BACKENDS)[number], { required: string[]; optional: string[] }> = {
  pkcs11: { required: ["module", "token", "key"], optional: ["pinFile"] },
  keystore: { required: ["file"], optional: ["passwordFile"] },
  external: { required: ["url", "address"], optional: [] },
};

const PATH_FIELDS = ["module", "pinFile", "file", "passwordFile"];

/**
 * The accounts of an accounts file, checked field by field: every problem is one line naming the file,
 * the account (by position and name) and the field. Relative paths are resolved against the file's folder.
 */
export function readSignerFile(file: string): SignerSpec[] {
  const what = `SIGNERS_FILE ${file}`;
  const content = readJsonFile<Record<string, unknown>>(file, what, "an accounts file ({\"accounts\": [...]})");
  return parseSignerList(content.accounts, what, (p) => resolveFrom(file, p));
}

function resolveFrom(file: string, p: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require("path") as typeof import("path");
  return path.isAbsolute(p) ? p : path.resolve(path.dirname(file), p);
}

/** The accounts of a parsed accounts file (see readSignerFile). */
export function parseSignerList(accounts: unknown, what: string, resolve: (p: string) => string = (p) => p): SignerSpec[] {
  if (!Array.isArray(accounts) || accounts.length === 0) throw new Error(`${what}: "accounts" must be a non-empty list of accounts`);
  const names = new Set<string>();
  return accounts.map((entry, i) => {
    const at = `${what}: account ${i}`;
    if (!isObject(entry)) throw new Error(`${at} is not an object`);
    const name = entry.name;
    if (typeof name !== "string" || name.trim() === "") throw new Error(`${at} has no "name"`);
    const named = `${at} ("${name}")`;
    if (names.has(name)) throw new Error(`${named}: the name is used by an earlier account`);
    names.add(name);
    const backend = entry.backend;
    if (typeof backend !== "string" || !(BACKENDS as readonly string[]).includes(backend)) {
      throw new Error(`${named}: "backend" is ${JSON.stringify(backend)}; expected one of ${BACKENDS.join(", ")}`);
    }
    const fields = FIELDS[backend as (typeof BACKENDS)[number]];
    for (const key of Object.keys(entry)) {
      if (key === "name" || key === "backend") continue;
      if (["pin", "password", "privateKey", "key"].includes(key) && !fields.required.includes(key) && !fields.optional.includes(key)) {
        throw new Error(`${named}: "${key}" would put a secret in the file; give a "${backend === "pkcs11" ? "pinFile" : "passwordFile"}" or let the command ask at the terminal`);
      }
      if (!fields.required.includes(key) && !fields.optional.includes(key)) {
        throw new Error(`${named}: unknown field "${key}" for backend ${backend} (fields: ${[...fields.required, ...fields.optional].join(", ")})`);
      }
    }
    const spec: Record<string, string> = { name, backend };
    for (const key of [...fields.required, ...fields.optional]) {
      const value = entry[key];
      if (value === undefined && fields.optional.includes(key)) continue;
      if (typeof value !== "string" || value.trim() === "") throw new Error(`${named}: "${key}" must be a non-empty string`);
      spec[key] = PATH_FIELDS.includes(key) ? resolve(value.trim()) : value.trim();
    }
    if (backend === "external") {
      if (!isAddress(spec.address)) throw new Error(`${named}: "address" ${spec.address} is not an address`);
      spec.address = getAddress(spec.address.toLowerCase());
      if (!/^https?:\/\//.test(spec.url)) throw new Error(`${named}: "url" ${spec.url} is not an http(s) URL`);
    }
    return spec as unknown as SignerSpec;
  });
}

/** How an account is named in messages: `account "issuer" (pkcs11 key "issuer-2026" on token "bank-duties")`. */
export function describeSpec(spec: SignerSpec): string {
  switch (spec.backend) {
    case "pkcs11":
      return `account "${spec.name}" (pkcs11 key "${spec.key}" on token "${spec.token}")`;
    case "keystore":
      return `account "${spec.name}" (keystore ${spec.file})`;
    case "external":
      return `account "${spec.name}" (signing service ${spec.url}, ${spec.address})`;
    case "raw":
      return `account "${spec.name}" (raw key)`;
  }
}
