import fs from "fs";
import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { connectedChainId, readDeployment, requireRecordOnChain } from "../../lib/deployment";
import { Failure } from "../../lib/failure";
import { formatAmount, isoDate, parseDate, participantFields } from "../../lib/format";
import { requireNetworkEnv } from "../../lib/networks";
import { out, printTable, toJson } from "../../lib/cli/output";
import { ledgerLocation, openLedger } from "../../lib/ledger/db";
import { counterpartyLabel, findParticipant, participantLabel, participantPayments, paymentJson, referenceLabel } from "../../lib/ledger/payments";
import { comparedText, differenceJson, differenceLine, reconcileLedger } from "../../lib/ledger/reconcile";
import { blockRangeFromEnv, readCursor, syncLedger } from "../../lib/ledger/sync";
import { camt053, camt054, statementCsv } from "../../lib/ledger/statement";
import { creditNotifications, participantStatements, servicerFromEnv, statementFileStem } from "../../lib/ledger/statements";
import { readOnlyCommand, standalone } from "./command";

interface LedgerArgs {
  subcommand: string;
  participant?: string;
  from?: string;
  to?: string;
  out?: string;
  camt054: boolean;
  at?: string;
  json: boolean;
}

const SUBCOMMANDS = ["sync", "payments", "reconcile", "statement"];
/** 9999-12-31T23:59:59Z: no upper bound. */
const END_OF_TIME = 253_402_300_799;

/** The ledger database of the network (DATABASE_URL, LEDGER_DIR or ledger-data/<network>), migrated. */
async function open(network: string, mustExist: boolean) {
  const location = ledgerLocation(network);
  if (mustExist && location.dir && !fs.existsSync(location.dir)) {
    throw new Failure("NOT_FOUND", `no ledger for network "${network}" at ${location.dir}: run npm run ledger -- sync --network ${network} first (or set LEDGER_DIR or DATABASE_URL)`);
  }
  return openLedger(location);
}

async function sync(args: LedgerArgs, hre: HardhatRuntimeEnvironment) {
  requireNetworkEnv(hre.network.name);
  const blockRange = blockRangeFromEnv();
  const record = readDeployment(hre.network.name);
  const chainId = await connectedChainId(hre);
  if (chainId !== record.chainId) {
    throw new Failure("REFUSED", `network "${hre.network.name}" is chain id ${chainId} but its deployment was recorded on chain id ${record.chainId}`);
  }
  await requireRecordOnChain(hre, record);
  const db = await open(hre.network.name, false);
  try {
    const r = await syncLedger(db, hre.ethers.provider, record, {
      blockRange,
      onRange: (range) => {
        if (!args.json) out.line(`  blocks ${range.fromBlock}..${range.toBlock}: ${range.events} events`);
      },
    });
    const perSecond = r.seconds > 0 ? Math.round(r.events / r.seconds) : r.events;
    if (args.json) out.line(toJson({ network: record.network, database: db.where, ...r, eventsPerSecond: perSecond }));
    else if (r.blocks === 0) out.line(`ledger ${db.where} is at block ${r.toBlock}, the chain's latest: nothing new`);
    else out.line(`indexed blocks ${r.fromBlock}..${r.toBlock} (${r.blocks} blocks): ${r.events} events, ${r.rows} rows in ${r.seconds.toFixed(1)} s (${perSecond} events/s) into ${db.where}`);
  } finally {
    await db.close();
  }
}

