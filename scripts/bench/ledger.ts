/**
 * The ledger's sync and query speed on N payments (default 10,000) made on the in-process network:
 *
 *   npm run bench:ledger [-- --payments N] [-- --json]
 *
 * The platform is deployed as `npm run deploy` does it (deploy/params.ts), ten participants are onboarded
 * and funded, and N `transferWithReference` payments, each to or from the first participant, are sent with
 * automine off and mined in blocks of up to 200, each carrying ISO 20022 information (UETR, end-to-end id,
 * remittance) after its call.
 * Then, for PGlite (a temporary folder) and PostgreSQL (a throw-away cluster on 127.0.0.1:8840-8859, stopped
 * by its pid at the end; skipped with a line when no initdb is installed, unless LEDGER_POSTGRES=required):
 * the sync's time and events per second, its rows, the database's size, a second sync's time (nothing to
 * add), `participantPayments` of the first participant over the whole period, a reconcile at the head (it
 * must find no difference) and the first participant's camt.053 and CSV statement of the whole period (one
 * entry per payment). Beside them, in the same run: the
 * payments' generation rate and the time of the raw eth_getLogs over the same blocks, the floor of any sync.
 */
import { randomUUID } from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { platformParams } from "../../deploy/params";
import { deployPlatform, depositTokenKey, issuanceDeskKey, openRecorded, REGISTRY_KEY } from "../../lib/deployment";
import { printTable, toJson } from "../../lib/cli/output";
import { participantId } from "../../lib/format";
import { appendInformation, informationReference, PaymentInformation } from "../../lib/payment-info";
import { LedgerDb, openLedger } from "../../lib/ledger/db";
import { findParticipant, participantPayments } from "../../lib/ledger/payments";
import { DEFAULT_BLOCK_RANGE, syncLedger } from "../../lib/ledger/sync";
import { differenceLine, reconcileLedger } from "../../lib/ledger/reconcile";
import { camt053, statementCsv } from "../../lib/ledger/statement";
import { participantStatements, servicerFromEnv } from "../../lib/ledger/statements";
import { postgresBin, startPostgres } from "../../test/helpers/postgres";
import type { DepositToken, IssuanceDesk, ParticipantRegistry } from "../../typechain-types";

const { ethers } = hre;
const PARTICIPANTS = 10;
const BLOCK_SIZE = 200;
const PORTS = [8840, 8859] as const;
/** 9999-12-31T23:59:59Z: the whole period. */
const END_OF_TIME = 253_402_300_799;

interface Options {
  payments: number;
  json: boolean;
}

function options(argv: string[]): Options {
  const o: Options = { payments: 10_000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") o.json = true;
    else if (a === "--payments") {
      const text = argv[++i];
      if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000) {
        throw new Error(`--payments "${text ?? ""}" is not a whole number of payments from 1 to 1,000,000`);
      }
      o.payments = Number(text);
    } else throw new Error(`unknown option "${a}": use --payments N or --json`);
  }
  return o;
}

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}

