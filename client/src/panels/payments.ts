import { ZeroHash } from "ethers";
import { shownRef } from "../../../lib/format";
import { participantLabels } from "../participants";
import { hasIsoFields, informationText, PaymentInformation, readInformation } from "../../../lib/payment-info";
import { el, fillTable, row } from "../dom";
import { Leg, refWords, Session } from "../state";

/** How many payments the panel lists, newest first. */
export const RECENT_PAYMENTS = 20;
/** How far back the panel looks, in blocks: a wallet's older payments are in the bank's statements, not here. */
export const RECENT_BLOCKS = 50_000;

interface Payment {
  leg: Leg;
  block: number;
  index: number;
  tx: string;
  out: boolean;
  counterparty: string;
  amount: bigint;
  ref: string;
}

/**
 * The recent payments panel: the wallet's latest deposit-token payments with a reference, in and out
 * (ReferencedTransfer events of the last RECENT_BLOCKS blocks, at most RECENT_PAYMENTS), each with the
 * counterparty's participant name (from the registry's ParticipantNamed events; the address alone when
 * it is no participant's), the amount, and what the payment says about itself: the information its
 * transaction carries after the call (lib/payment-info.ts readInformation), taken only for the event's
 * own reference, so text no reference of the payment hashes to is never shown. Without such text, the
 * reference as this browser typed it, or its hex.
 */
export async function refreshPayments(s: Session): Promise<void> {
  const latest = await s.provider.getBlockNumber();
  const payments: Payment[] = [];
  for (const leg of s.legs.filter((l) => l.kind === "cash")) {
    const token = leg.contract;
    const from = Math.max(leg.fromBlock, latest - RECENT_BLOCKS);
    const events = [
      ...(await token.queryFilter(token.filters.ReferencedTransfer(s.account), from, latest)),
      ...(await token.queryFilter(token.filters.ReferencedTransfer(undefined, s.account), from, latest)),
    ];
    const seen = new Set<string>();
    for (const e of events) {
      const key = `${e.transactionHash}:${e.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const out = e.args.from === s.account;
      payments.push({
        leg, block: e.blockNumber, index: e.index, tx: e.transactionHash, out, counterparty: out ? e.args.to : e.args.from, amount: e.args.amount, ref: e.args.ref,
      });
    }
  }
  payments.sort((a, b) => b.block - a.block || b.index - a.index);
  const recent = payments.slice(0, RECENT_PAYMENTS);
  const names = await participantNames(s, [...new Set(recent.map((p) => p.counterparty))]);
  const texts = new Map<string, Map<string, PaymentInformation>>();
  for (const tx of new Set(recent.map((p) => p.tx))) texts.set(tx, readInformation((await s.provider.getTransaction(tx))?.data ?? "0x"));
  const rows = recent.map((p) => {
    const who = el("span");
    const name = names.get(p.counterparty);
    if (name !== undefined) who.append(el("span", name, "participant"), " ");
    who.append(el("span", p.counterparty, "addr"));
    const info = texts.get(p.tx)?.get(p.ref.toLowerCase());
    const ref = el("span", referenceWords(p.ref, info));
    ref.title = p.ref;
    return row([String(p.block), p.out ? "paid to" : "received from", who, p.leg.fmt(p.amount), ref], ["", "", "", "num", "ref"]);
  });
  fillTable("#payments", rows, "no payments with a reference yet");
}

/**
 * What a payment's reference shows: its ISO 20022 identifiers, or its free-text reference, as carried in its
 * transaction; else the text this browser paid it with, else the hex. Text with a hidden or format
 * character shows as the hex (lib/format.ts shownRef), as it could mimic other text.
 */
function referenceWords(hex: string, info: PaymentInformation | undefined): string {
  if (info === undefined) return refWords(hex);
  if (hasIsoFields(info)) return informationText(info);
  return shownRef(info.reference ?? "", hex);
}

/** The participant of each wallet that is linked to one with a recorded name or legal name, as people know it. */
async function participantNames(s: Session, wallets: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (wallets.length === 0) return names;
  const label = await participantLabels(s);
  for (const wallet of wallets) {
    const id = await s.registry.participantOf(wallet);
    const name = id === ZeroHash ? undefined : label(id);
    if (name !== undefined) names.set(wallet, name);
  }
  return names;
}