async function payments(args: LedgerArgs, hre: HardhatRuntimeEnvironment) {
  if (!args.participant) throw new Failure("BAD_INPUT", "--participant is needed: an LEI, a participant name or its 0x id");
  const from = args.from ? parseDate(args.from, "--from", "start") : 0;
  // Without --to: up to the ledger's last block (block times may run ahead of this machine's clock).
  const to = args.to ? parseDate(args.to, "--to", "end") : END_OF_TIME;
  if (from > to) throw new Failure("BAD_INPUT", `--from ${isoDate(from)} is after --to ${isoDate(to)}`);
  const db = await open(hre.network.name, true);
  try {
    const cursor = await readCursor(db);
    if (!cursor) throw new Failure("NOT_FOUND", `the ledger of network "${hre.network.name}" is empty: run npm run ledger -- sync --network ${hre.network.name} first`);
    const participant = await findParticipant(db, args.participant);
    const list = await participantPayments(db, participant, from, to);
    const label = participantLabel(participant);
    if (args.json) {
      out.line(toJson({ participant: { id: participant.id, ...participantFields(participant.name, participant.legalName) }, from: isoDate(from), to: args.to ? isoDate(to) : null, ledgerBlock: cursor.lastBlock, payments: list.map(paymentJson) }));
      return;
    }
    out.line(`payments of ${label} from ${isoDate(from)} to ${args.to ? isoDate(to) : "the last block"} (ledger at block ${cursor.lastBlock}): ${list.length}`);
    if (list.length === 0) return;
    printTable(["booked", "dir", "amount", "counterparty", "reference", "UETR", "end-to-end id", "remittance", "creditor ref", "tx"], list.map((p) => [
      isoDate(Math.floor(p.time.getTime() / 1000)), p.direction, `${formatAmount(p.amount, p.decimals)} ${p.currency}`, counterpartyLabel(p),
      referenceLabel(p), p.uetr ?? "", p.endToEndId ?? "", p.remittance ?? "", p.creditorReference ?? "", p.txHash,
    ]));
  } finally {
    await db.close();
  }
}

/** Default folder of `ledger statement`'s files. */
const STATEMENTS_DIR = "statements";

async function statement(args: LedgerArgs, hre: HardhatRuntimeEnvironment) {
  if (!args.participant) throw new Failure("BAD_INPUT", "--participant is needed: an LEI, a participant name or its 0x id");
  if (!args.from) throw new Failure("BAD_INPUT", "--from is needed: the first day of the statement period (YYYY-MM-DD, ISO 8601 or unix seconds)");
  if (!args.to) throw new Failure("BAD_INPUT", "--to is needed: the last day of the statement period (YYYY-MM-DD, ISO 8601 or unix seconds)");
  const from = parseDate(args.from, "--from", "start");
  const to = parseDate(args.to, "--to", "end");
  if (from > to) throw new Failure("BAD_INPUT", `--from ${isoDate(from)} is after --to ${isoDate(to)}`);
  const servicer = servicerFromEnv(hre.network.name);
  const dir = path.resolve(args.out ?? STATEMENTS_DIR);
  const db = await open(hre.network.name, true);
  try {
    const cursor = await readCursor(db);
    if (!cursor) throw new Failure("NOT_FOUND", `the ledger of network "${hre.network.name}" is empty: run npm run ledger -- sync --network ${hre.network.name} first`);
    const participant = await findParticipant(db, args.participant);
    const statements = await participantStatements(db, participant, from, to, servicer);
    const written: { file: string; kind: string; wallet: string; currency: string; entries: number; opening?: string; closing?: string; openingText?: string; closingText?: string }[] = [];
    const files = statements.map((s) => {
      const stem = statementFileStem(participant, s);
      const notifications = args.camt054 ? creditNotifications(s) : [];
      // Every file is made (and checked) before any is written: a statement that cannot be written writes nothing.
      return { s, stem, xml: camt053(s), csv: statementCsv(s), notifications: notifications.map((n) => ({ n, xml: camt054(n) })) };
    });
    fs.mkdirSync(dir, { recursive: true });
    for (const { s, stem, xml, csv, notifications } of files) {
      const amounts = { opening: s.opening.toString(), closing: s.closing.toString(), openingText: `${formatAmount(s.opening, s.decimals)} ${s.currency}`, closingText: `${formatAmount(s.closing, s.decimals)} ${s.currency}` };
      const base = { wallet: s.account.address, currency: s.currency, entries: s.entries.length, ...amounts };
      for (const [ext, text] of [["xml", xml], ["csv", csv]] as const) {
        const file = path.join(dir, `camt053.${stem}.${ext}`);
        fs.writeFileSync(file, text);
        written.push({ file, kind: ext === "xml" ? "camt.053" : "csv", ...base });
      }
      for (const { n, xml: notice } of notifications) {
        const file = path.join(dir, `camt054.${statementFileStem(participant, s, n.entry)}.xml`);
        fs.writeFileSync(file, notice);
        written.push({ file, kind: "camt.054", wallet: s.account.address, currency: s.currency, entries: 1 });
      }
    }
    const label = participantLabel(participant);
    if (args.json) {
      out.line(toJson({ participant: { id: participant.id, ...participantFields(participant.name, participant.legalName) }, from: isoDate(from), to: isoDate(to), ledgerBlock: cursor.lastBlock, servicer: { name: servicer.name, bic: servicer.bic ?? null, lei: servicer.lei ?? null }, files: written }));
      return;
    }
    out.line(`statements of ${label} from ${isoDate(from)} to ${isoDate(to)} (ledger at block ${cursor.lastBlock}, servicer ${servicer.name}): ${statements.length} accounts`);
    for (const w of written) {
      const shown = path.relative(process.cwd(), w.file) || w.file;
      out.line(w.kind === "camt.054" ? `  ${shown}: credit notification` : `  ${shown}: ${w.entries} entries, opening ${w.openingText}, closing ${w.closingText}`);
    }
  } finally {
    await db.close();
  }
}

