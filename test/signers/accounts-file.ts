import fs from "fs";
import path from "path";
import { encryptKeystoreJson, HDNodeWallet, Mnemonic } from "ethers";
import { DEV_MNEMONIC } from "../../lib/devnet";
import { generatePkcs11Key } from "../../lib/signers/pkcs11";
import type { KeystoreSpec, Pkcs11Spec } from "../../lib/signers/spec";
import type { SoftHsmToken } from "./softhsm";

/** The password of the keystores tests write (scrypt N = 2^10: the format of 2^17, faster). */
export const TEST_KEYSTORE_PASSWORD = "test keystore password";

/** The development key of account `index` (the public Hardhat mnemonic). */
export const developmentKey = (index: number): HDNodeWallet => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);

/** The password file of the test keystores in `dir` (mode 600), written once. */
export function testPasswordFile(dir: string): string {
  const file = path.join(dir, "keystore-password");
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${TEST_KEYSTORE_PASSWORD}\n`, { mode: 0o600 });
  return file;
}

/** An encrypted keystore of development account `index` in `dir`, and its accounts-file entry. */
export async function developmentKeystore(index: number, dir: string): Promise<{ spec: KeystoreSpec; address: string }> {
  const key = developmentKey(index);
  const file = path.join(dir, `account-${index}.json`);
  fs.writeFileSync(file, await encryptKeystoreJson({ address: key.address, privateKey: key.privateKey }, TEST_KEYSTORE_PASSWORD, { scrypt: { N: 1 << 10 } }));
  return { spec: { name: `account-${index}`, backend: "keystore", file, passwordFile: testPasswordFile(dir) }, address: key.address };
}

/**
 * An accounts file of `count` accounts in `dir`: those of `hsm` (account index to key label) are keys
 * generated inside the SoftHSM2 `token`, every other one a keystore of its development key (so the
 * README's client addresses stay theirs). Gives the file and each account's address by index.
 */
export async function mixedAccountsFile(dir: string, token: SoftHsmToken, hsm: Map<number, string>, count: number): Promise<{ file: string; addresses: string[] }> {
  const accounts: (Pkcs11Spec | KeystoreSpec)[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = hsm.get(i);
    if (label !== undefined) {
      const spec: Pkcs11Spec = { name: label, backend: "pkcs11", module: token.module, token: token.token, key: label, pinFile: token.pinFile };
      addresses.push(await generatePkcs11Key(spec));
      accounts.push(spec);
    } else {
      const { spec, address } = await developmentKeystore(i, dir);
      accounts.push(spec);
      addresses.push(address);
    }
  }
  const file = path.join(dir, "accounts.json");
  fs.writeFileSync(file, JSON.stringify({ accounts }, null, 2));
  return { file, addresses };
}

/** The duty accounts of the development layout (admin 0, duties 1 to 5, guardian 10, second officer 11) and their HSM key labels. */
export const DUTY_KEY_LABELS = new Map<number, string>([
  [0, "admin"], [1, "compliance"], [2, "issuer"], [3, "reserve"], [4, "pauser"], [5, "upgrader"], [10, "guardian"], [11, "second-issuer"],
]);
