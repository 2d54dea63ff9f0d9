import { Failure } from "../failure";
import { formatAmount, participantDisplay, participantFields, participantId, refText } from "../format";
import type { Queryable } from "./db";

/** A participant of the ledger: its id, the name or LEI its id was derived from (ParticipantNamed), its wallets. */
export interface LedgerParticipant {
  id: string;
  /** The recorded text ("LEI:<LEI>" or a name), when ParticipantNamed recorded one. */
  name?: string;
  /** The legal name compliance recorded last (ParticipantLegalName), when there is one. */
  legalName?: string;
  /** Every wallet ever linked to it (a payment from a wallet since unlinked is still its payment). */
  wallets: string[];
}

/** One payment of a participant, as the ledger booked it. */
export interface LedgerPayment {
  /** Booking time: the block's timestamp. */
  time: Date;
  direction: "in" | "out";
  /** The deposit token's address, currency code and minor unit. */
  token: string;
  currency: string;
  decimals: number;
  /** In the token's smallest unit. */
  amount: bigint;
  /** The participant's own wallet, and the other side's. */
  wallet: string;
  counterpartyWallet: string;
  counterpartyId?: string;
  counterpartyName?: string;
  counterpartyLegalName?: string;
  /** The bytes32 reference (hex), when the payment carried one; its text, UETR and the rest when the transaction carried them. */
  reference?: string;
  referenceText?: string;
  uetr?: string;
  endToEndId?: string;
  remittance?: string;
  creditorReference?: string;
  /** A netted batch's instruction (the batch's own net movement is in `movements`). */
  batch: boolean;
  txHash: string;
  logIndex: number;
}

/**
 * The participant a command names: by LEI, by name, or by its 0x id. An unknown participant is one line
 * naming what was given.
 */
export async function findParticipant(db: Queryable, text: string, what = "--participant"): Promise<LedgerParticipant> {
  const given = text.trim();
  if (given === "") throw new Failure("BAD_INPUT", `${what} is empty: give an LEI, a participant name or its 0x id`);
  const id = /^0x[0-9a-fA-F]{64}$/.test(given) ? given.toLowerCase() : participantId(given).toLowerCase();
  const [row] = await db.query("SELECT id, name, legal_name FROM participants WHERE id = $1", [id]);
  if (!row) throw new Failure("NOT_FOUND", `${what} "${given}" is not a participant in the ledger (id ${id}); check the LEI or name, or sync the ledger first`);
  const wallets = (await db.query("SELECT wallet FROM participant_wallets WHERE participant_id = $1 ORDER BY wallet", [id])).map((r) => String(r.wallet));
  return { id, name: row.name === null ? undefined : String(row.name), ...(row.legal_name === null ? {} : { legalName: String(row.legal_name) }), wallets };
}

/**
 * The payments in deposit tokens to and from a participant's wallets booked from `from` to `to` (unix seconds,
 * both included), oldest first. A payment between two wallets of the participant appears twice (out, then in).
 */
export async function participantPayments(db: Queryable, participant: LedgerParticipant, from: number, to: number): Promise<LedgerPayment[]> {
  if (participant.wallets.length === 0) return [];
  const rows = await db.query(`
    SELECT p.tx_hash, p.log_index, p.block_time, p.token, p.from_address, p.to_address, p.amount, p.reference, p.batch_log_index,
           c.name AS currency, c.decimals,
           i.text_reference, i.uetr, i.end_to_end_id, i.remittance, i.creditor_reference
      FROM payments p
      JOIN contracts c ON c.address = p.token
      LEFT JOIN payment_information i ON i.tx_hash = p.tx_hash AND i.reference = p.reference
     WHERE (p.from_address = ANY($1) OR p.to_address = ANY($1))
       AND p.block_time >= $2 AND p.block_time <= $3
     ORDER BY p.block_number, p.log_index`,
  [participant.wallets, new Date(from * 1000), new Date(to * 1000)]);
  const owners = new Map((await db.query(`SELECT w.wallet, w.participant_id, p.name, p.legal_name FROM participant_wallets w JOIN participants p ON p.id = w.participant_id`))
    .map((r) => [String(r.wallet), { id: String(r.participant_id), name: r.name === null ? undefined : String(r.name), legalName: r.legal_name === null ? undefined : String(r.legal_name) }]));
  const own = new Set(participant.wallets);
  const result: LedgerPayment[] = [];
  for (const r of rows) {
    const [fromAddress, toAddress] = [String(r.from_address), String(r.to_address)];
    const directions: ("out" | "in")[] = [];
    if (own.has(fromAddress)) directions.push("out");
    if (own.has(toAddress)) directions.push("in");
    for (const direction of directions) {
      const counterpartyWallet = direction === "out" ? toAddress : fromAddress;
      const owner = owners.get(counterpartyWallet);
      const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
      result.push({
        time: new Date(r.block_time as Date),
        direction,
        token: String(r.token),
        currency: String(r.currency),
        decimals: Number(r.decimals ?? 0),
        amount: BigInt(String(r.amount)),
        wallet: direction === "out" ? fromAddress : toAddress,
        counterpartyWallet,
        counterpartyId: owner?.id,
        counterpartyName: owner?.name,
        counterpartyLegalName: owner?.legalName,
        reference: opt(r.reference),
        referenceText: opt(r.text_reference),
        uetr: opt(r.uetr),
        endToEndId: opt(r.end_to_end_id),
        remittance: opt(r.remittance),
        creditorReference: opt(r.creditor_reference),
        batch: r.batch_log_index !== null,
        txHash: String(r.tx_hash),
        logIndex: Number(r.log_index),
      });
    }
  }
  return result;
}

/** The counterparty as people know it: "<legal name> (LEI ...)" as the commands show it, its LEI or name alone, else its wallet address. */
export function counterpartyLabel(p: LedgerPayment): string {
  return p.counterpartyName || p.counterpartyLegalName ? participantDisplay(p.counterpartyId ?? "", p.counterpartyName, p.counterpartyLegalName) : p.counterpartyWallet;
}

/** A participant of the ledger as people know it: "<legal name> (LEI ...)", its LEI or name alone, else its id. */
export function participantLabel(p: Pick<LedgerParticipant, "id" | "name" | "legalName">): string {
  return participantDisplay(p.id, p.name, p.legalName);
}

/** A payment's reference as shown: the text the transaction carried, else the bytes32's own text, else its hex; "" without one. */
export function referenceLabel(p: LedgerPayment): string {
  if (p.referenceText !== undefined) return p.referenceText;
  return p.reference ? refText(p.reference) : "";
}

/** A payment for --json: `amount` in the smallest unit beside `amountText` in currency units, the counterparty with its LEI or name. */
export function paymentJson(p: LedgerPayment): Record<string, unknown> {
  return {
    time: p.time.toISOString().replace(".000Z", "Z"),
    direction: p.direction,
    currency: p.currency,
    amount: p.amount.toString(),
    amountText: `${formatAmount(p.amount, p.decimals)} ${p.currency}`,
    wallet: p.wallet,
    counterparty: { wallet: p.counterpartyWallet, id: p.counterpartyId ?? null, ...participantFields(p.counterpartyName, p.counterpartyLegalName) },
    reference: p.reference ? referenceLabel(p) : null,
    referenceHex: p.reference ?? null,
    uetr: p.uetr ?? null,
    endToEndId: p.endToEndId ?? null,
    remittance: p.remittance ?? null,
    creditorReference: p.creditorReference ?? null,
    batch: p.batch,
    txHash: p.txHash,
    logIndex: p.logIndex,
  };
}
