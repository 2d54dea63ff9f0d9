import { ZeroHash } from "ethers";
import type { DepositToken } from "../../../typechain-types";
import { walletState } from "../../../lib/errors";
import { isoDate } from "../../../lib/format";
import { enumName, PARTICIPANT_STATUS } from "../../../lib/roles";
import { $, el, fillTable, row } from "../dom";
import { participantLabels } from "../participants";
import { Session } from "../state";

/** The account panel: the wallet, its participant (name, status, KYC expiry), whether it may hold tokens and where it is frozen. */
export async function refreshAccount(s: Session): Promise<void> {
  const { account, registry } = s;
  const id = await registry.participantOf(account);
  const entries: [string, string | HTMLElement][] = [["wallet", el("span", account, "addr")]];
  if (id === ZeroHash) {
    entries.push(["participant", el("span", "none: this wallet is not onboarded", "status-None")]);
  } else {
    const [status, kycExpiry] = await registry.getParticipant(id);
    const statusName = enumName(PARTICIPANT_STATUS, status);
    entries.push(["participant", (await participantLabels(s))(id) ?? id]);
    entries.push(["status", el("span", statusName, `status-${statusName}`)]);
    entries.push(["KYC expiry", isoDate(Number(kycExpiry))]);
  }
  const allowed = await registry.isAllowed(account);
  entries.push(["may hold tokens", allowed ? "yes" : `no (${await walletState(registry, account)})`]);
  const frozenOn: string[] = [];
  for (const leg of s.legs) if (await leg.contract.isFrozen(account)) frozenOn.push(leg.label);
  entries.push(["frozen", frozenOn.length > 0 ? el("span", `frozen on ${frozenOn.join(", ")}`, "frozen") : "no"]);
  $("#account").replaceChildren(...entries.flatMap(([k, v]) => [el("dt", k), typeof v === "string" ? el("dd", v) : (() => { const dd = el("dd"); dd.append(v); return dd; })()]));
}

/** The balances panel: each token's balance, and whether the wallet is frozen on it. */
export async function refreshBalances(s: Session): Promise<void> {
  const balances: HTMLTableRowElement[] = [];
  for (const leg of s.legs) {
    const frozen = await leg.contract.isFrozen(s.account);
    balances.push(row([leg.kind === "cash" ? leg.label : `${leg.label} (security)`, leg.fmt(await leg.contract.balanceOf(s.account)), frozen ? "frozen" : ""], ["", "num", frozen ? "frozen" : ""]));
  }
  fillTable("#balances", balances, "no tokens");
}

/** The pending redemptions panel: the wallet's redemption requests the bank has not paid out or rejected yet. */
export async function refreshRedemptions(s: Session): Promise<void> {
  const redemptions: HTMLTableRowElement[] = [];
  for (const leg of s.legs.filter((l) => l.kind === "cash")) {
    const token = leg.contract as unknown as DepositToken;
    for (const e of await token.queryFilter(token.filters.RedemptionRequested(undefined, s.account), leg.fromBlock)) {
      const r = await token.redemption(e.args.id);
      if (Number(r.status) === 1) redemptions.push(row([e.args.id.toString(), leg.fmt(r.amount)], ["", "num"]));
    }
  }
  fillTable("#redemptions", redemptions, "none pending");
}
