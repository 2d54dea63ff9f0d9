/**
 * The account statement as the ledger fills it: one account (a wallet), one currency, one period, its
 * opening and closing balances and every booked movement between them. Amounts are bigints in the token's
 * smallest unit (the currency's ISO 4217 minor unit: cents for USD, yen for JPY, fils for KWD). The
 * generators in statement.ts check a statement (checkStatement) before they write anything.
 */

/** What moved the money, as the chain tells it; each kind has its own bank transaction code (KIND_CODES). */
export type EntryKind =
  | "payment" // a transfer between two participants (with or without a payment reference)
  | "issuance" // tokens issued against a deposit
  | "redemption" // tokens burnt for a payout to a bank account
  | "redemption-refund" // a rejected redemption given back
  | "forced-transfer" // a transfer ordered by compliance (court order, recovery)
  | "trade" // a DvP/PvP settlement leg
  | "trade-refund" // a funded settlement leg given back (cancelled or expired trade)
  | "fx-payment"; // a payment in another currency against an FX quote

/** "CRDT": money into the account; "DBIT": money out of it (the ISO 20022 CreditDebitCode). */
export type Direction = "CRDT" | "DBIT";

/** The bank that keeps the account (the ISO 20022 account servicer). */
export interface Servicer {
  name: string;
  /** BIC (ISO 9362), 8 or 11 characters. */
  bic?: string;
  /** LEI (ISO 17442), 20 characters. */
  lei?: string;
}

/** The account the statement is for: a wallet and its owner. */
export interface StatementAccount {
  /** The wallet, a 0x address. */
  address: string;
  ownerName: string;
  ownerLei?: string;
}

/** The other side of an entry: who paid, or who was paid. */
export interface Counterparty {
  /** The counterparty's wallet, a 0x address. */
  address: string;
  name?: string;
  lei?: string;
}

/** One booked movement: one Transfer log of the token. */
export interface Entry {
  /** The time of the block it was booked in. */
  bookedAt: Date;
  /** The transaction, 0x and 32 bytes of hex. */
  txHash: string;
  /** The log's index in its block: (blockNumber, logIndex) names the log on the chain. */
  logIndex: number;
  blockNumber: number;
  direction: Direction;
  /** In the smallest unit, never negative: the direction gives the sign. */
  amount: bigint;
  kind: EntryKind;
  /** Absent for an issuance or a redemption, where the bank itself is the other side. */
  counterparty?: Counterparty;
  /** The payment's UETR, a UUID version 4 in lower case. */
  uetr?: string;
  /** The payer's end-to-end identification, up to 35 characters. */
  endToEndId?: string;
  /** Unstructured remittance information, up to 140 characters. */
  remittance?: string;
  /** A structured creditor reference (ISO 11649, "RF" and two check digits). */
  creditorReference?: string;
  /** The free text whose hash is the reference, when the transaction carried it (up to 140 characters). */
  referenceText?: string;
  /** The reference recorded on chain, bytes32 hex. */
  reference: string;
}

/** A statement of one account for one period. */
export interface Statement {
  /** The statement's identification (ISO 20022 Max35Text), also the message id of its camt.053. */
  id: string;
  createdAt: Date;
  /** The period, both ends included. */
  from: Date;
  to: Date;
  servicer: Servicer;
  account: StatementAccount;
  /** ISO 4217 code. */
  currency: string;
  /** The currency's ISO 4217 minor unit (the token's decimals). */
  decimals: number;
  /** The balance at the start of the period, in the smallest unit. */
  opening: bigint;
  /** The balance at the end of the period: opening + credits - debits. */
  closing: bigint;
  entries: Entry[];
}

/** What a camt.054 notification of one credit needs: the account, its bank, the currency and the entry. */
export interface CreditNotification {
  /** The notification's identification (Max35Text), also its message id. */
  id: string;
  createdAt: Date;
  servicer: Servicer;
  account: StatementAccount;
  currency: string;
  decimals: number;
  entry: Entry;
}