/** Deploys, onboards and funds the participants, and makes `count` payments with ISO 20022 information. */
async function generate(count: number) {
  const signers = await ethers.getSigners();
  const { admin, params } = await platformParams(hre);
  const record = await deployPlatform(hre, admin, params, { persist: false, log: () => undefined });
  const [, compliance, issuer, reserve] = signers;
  const registry = await openRecorded<ParticipantRegistry>(hre, record, REGISTRY_KEY);
  const usd = await openRecorded<DepositToken>(hre, record, depositTokenKey("USD"));
  const desk = await openRecorded<IssuanceDesk>(hre, record, issuanceDeskKey("USD"));
  // Accounts 6 to 9 and 12 to 17: the clients (0 to 5, 10 and 11 hold the duties).
  const wallets = [6, 7, 8, 9, 12, 13, 14, 15, 16, 17].slice(0, PARTICIPANTS).map((i) => signers[i]);
  const names = wallets.map((_, i) => `Bench Participant ${i + 1}`);
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  for (const [i, w] of wallets.entries()) {
    await (await registry.connect(compliance).onboard(participantId(names[i]), [w.address], expiry)).wait();
    await (await registry.connect(compliance).nameParticipant(participantId(names[i]), names[i])).wait();
  }
  await (await desk.connect(reserve).attestReserves(ethers.parseUnits("5000000", 2), ethers.id("bench-report"), expiry - 365 * 86400)).wait();
  for (const [i, w] of wallets.entries()) await (await desk.connect(issuer).mint(w.address, ethers.parseUnits("100000", 2), ethers.id(`bench-seed-${i}`))).wait();

  const token = await usd.getAddress();
  const payment = (i: number) => {
    // Every payment is to or from the first participant, so its statement has one entry per payment.
    const other = wallets[1 + (Math.floor(i / 2) % (wallets.length - 1))].address;
    const [from, to] = i % 2 === 0 ? [wallets[0].address, other] : [other, wallets[0].address];
    const info: PaymentInformation = { uetr: randomUUID(), endToEndId: `E2E-BENCH-${i}`, remittance: `Invoice ${i} of the bench` };
    const data = appendInformation(usd.interface.encodeFunctionData("transferWithReference", [to, BigInt(1_00 + (i % 5_000)), informationReference(info)]), [info]);
    return { from, to: token, data };
  };
  const gas = (await ethers.provider.estimateGas(payment(0))) * 13n / 10n;
  const block = (await ethers.provider.getBlock("latest"))!;
  const perBlock = Math.max(1, Math.min(BLOCK_SIZE, Number(block.gasLimit / gas)));
  const nonces = new Map<string, number>();
  for (const w of wallets) nonces.set(w.address, await ethers.provider.getTransactionCount(w.address, "latest"));
  const node = hre.network.provider;
  const firstBlock = block.number + 1;
  const started = process.hrtime.bigint();
  await node.send("evm_setAutomine", [false]);
  try {
    for (let i = 0; i < count; i += perBlock) {
      for (let k = i; k < Math.min(count, i + perBlock); k++) {
        const p = payment(k);
        const nonce = nonces.get(p.from)!;
        nonces.set(p.from, nonce + 1);
        await node.send("eth_sendTransaction", [{ ...p, gas: ethers.toQuantity(gas), gasPrice: "0x0", nonce: ethers.toQuantity(nonce) }]);
      }
      await node.send("evm_mine", []);
    }
    for (let i = 0; i < 20; i++) {
      const pending = (await node.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
      if (pending.transactions.length === 0) break;
      await node.send("evm_mine", []);
    }
  } finally {
    await node.send("evm_setAutomine", [true]);
  }
  const generation = seconds(started);
  return { record, names, firstBlock, head: await ethers.provider.getBlockNumber(), generation, perBlock };
}

interface Figures {
  database: string;
  syncSeconds: number;
  events: number;
  eventsPerSecond: number;
  rows: number;
  bytes: number;
  secondSyncSeconds: number;
  querySeconds: number;
  queryRows: number;
  reconcileSeconds: number;
  reconcileFigures: number;
  statementSeconds: number;
  statementEntries: number;
  statementBytes: number;
}

async function measure(database: string, db: LedgerDb, record: Parameters<typeof syncLedger>[2], participant: string, size: () => Promise<number>, expected: number): Promise<Figures> {
  const first = await syncLedger(db, ethers.provider, record, { blockRange: DEFAULT_BLOCK_RANGE });
  const [{ n: payments }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM payments p JOIN payment_information i ON i.tx_hash = p.tx_hash AND i.reference = p.reference");
  if (payments !== expected) throw new Error(`${database}: ${payments} payments with their information booked, ${expected} made (did a payment revert?)`);
  const again = process.hrtime.bigint();
  const second = await syncLedger(db, ethers.provider, record);
  if (second.events !== 0) throw new Error(`${database}: the second sync added ${second.events} events`);
  const secondSyncSeconds = seconds(again);
  const p = await findParticipant(db, participant);
  const q = process.hrtime.bigint();
  const rows = await participantPayments(db, p, 0, END_OF_TIME);
  const querySeconds = seconds(q);
  const reconciled = await reconcileLedger(db, ethers.provider);
  if (reconciled.differences.length !== 0) throw new Error(`${database}: reconcile found ${reconciled.differences.length} differences: ${differenceLine(reconciled.differences[0])}`);
  const s = process.hrtime.bigint();
  const [statement] = await participantStatements(db, p, 0, END_OF_TIME, servicerFromEnv("hardhat"));
  const statementBytes = camt053(statement).length + statementCsv(statement).length;
  const statementSeconds = seconds(s);
  return {
    database, syncSeconds: first.seconds, events: first.events, eventsPerSecond: Math.round(first.events / first.seconds), rows: first.rows,
    bytes: await size(), secondSyncSeconds, querySeconds, queryRows: rows.length,
    reconcileSeconds: reconciled.seconds, reconcileFigures: Object.values(reconciled.compared).reduce((a, b) => a + b, 0),
    statementSeconds, statementEntries: statement.entries.length, statementBytes,
  };
}

async function main() {
  const o = options(process.argv.slice(2));
  const say = (line: string) => {
    if (!o.json) console.log(line);
  };
  say(`ledger bench: ${o.payments} payments with ISO 20022 information on the in-process network`);
  const g = await generate(o.payments);
  say(`  generated in ${g.generation.toFixed(1)} s (${Math.round(o.payments / g.generation)} payments/s, blocks of up to ${g.perBlock})`);
  const addresses = Object.values(g.record.contracts).map((c) => c.address);
  const floorStart = process.hrtime.bigint();
  let logs = 0;
  const from = Math.min(...Object.values(g.record.contracts).map((c) => (c.block >= 0 ? c.block : Number.MAX_SAFE_INTEGER)));
  for (let start = from; start <= g.head; start += DEFAULT_BLOCK_RANGE) {
    const end = Math.min(g.head, start + DEFAULT_BLOCK_RANGE - 1);
    logs += ((await ethers.provider.send("eth_getLogs", [{ fromBlock: ethers.toQuantity(start), toBlock: ethers.toQuantity(end), address: addresses }])) as unknown[]).length;
  }
  const getLogsSeconds = seconds(floorStart);
  say(`  raw eth_getLogs of blocks ${from}..${g.head}: ${logs} logs in ${getLogsSeconds.toFixed(2)} s`);

  const figures: Figures[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-bench-"));
  try {
    const dir = path.join(tmp, "pglite");
    const db = await openLedger({ dir });
    try {
      figures.push(await measure("PGlite", db, g.record, g.names[0], async () => folderBytes(dir), o.payments));
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const bin = postgresBin();
  let skipped: string | undefined;
  if (!bin) {
    if (process.env.LEDGER_POSTGRES === "required") throw new Error("LEDGER_POSTGRES=required, but no PostgreSQL is installed (/usr/lib/postgresql/*/bin/initdb)");
    skipped = "PostgreSQL skipped: no initdb at /usr/lib/postgresql/*/bin (install postgresql, or set LEDGER_POSTGRES=required to fail instead)";
    say(`  ${skipped}`);
  } else {
    const cluster = await startPostgres(bin, PORTS[0], PORTS[1]);
    try {
      const db = await openLedger({ url: cluster.url });
      try {
        const size = async () => Number((await db.query("SELECT pg_database_size(current_database())::bigint AS b"))[0].b);
        figures.push(await measure("PostgreSQL", db, g.record, g.names[0], size, o.payments));
      } finally {
        await db.close();
      }
    } finally {
      await cluster.stop();
    }
  }

  const result = {
    payments: o.payments, generationSeconds: g.generation, paymentsPerSecond: Math.round(o.payments / g.generation),
    blocks: g.head - from + 1, logs, getLogsSeconds, logsPerSecond: Math.round(logs / getLogsSeconds), databases: figures, ...(skipped ? { skipped } : {}),
  };
  if (o.json) {
    console.log(toJson(result));
    return;
  }
  const header = ["database", "sync s", "events", "events/s", "rows", "size MB", "2nd sync s", "query s", "query rows", "reconcile s", "figures", "statement s", "entries"];
  const table = figures.map((f) => [f.database, f.syncSeconds.toFixed(2), String(f.events), String(f.eventsPerSecond), String(f.rows), (f.bytes / 1e6).toFixed(1),
    f.secondSyncSeconds.toFixed(3), f.querySeconds.toFixed(3), String(f.queryRows), f.reconcileSeconds.toFixed(2), String(f.reconcileFigures),
    f.statementSeconds.toFixed(2), String(f.statementEntries)]);
  printTable(header, table);
  console.log(`  floor: eth_getLogs ${getLogsSeconds.toFixed(2)} s for ${logs} logs (${result.logsPerSecond} logs/s); query: participantPayments of "${g.names[0]}" over the whole period; reconcile: every figure at the head, no difference; statement: "${g.names[0]}"'s camt.053 and CSV of the whole period`);
}

main().then(() => process.exit(0), (e) => {
  console.error(`error: ${(e as Error).message.split("\n")[0]}`);
  process.exit(1);
});