async function reconcile(args: LedgerArgs, hre: HardhatRuntimeEnvironment) {
  requireNetworkEnv(hre.network.name);
  const at = args.at === undefined ? undefined : args.at.trim();
  if (at !== undefined && !/^\d+$/.test(at)) throw new Failure("BAD_INPUT", `--at "${args.at}" is not a block number`);
  const db = await open(hre.network.name, true);
  try {
    const r = await reconcileLedger(db, hre.ethers.provider, { at: at === undefined ? undefined : Number(at) });
    const counts = comparedText(r.compared);
    const total = Object.values(r.compared).reduce((a, b) => a + b, 0);
    const verdict = `ledger ${db.where} and the chain at block ${r.block}: ${r.differences.length} differences of ${total} figures compared (${counts}) in ${r.seconds.toFixed(1)} s`;
    if (args.json) {
      const report = { network: hre.network.name, database: db.where, block: r.block, compared: r.compared, differences: r.differences.map(differenceJson), seconds: r.seconds };
      if (r.differences.length === 0) return out.line(toJson(report));
      out.line(toJson({ ...report, error: { code: "DIFFERS", message: verdict } }));
      process.exitCode = 1;
      return;
    }
    for (const d of r.differences) out.line(differenceLine(d));
    if (r.differences.length > 0) throw new Failure("DIFFERS", verdict);
    out.line(verdict);
  } finally {
    await db.close();
  }
}

readOnlyCommand("ledger", "The back office's ledger of the deployment: `sync` indexes the chain into it; `payments` lists a participant's payments; `reconcile` compares it with the chain at a block; `statement` writes its account statements (camt.053, CSV)")
  .addPositionalParam("subcommand", `what to do: ${SUBCOMMANDS.join(" or ")}`)
  .addOptionalParam("participant", "payments, statement: the participant, by LEI, name or 0x id")
  .addOptionalParam("from", "payments: the first booking date (YYYY-MM-DD, ISO 8601 or unix seconds; default: the beginning); statement: the period's first day (needed)")
  .addOptionalParam("to", "payments: the last booking date (default: up to the ledger's last block); statement: the period's last day (needed)")
  .addOptionalParam("at", "reconcile: the block to compare the ledger with the chain at (default: the ledger's last indexed block)")
  .addOptionalParam("out", `statement: the folder the files are written to (default ${STATEMENTS_DIR}/)`)
  .addFlag("camt054", "statement: also one camt.054 credit notification per incoming payment")
  .setAction(standalone<LedgerArgs>(async (args, hre) => {
    if (args.subcommand === "sync") return sync(args, hre);
    if (args.subcommand === "payments") return payments(args, hre);
    if (args.subcommand === "reconcile") return reconcile(args, hre);
    if (args.subcommand === "statement") return statement(args, hre);
    throw new Failure("BAD_INPUT", `unknown ledger subcommand "${args.subcommand}": use ${SUBCOMMANDS.join(" or ")}`);
  }));
