import type { DepositToken } from "../../../typechain-types";
import { hasIsoFields, informationReference, informationText } from "../../../lib/payment-info";
import { addressIn, amountIn, send, sentLine } from "../actions";
import { field } from "../dom";
import { clearUetr, informationOfForm } from "../information";
import { current, legByLabel, rememberRef } from "../state";

/**
 * "Pay": a deposit-token payment to a payee. Without information, a plain transfer. With a reference or
 * ISO 20022 identifiers (UETR, end-to-end id, remittance or creditor reference; checked as the commands
 * check them, a UETR made when none is given), transferWithReference with the information's bytes32
 * reference (lib/payment-info.ts informationReference), the information itself appended to the
 * transaction's input for the payee to read.
 */
export async function pay(form: HTMLFormElement): Promise<string> {
  const s = current();
  const leg = legByLabel(s, "cash", field(form, "currency"));
  const to = addressIn(field(form, "to"), "payee");
  const amount = amountIn(field(form, "amount"), leg, "amount");
  const info = informationOfForm(form);
  const token = leg.contract;
  if (info === undefined) {
    const receipt = await send(`pay ${leg.fmt(amount)} to ${to}`, token.transfer, [to, amount], leg);
    return sentLine(`paid ${leg.fmt(amount)} to ${to}`, receipt);
  }
  const ref = informationReference(info);
  const iso = hasIsoFields(info);
  const label = iso ? `pay ${leg.fmt(amount)} to ${to} with ${informationText(info)}` : `pay ${leg.fmt(amount)} to ${to} ref "${info.reference}"`;
  const receipt = await send(label, token.transferWithReference, [to, amount, ref], leg, undefined, [info]);
  if (iso) clearUetr(form);
  else rememberRef(info.reference!, ref);
  return sentLine(iso ? `paid ${leg.fmt(amount)} to ${to} with ${informationText(info)} (reference ${ref})` : `paid ${leg.fmt(amount)} to ${to} with reference "${info.reference}"`, receipt);
}

/** "Redeem for fiat": a redemption request; the amount is held until the bank pays out or rejects it. */
export async function redeem(form: HTMLFormElement): Promise<string> {
  const s = current();
  const leg = legByLabel(s, "cash", field(form, "currency"));
  const amount = amountIn(field(form, "amount"), leg, "amount");
  const token = leg.contract as unknown as DepositToken;
  const receipt = await send(`request redemption of ${leg.fmt(amount)}`, token.requestRedemption, [amount], leg);
  const event = receipt.logs.map((l) => { try { return token.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "RedemptionRequested");
  return sentLine(`redemption ${event ? String(event.args.id) : "?"} pending: ${leg.fmt(amount)} held until the bank pays out`, receipt);
}
