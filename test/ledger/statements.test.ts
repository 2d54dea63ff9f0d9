import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import { informationReference } from "../../lib/payment-info";
import { LedgerDb, openLedger } from "../../lib/ledger/db";
import { findParticipant } from "../../lib/ledger/payments";
import { decimalAmount, STATEMENT_CSV_COLUMNS } from "../../lib/ledger/statement";
import { formatAmount } from "../../lib/format";
import { creditNotifications, DEVELOPMENT_BANK_NAME, participantStatements, servicerFromEnv, statementId } from "../../lib/ledger/statements";
import { syncLedger } from "../../lib/ledger/sync";
import { postgresBin, startPostgres, TestCluster } from "../helpers/postgres";
import { useTemporaryDeployments, useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";
import { ACME_LEI, failed, GLOBEX_LEI, load, ok, run } from "../tasks/helpers";
import { activity, INVOICE, ISO_PAYMENT } from "./activity";
import { schemaDir, validate, XSD_053, XSD_054, xpath } from "./xsd";

const BANK = { BANK_NAME: "Example Bank AG", BANK_BIC: "DEUTDEFFXXX", BANK_LEI: "5493001KJTIIGC8Y1R12" };

/** The balance of a wallet at the end of the last block booked at or before `seconds` (0 before the first). */
async function balanceAt(token: { balanceOf(a: string, o: { blockTag: number }): Promise<bigint> }, wallet: string, seconds: number): Promise<bigint> {
  for (let n = await ethers.provider.getBlockNumber(); n >= 0; n--) {
    if ((await ethers.provider.getBlock(n))!.timestamp <= seconds) return token.balanceOf(wallet, { blockTag: n });
  }
  return 0n;
}

/** Every CSV field of a file without RFC 4180 quoting (the files of this test hold no comma or quote in a field). */
const csvRows = (text: string) => text.trimEnd().split("\r\n").map((l) => l.split(","));

describe("ledger: statements of a participant (camt.053, camt.054, CSV)", function () {
  this.timeout(180_000);
  useTemporaryDeployments();
  const ledger = useTemporaryDir("ledger-statements", { env: "LEDGER_DIR", ledger: true });
  const out = useTemporaryDir("statements-out", { each: true });
  let saved: Record<string, string | undefined>;
  before(function () {
    saved = Object.fromEntries(Object.keys(BANK).map((k) => [k, process.env[k]]));
    Object.assign(process.env, BANK);
  });
  after(function () {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  it("writes per wallet and currency a camt.053 valid against the official schema and its CSV: balances equal balanceOf at the bounds, every entry with what was sent, one camt.054 per incoming payment", async function () {
    const f = await load(activity);
    ok(await run("ledger", { subcommand: "sync" }));
    const globex = f.globex.address;
    const last = (await ethers.provider.getBlock("latest"))!.timestamp;
    // The period starts at the block of the ISO 20022 payment: the earlier activity is the opening balance.
    const db = await openLedger({ dir: ledger() });
    let isoTime: number;
    try {
      const [row] = await db.query("SELECT extract(epoch FROM p.block_time)::int AS t FROM payments p WHERE p.reference = $1", [informationReference(ISO_PAYMENT)]);
      isoTime = Number(row.t);
    } finally {
      await db.close();
    }
    const from = String(isoTime);
    const to = String(last);
    const text = ok(await run("ledger", { subcommand: "statement", participant: GLOBEX_LEI, from, to, out: out(), camt054: true }));
    const files = fs.readdirSync(out()).sort();
    const stem = `${GLOBEX_LEI}.${globex.toLowerCase().slice(2, 10)}.USD.${new Date(isoTime * 1000).toISOString().replace(/\.000Z$/, "Z").replace(/[-:]/g, "")}_${new Date(last * 1000).toISOString().replace(/\.000Z$/, "Z").replace(/[-:]/g, "")}`;
    expect(files.filter((n) => n.startsWith("camt053."))).to.deep.equal([`camt053.${stem}.csv`, `camt053.${stem}.xml`]);

    const opening = await balanceAt(f.usd, globex, isoTime - 1);
    const closing = await balanceAt(f.usd, globex, last);
    expect(closing).to.equal(await f.usd.balanceOf(globex));
    const units = (v: bigint) => formatAmount(v, 2);
    expect(text).to.match(new RegExp(`^statements of LEI ${GLOBEX_LEI} from .* \\(ledger at block \\d+, servicer Example Bank AG\\): 1 accounts$`, "m"));
    const line = new RegExp(`^  .*camt053\\.${stem.replace(/\./g, "\\.")}\\.xml: (\\d+) entries, opening ${units(opening)} USD, closing ${units(closing)} USD$`, "m");
    expect(text).to.match(line);

    const csv = fs.readFileSync(path.join(out(), `camt053.${stem}.csv`), "utf8");
    const rows = csvRows(csv);
    const col = (r: string[], name: (typeof STATEMENT_CSV_COLUMNS)[number]) => r[STATEMENT_CSV_COLUMNS.indexOf(name)];
    const entryRows = rows.filter((r) => col(r, "record") === "entry");
    expect(Number(line.exec(text)![1])).to.equal(entryRows.length).and.to.be.greaterThan(4);
    expect(col(rows[1], "amount")).to.equal(decimalAmount(opening, 2));
    expect(col(rows[rows.length - 1], "amount")).to.equal(decimalAmount(closing, 2));
    const iso = entryRows.find((r) => col(r, "uetr") === ISO_PAYMENT.uetr)!;
    expect([col(iso, "direction"), col(iso, "amount"), col(iso, "kind"), col(iso, "end_to_end_id"), col(iso, "counterparty_lei"), col(iso, "counterparty_address")])
      .to.deep.equal(["CRDT", "1234.56", "payment", ISO_PAYMENT.endToEndId, ACME_LEI, f.acme.address]);
    expect(csv).to.contain(ISO_PAYMENT.remittance);
    expect(entryRows.map((r) => [col(r, "direction"), col(r, "kind")])).to.deep.include.members([["CRDT", "trade"], ["DBIT", "forced-transfer"]]);

    const xml = fs.readFileSync(path.join(out(), `camt053.${stem}.xml`), "utf8");
    if (schemaDir() !== undefined) expect(await validate(xml, XSD_053)).to.deep.equal([]);
    expect(await xpath(xml, "string(//Bal[Tp/CdOrPrtry/Cd='OPBD']/Amt)")).to.equal(decimalAmount(opening, 2));
    expect(await xpath(xml, "string(//Bal[Tp/CdOrPrtry/Cd='CLBD']/Amt)")).to.equal(decimalAmount(closing, 2));
    expect(await xpath(xml, "count(//Ntry)")).to.equal(String(entryRows.length));
    expect(await xpath(xml, `string(//TxDtls[Refs/UETR='${ISO_PAYMENT.uetr}']/Refs/EndToEndId)`)).to.equal(ISO_PAYMENT.endToEndId);
    expect(await xpath(xml, `string(//TxDtls[Refs/UETR='${ISO_PAYMENT.uetr}']/RmtInf/Ustrd)`)).to.equal(ISO_PAYMENT.remittance);
    expect(await xpath(xml, "string(//Stmt/Acct/Svcr/FinInstnId/BICFI)")).to.equal(BANK.BANK_BIC);

    // One credit notification per incoming payment of the period (the payments and the batch's net credit), each valid.
    const notices = files.filter((n) => n.startsWith("camt054."));
    const incoming = entryRows.filter((r) => col(r, "direction") === "CRDT" && col(r, "kind") === "payment");
    expect(notices).to.have.length(incoming.length).and.to.have.length.greaterThan(1);
    expect(notices.sort()).to.deep.equal(incoming.map((r) => `camt054.${GLOBEX_LEI}.${globex.toLowerCase().slice(2, 10)}.USD.${col(r, "block_number")}-${col(r, "log_index")}.xml`).sort());
    for (const n of notices) {
      const notice = fs.readFileSync(path.join(out(), n), "utf8");
      if (schemaDir() !== undefined) expect(await validate(notice, XSD_054), n).to.deep.equal([]);
      expect(await xpath(notice, "string(//Ntry/CdtDbtInd)")).to.equal("CRDT");
    }
  });

  it("gives every entry its UETR, end-to-end id, remittance and reference text, and over all time opens at zero and closes at balanceOf", async function () {
    const f = await load(activity);
    ok(await run("ledger", { subcommand: "sync" }));
    const db = await openLedger({ dir: ledger() });
    try {
      const globex = await findParticipant(db, GLOBEX_LEI);
      const [s] = await participantStatements(db, globex, 0, 4_102_444_799, servicerFromEnv("hardhat"), new Date("2027-01-01T00:00:00Z"));
      expect([s.opening, s.closing]).to.deep.equal([0n, await f.usd.balanceOf(f.globex.address)]);
      expect(s.id).to.equal(statementId(f.globex.address, "USD", 0, 4_102_444_799)).and.to.have.length.at.most(35);
      const iso = s.entries.find((e) => e.reference === informationReference(ISO_PAYMENT))!;
      expect(iso).to.deep.include({ direction: "CRDT", amount: 1_234_56n, uetr: ISO_PAYMENT.uetr, endToEndId: ISO_PAYMENT.endToEndId, remittance: ISO_PAYMENT.remittance });
      expect(iso.counterparty).to.deep.equal({ address: f.acme.address.toLowerCase(), name: `LEI ${ACME_LEI}`, lei: ACME_LEI });
      const invoice = s.entries.find((e) => e.reference === informationReference(INVOICE))!;
      expect(invoice).to.deep.include({ referenceText: INVOICE.reference, uetr: undefined });
      // The DvP trades' cash legs: the escrow trade with its reference; a signed batch's net movement has none of its own.
      const trades = s.entries.filter((e) => e.kind === "trade");
      expect(trades.map((e) => [e.direction, e.amount, e.counterparty?.lei, e.reference])).to.deep.equal([["CRDT", 1_000_00n, ACME_LEI, f.trade.ref], ["CRDT", 100_00n, ACME_LEI, ethers.ZeroHash]]);
      expect(s.entries.map((e) => [e.blockNumber, e.logIndex])).to.deep.equal([...s.entries].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex).map((e) => [e.blockNumber, e.logIndex]));
      expect(creditNotifications(s).map((n) => n.entry)).to.deep.equal(s.entries.filter((e) => e.direction === "CRDT" && e.kind === "payment"));
      // Acme's redemption: a debit into the token's custody.
      const [a] = await participantStatements(db, await findParticipant(db, ACME_LEI), 0, 4_102_444_799, servicerFromEnv("hardhat"));
      const redemption = a.entries.find((e) => e.kind === "redemption")!;
      expect(redemption).to.deep.include({ direction: "DBIT", amount: 500_00n });
      expect(redemption.counterparty!.name).to.equal("DepositToken:USD (redemption custody)");
      const issued = a.entries.find((e) => e.kind === "issuance")!;
      expect(issued).to.deep.include({ direction: "CRDT", counterparty: undefined });
      expect(a.closing).to.equal(await f.usd.balanceOf(f.acme.address));
    } finally {
      await db.close();
    }
  });

  it("refuses a missing ledger, an unknown participant, a wrong date and a period that ends before it starts in one line each", async function () {
    await load(activity);
    const args = { subcommand: "statement", participant: GLOBEX_LEI, from: "2026-01-01", to: "2026-12-31", out: out() };
    const none = path.join(out(), "no-ledger");
    process.env.LEDGER_DIR = none;
    try {
      expect(failed(await run("ledger", args))).to.equal(`error: no ledger for network "hardhat" at ${none}: run npm run ledger -- sync --network hardhat first (or set LEDGER_DIR or DATABASE_URL)`);
    } finally {
      process.env.LEDGER_DIR = ledger();
    }
    ok(await run("ledger", { subcommand: "sync" }));
    expect(failed(await run("ledger", { ...args, participant: "Initech" }))).to.match(/^error: --participant "Initech" is not a participant in the ledger \(id 0x[0-9a-f]{64}\); check the LEI or name, or sync the ledger first$/);
    expect(failed(await run("ledger", { ...args, from: "yesterday" }))).to.equal(`error: --from "yesterday" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds`);
    expect(failed(await run("ledger", { ...args, from: "2027-02-01", to: "2027-01-31" }))).to.equal("error: --from 2027-02-01T00:00:00Z is after --to 2027-01-31T23:59:59Z");
    expect(failed(await run("ledger", { ...args, to: undefined }))).to.equal("error: --to is needed: the last day of the statement period (YYYY-MM-DD, ISO 8601 or unix seconds)");
    expect(failed(await run("ledger", { subcommand: "audit" }))).to.equal(`error: unknown ledger subcommand "audit": use sync or payments or reconcile or statement`);
    expect(fs.readdirSync(out())).to.deep.equal([]);
    // An empty ledger (migrated, never synced) is refused as such.
    const empty = await openLedger({ dir: await seedLedgerDir(none) });
    await empty.close();
    process.env.LEDGER_DIR = none;
    try {
      expect(failed(await run("ledger", args))).to.equal(`error: the ledger of network "hardhat" is empty: run npm run ledger -- sync --network hardhat first`);
    } finally {
      process.env.LEDGER_DIR = ledger();
    }
  });

  it("lists the files and balances in --json", async function () {
    const f = await load(activity);
    ok(await run("ledger", { subcommand: "sync" }));
    const json = JSON.parse(ok(await run("ledger", { subcommand: "statement", participant: ACME_LEI, from: "2000-01-01", to: "2100-12-31", out: out(), json: true })));
    expect(json.servicer).to.deep.equal({ name: BANK.BANK_NAME, bic: BANK.BANK_BIC, lei: BANK.BANK_LEI });
    const stem = `${ACME_LEI}.${f.acme.address.toLowerCase().slice(2, 10)}.USD.2000-01-01_2100-12-31`;
    expect(json.files.map((x: { file: string }) => path.basename(x.file))).to.deep.equal([`camt053.${stem}.xml`, `camt053.${stem}.csv`]);
    expect(json.files[0]).to.deep.include({ kind: "camt.053", currency: "USD", opening: "0", closing: (await f.usd.balanceOf(f.acme.address)).toString() });
    expect(fs.existsSync(json.files[1].file)).to.equal(true);
  });

  it("names the bank from BANK_NAME, BANK_BIC and BANK_LEI: required off development networks, each checked", function () {
    expect(servicerFromEnv("hardhat", {})).to.deep.equal({ name: DEVELOPMENT_BANK_NAME });
    expect(servicerFromEnv("qbft", { ...BANK })).to.deep.equal({ name: BANK.BANK_NAME, bic: BANK.BANK_BIC, lei: BANK.BANK_LEI });
    expect(() => servicerFromEnv("rpc", { RPC_URL: "http://127.0.0.1:8830" })).to.throw(`BANK_NAME is not set: the statements of network "rpc" name the bank that keeps the accounts (BANK_NAME, and BANK_BIC or BANK_LEI)`);
    expect(() => servicerFromEnv("hardhat", { BANK_BIC: "DEUT-DE" })).to.throw(`BANK_BIC "DEUT-DE" is not a BIC (ISO 9362: 8 or 11 capitals or digits)`);
    expect(() => servicerFromEnv("hardhat", { BANK_LEI: "5493001KJTIIGC8Y1R13" })).to.throw(`BANK_LEI "5493001KJTIIGC8Y1R13" is not an LEI (ISO 17442: 20 capitals or digits with valid check digits)`);
  });

  describe("in PostgreSQL", function () {
    const BIN = postgresBin();
    let cluster: TestCluster | undefined;
    let db: LedgerDb | undefined;
    before(async function () {
      if (!BIN) this.skip();
      cluster = await startPostgres(BIN!, 8830, 8839);
    });
    after(async function () {
      await db?.close();
      await cluster?.stop();
    });

    it("gives the same statements from PostgreSQL as from PGlite", async function () {
      const f = await load(activity);
      db = await openLedger({ url: cluster!.url });
      await syncLedger(db, ethers.provider, f.record);
      const lite = await openLedger({ dir: await seedLedgerDir(path.join(out(), "pglite")) });
      try {
        await syncLedger(lite, ethers.provider, f.record);
        const at = new Date("2027-01-01T00:00:00Z");
        const [pg, pl] = [db, lite].map(async (d) => participantStatements(d, await findParticipant(d, GLOBEX_LEI), 0, 4_102_444_799, servicerFromEnv("hardhat"), at));
        const fromPg = await pg;
        expect(fromPg).to.have.length(1);
        expect(fromPg[0].closing).to.equal(await f.usd.balanceOf(f.globex.address));
        expect(fromPg).to.deep.equal(await pl);
      } finally {
        await lite.close();
      }
    });
  });
});
