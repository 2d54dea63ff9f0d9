import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CommandContext, CommonArgs } from "../../lib/cli/context";
import { out, printTable, toJson } from "../../lib/cli/output";
import { accountAddress } from "../../lib/signers";
import { accountSpecs } from "../../lib/signers/accounts";
import { readSecret } from "../../lib/signers/secret";
import type { KeystoreSpec, Pkcs11Spec, SignerSpec } from "../../lib/signers/spec";
import { describeSpec } from "../../lib/signers/spec";
import { command, standalone } from "./command";
import { holdings } from "./roles";

interface GenerateArgs extends CommonArgs {
  backend: string;
  name?: string;
  module?: string;
  token?: string;
  label?: string;
  pinFile?: string;
  out?: string;
  passwordFile?: string;
}

const need = (value: string | undefined, option: string, backend: string): string => {
  if (value === undefined || value.trim() === "") throw new Error(`${option} is needed with --backend ${backend}`);
  return value.trim();
};

command("keys:generate", "Key ceremony: generate a key inside the HSM (PKCS#11) or a new encrypted keystore; prints its address and its accounts-file entry")
  .addParam("backend", "pkcs11 (a key generated inside the token, never extractable) or keystore (a new encrypted JSON keystore)")
  .addOptionalParam("name", "the account's name in the accounts file (default: the key's label or the keystore's file name)")
  .addOptionalParam("module", "pkcs11: the PKCS#11 module (the HSM vendor's library)")
  .addOptionalParam("token", "pkcs11: the token's label")
  .addOptionalParam("label", "pkcs11: the new key's label (refused when the token has a key with it)")
  .addOptionalParam("pinFile", "pkcs11: a file holding the user PIN (mode 600); without it the PIN is asked at the terminal")
  .addOptionalParam("out", "keystore: the file to write (never overwritten; mode 600)")
  .addOptionalParam("passwordFile", "keystore: a file holding the password (mode 600); without it the password is asked twice at the terminal")
  .setAction(standalone<GenerateArgs>(async (args) => {
    let spec: SignerSpec;
    let address: string;
    if (args.backend === "pkcs11") {
      const label = need(args.label, "--label", "pkcs11");
      const p: Pkcs11Spec = {
        name: args.name?.trim() || label, backend: "pkcs11",
        module: path.resolve(need(args.module, "--module", "pkcs11")), token: need(args.token, "--token", "pkcs11"), key: label,
        ...(args.pinFile ? { pinFile: path.resolve(args.pinFile) } : {}),
      };
      address = await (await import("../../lib/signers/pkcs11")).generatePkcs11Key(p);
      spec = p;
    } else if (args.backend === "keystore") {
      const file = path.resolve(need(args.out, "--out", "keystore"));
      const k: KeystoreSpec = {
        name: args.name?.trim() || path.basename(file, ".json"), backend: "keystore", file,
        ...(args.passwordFile ? { passwordFile: path.resolve(args.passwordFile) } : {}),
      };
      const password = await readSecret(k.passwordFile, `the password of the new keystore ${file}`);
      if (!k.passwordFile && (await readSecret(undefined, "the same password again")) !== password) throw new Error("the two passwords differ; nothing was written");
      const { createKeystore } = await import("../../lib/signers/keystore");
      address = await createKeystore(file, password);
      spec = k;
    } else {
      throw new Error(`--backend "${args.backend}" is not a backend that generates keys (pkcs11, keystore); a signing service generates its own`);
    }
    const entry = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
    if (args.json) out.line(toJson({ address, account: entry }));
    else {
      out.line(`${describeSpec(spec)}: address ${address}`);
      out.line(`add to the accounts file (SIGNERS_FILE): ${JSON.stringify(entry)}`);
    }
  }));

/**
 * A configured account for keys:list: where it signs, its address and, for an HSM key, whether the token
 * lets it out (a duty key must be sensitive and not extractable; null for the other backends).
 */
interface Listed { index: number; name: string; backend: string; where: string; address: string; extractable: boolean | null }

function where(spec: SignerSpec): string {
  switch (spec.backend) {
    case "pkcs11": return `key "${spec.key}" on token "${spec.token}"`;
    case "keystore": return spec.file;
    case "external": return spec.url;
    case "raw": return spec.name;
  }
}

async function listedAccounts(hre: HardhatRuntimeEnvironment): Promise<Listed[]> {
  const specs = accountSpecs(hre.network.name);
  if (specs === undefined) {
    const signers = await hre.ethers.getSigners();
    return signers.map((s, index) => ({ index, name: `development ${index}`, backend: "development", where: "the development mnemonic", address: s.address, extractable: null }));
  }
  const listed: Listed[] = [];
  for (const [index, spec] of specs.entries()) {
    let extractable: boolean | null = null;
    if (spec.backend === "pkcs11") {
      const { listPkcs11Keys } = await import("../../lib/signers/pkcs11");
      const key = (await listPkcs11Keys(spec.module, spec.token, spec.pinFile)).find((k) => k.label === spec.key);
      extractable = key ? key.extractable || !key.sensitive : null;
    }
    listed.push({ index, name: spec.name, backend: spec.backend, where: where(spec), address: await accountAddress(spec), extractable });
  }
  return listed;
}

command("keys:list", "The configured accounts of the network: name, backend, where the key is, address, and the roles it holds on the deployment")
  .setAction(standalone<CommonArgs>(async (args, hre) => {
    const accounts = await listedAccounts(hre);
    if (accounts.length === 0) throw new Error(`network ${hre.network.name} has no configured account: set SIGNERS_FILE (an accounts file)`);
    // The roles come from the deployment, when the network has one that answers.
    let deployment: string | undefined;
    const roles = new Map<string, string[]>();
    try {
      const ctx = await CommandContext.open(hre, args);
      deployment = hre.network.name;
      const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
      for (const key of Object.keys(ctx.record.contracts)) {
        for (const r of (await holdings(ctx, key, now)).roles) {
          const list = roles.get(r.holder) ?? [];
          list.push(`${r.role} on ${key}`);
          roles.set(r.holder, list);
        }
      }
    } catch (e) {
      if (!args.json) out.line(`roles not shown: ${(e as Error).message.split("\n")[0]}`);
    }
    const rows = accounts.map((a) => ({ ...a, roles: deployment === undefined ? null : (roles.get(a.address) ?? []) }));
    if (args.json) out.line(toJson({ network: hre.network.name, deployment: deployment ?? null, accounts: rows }));
    else {
      const protection = (r: Listed) => (r.extractable === null ? "" : r.extractable ? " (EXTRACTABLE)" : " (not extractable)");
      printTable(["#", "name", "backend", "key", "address", "roles"], rows.map((r) => [String(r.index), r.name, r.backend, `${r.where}${protection(r)}`, r.address, r.roles === null ? "-" : r.roles.join(", ") || "none"]));
    }
  }));
