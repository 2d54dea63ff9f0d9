import { Interface } from "ethers";
import type { BrowserProvider, InterfaceAbi, JsonRpcSigner } from "ethers";
import { abi as registryAbi } from "../../artifacts/contracts/registry/ParticipantRegistry.sol/ParticipantRegistry.json";
import { abi as depositTokenAbi } from "../../artifacts/contracts/token/DepositToken.sol/DepositToken.json";
import { abi as securityTokenAbi } from "../../artifacts/contracts/token/SecurityToken.sol/SecurityToken.json";
import { abi as escrowAbi } from "../../artifacts/contracts/settlement/DvPEscrow.sol/DvPEscrow.json";
import { abi as fxQuotesAbi } from "../../artifacts/contracts/settlement/FxQuotes.sol/FxQuotes.json";
import type { DvPEscrow, FxQuotes, ParticipantRegistry, PermissionedToken } from "../../typechain-types";
import { refText, shownRef } from "../../lib/format";
import type { ClientConfig } from "./config";
import type { Eip1193 } from "./wallet";

export { depositTokenAbi, escrowAbi, fxQuotesAbi, registryAbi, securityTokenAbi };

/** A token the page shows and moves: a deposit token (labelled by its currency) or a security (by its symbol). */
export interface Leg {
  kind: "cash" | "security";
  address: string;
  label: string;
  decimals: number;
  fromBlock: number;
  contract: PermissionedToken;
  fmt(value: bigint): string;
}

/** The connected session: the wallet's account on the deployment's chain, and the contracts through the wallet. */
export interface Session {
  wallet: Eip1193;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
  account: string;
  registry: ParticipantRegistry;
  escrow?: DvPEscrow;
  fxQuotes?: FxQuotes;
  legs: Leg[];
}

/** Contracts whose custom errors are explained (the commands decode the same ones). */
export const INTERFACES = [registryAbi, depositTokenAbi, securityTokenAbi, escrowAbi, fxQuotesAbi].map((abi) => new Interface(abi as InterfaceAbi));

/**
 * What the page holds: the deployment it was served with, the connected session (none until a wallet
 * connects on the deployment's chain), and what redraws every panel after an action.
 */
export const app: { config: ClientConfig; session?: Session; refresh: () => Promise<void> } = {
  config: undefined as unknown as ClientConfig,
  session: undefined,
  refresh: async () => undefined,
};

/** A refusal found before anything was sent (bad input, a simulated call the contract refuses). */
export class Refused extends Error {}

export function current(): Session {
  if (!app.session) throw new Refused("connect a wallet first");
  return app.session;
}

export function legAt(s: Session, address: string): Leg {
  const leg = s.legs.find((l) => l.address.toLowerCase() === address.toLowerCase());
  if (!leg) throw new Refused(`${address} is not a token of this deployment`);
  return leg;
}

export function legByLabel(s: Session, kind: Leg["kind"], label: string): Leg {
  const leg = s.legs.find((l) => l.kind === kind && l.label === label);
  if (!leg) throw new Refused(`no ${kind === "cash" ? "deposit token" : "security"} "${label}" in this deployment`);
  return leg;
}

export function requireEscrow(s: Session): DvPEscrow {
  if (!s.escrow) throw new Refused(`the deployment of "${app.config.network}" has no DvP escrow`);
  return s.escrow;
}

/**
 * The references this browser paid with, by hash: a payment's reference is shown as the text it was typed as,
 * or as its hash when that text has a hidden character (lib/format.ts shownRef; the forms refuse one).
 */
const REFS_KEY = "deposit-token-client:references";
export function rememberRef(text: string, hex: string): void {
  const known = JSON.parse(localStorage.getItem(REFS_KEY) ?? "{}") as Record<string, string>;
  known[hex.toLowerCase()] = text;
  localStorage.setItem(REFS_KEY, JSON.stringify(known));
}
export function refWords(hex: string): string {
  const known = JSON.parse(localStorage.getItem(REFS_KEY) ?? "{}") as Record<string, string>;
  const text = known[hex.toLowerCase()];
  return text === undefined ? refText(hex) : shownRef(text, hex);
}
