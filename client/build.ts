import fs from "fs";
import path from "path";
import { spawnSync } from "child_process";
import * as esbuild from "esbuild";
import {
  DeploymentRecord, deploymentPath, ESCROW_KEY, FX_QUOTES_KEY, readDeployment, recordedKeys, REGISTRY_KEY, requireFinished,
} from "../lib/deployment";
import { networkSettings } from "../lib/networks";
import type { ClientConfig } from "./src/config";

const ROOT = path.join(__dirname, "..");
/** The built page (ignored by git): index.html, style.css, app.js and deployment.json. */
export const OUT_DIR = path.join(__dirname, "dist");
/** The artifacts the page takes its ABIs from. */
const ARTIFACTS = ["registry/ParticipantRegistry.sol/ParticipantRegistry", "token/DepositToken.sol/DepositToken", "token/SecurityToken.sol/SecurityToken", "settlement/DvPEscrow.sol/DvPEscrow"]
  .map((a) => path.join(ROOT, "artifacts", "contracts", `${a}.json`));

/**
 * What the page needs from deployments/<network>.json and the network table: addresses, the blocks they
 * were deployed in (every deposit token of the deployment, in the record's order), chain id and RPC endpoint. Refuses a missing or unfinished record (naming the file) and
 * a network without an endpoint a wallet could reach.
 */
export function clientConfig(network: string, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const setting = networkSettings(env)[network];
  if (!setting) throw new Error(`unknown network "${network}" (known: ${Object.keys(networkSettings(env)).join(", ")})`);
  const url = (setting.config as { url?: string }).url;
  if (!url) throw new Error(`network "${network}" runs inside one Hardhat process and no wallet can reach it: start a node (npx hardhat node --port 8645) and use --network localhost`);
  const file = path.relative(process.cwd(), deploymentPath(network));
  let record: DeploymentRecord = readDeployment(network);
  try {
    record = requireFinished(record);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  const deployed = (key: string) => ({ address: record.contracts[key].address, fromBlock: Math.max(0, record.contracts[key].block) });
  if (!record.contracts[REGISTRY_KEY]) throw new Error(`${file} has no ${REGISTRY_KEY}`);
  return {
    network,
    chainId: record.chainId,
    rpcUrl: url,
    gasPrice: "0",
    registry: deployed(REGISTRY_KEY),
    escrow: record.contracts[ESCROW_KEY] ? deployed(ESCROW_KEY) : undefined,
    ...(record.contracts[FX_QUOTES_KEY] ? { fxQuotes: deployed(FX_QUOTES_KEY) } : {}),
    depositTokens: recordedKeys(record, "DepositToken").map((k) => ({ currency: k.name, ...deployed(k.key) })),
    securities: recordedKeys(record, "SecurityToken").map((k) => ({ isin: k.name, ...deployed(k.key) })),
  };
}

/** Compiles the contracts when their artifacts are absent (a fresh clone): the page's ABIs come from them. */
export function ensureArtifacts(log: (line: string) => void = console.log): void {
  if (ARTIFACTS.every((a) => fs.existsSync(a))) return;
  log("compiling the contracts (the page takes its ABIs from artifacts/) ...");
  const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["compile"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0 || !ARTIFACTS.every((a) => fs.existsSync(a))) throw new Error("npx hardhat compile failed: the page needs the contracts' artifacts");
}

/** Bundles the page's script with esbuild (minified, for browsers). Returns the bundle's size in bytes. */
export async function bundle(outDir = OUT_DIR): Promise<{ bytes: number; inputs: string[] }> {
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, "src", "main.ts")],
    outfile: path.join(outDir, "app.js"),
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["es2022"],
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0];
  return { bytes: output.bytes, inputs: Object.keys(result.metafile.inputs) };
}

/** Builds the page for a network into outDir: static files, the bundle and deployment.json. */
export async function buildClient(config: ClientConfig, outDir = OUT_DIR): Promise<{ bytes: number }> {
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of ["index.html", "style.css"]) fs.copyFileSync(path.join(__dirname, f), path.join(outDir, f));
  fs.writeFileSync(path.join(outDir, "deployment.json"), `${JSON.stringify(config, null, 2)}\n`);
  return bundle(outDir);
}
