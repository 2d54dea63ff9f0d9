import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  formatAmount, hiddenCharacter, parseAddress, parseAmount, parseDate, parseLegalName, parseParticipant, participantDisplay, participantFields, participantId, participantNameLabel, refText, refuseHiddenCharacters, shownRef, toReference, tradeRef,
} from "../../lib/format";
import { lockedTrade, termsHash } from "../../lib/dvp";
import { describeError, explainError } from "../../lib/errors";
import { freePort } from "../../lib/ports";
import { depositTokenFixture, dvpFixture, ids, usd } from "../fixtures";

describe("lib: amounts, references and errors for operators", function () {
  it("parses currency units exactly, never through floats", function () {
    expect(parseAmount("1250000.00", 2)).to.equal(125000000n);
    expect(parseAmount("1,250,000.5", 2)).to.equal(125000050n);
    expect(parseAmount("0.1", 2) + parseAmount("0.2", 2)).to.equal(parseAmount("0.3", 2));
    expect(parseAmount("7", 0)).to.equal(7n);
  });

  it("names the bad amount and why it is refused", function () {
    expect(() => parseAmount("12.345", 2)).to.throw('amount "12.345" has 3 decimals; the token has 2');
    expect(() => parseAmount("1e6", 2)).to.throw('amount "1e6" is not an amount in currency units: write 1250000.00 or 1,250,000.00');
    expect(() => parseAmount("-5", 2)).to.throw('amount "-5" is not an amount in currency units');
    expect(() => parseAmount("", 2, "--amount")).to.throw('--amount "" is not an amount in currency units');
  });

  it("takes commas only as thousands separators: a decimal comma or loose commas are refused, never stripped", function () {
    expect(parseAmount("1,250,000.00", 2)).to.equal(125000000n);
    expect(parseAmount("999,999", 0)).to.equal(999999n);
    for (const bad of ["1,50", "1,5", "12,34,567.00", "1,2345.00", ",100", "100,", "1,000,00", "1.000,50", "1,000.00,5", "1 000.00"]) {
      expect(() => parseAmount(bad, 2, "--amount"), bad).to.throw(`--amount "${bad}" is not an amount in currency units`);
    }
  });

  it("keeps trade references readable: text up to 31 bytes is stored as itself and read back", function () {
    expect(refText(tradeRef("TRADE-0001"))).to.equal("TRADE-0001");
    expect(tradeRef("TRADE-0001")).to.equal(ethers.encodeBytes32String("TRADE-0001"));
    expect(refText(ethers.id("hashed"))).to.equal(ethers.id("hashed"));
    expect(() => tradeRef("x".repeat(32))).to.throw(`--ref "${"x".repeat(32)}" is longer than 31 bytes`);
  });

  describe("references with characters a reader cannot see (one test, lib/format.ts hiddenCharacter, for commands and page)", function () {
    it("shows a participant name recorded on chain with its hidden characters as code points", function () {
      expect(participantNameLabel("Globex\u202E Markets")).to.equal("Globex\\u{202E} Markets");
      expect(participantNameLabel("LEI:5493001KJTIIGC8Y1R12")).to.equal("LEI 5493001KJTIIGC8Y1R12");
      expect(participantNameLabel("Acme\u200BTreasury")).to.equal("Acme\\u{200B}Treasury");
      expect(participantNameLabel("Société Générale")).to.equal("Société Générale");
    });

    // "TRADE-1<RLO>0001" prints as "TRADE-11000": the override reverses what follows it.
    const RLO = "TRADE-1\u202E0001";
    const ZWSP = "TRADE\u200B-0001";
    const onChain = (text: string) => ethers.hexlify(ethers.zeroPadBytes(ethers.toUtf8Bytes(text), 32));

    it("finds the first hidden character: its position in characters, its code point and what it is", function () {
      expect(hiddenCharacter(RLO)).to.deep.equal({ position: 8, codePoint: "U+202E", kind: "an invisible format character" });
      expect(hiddenCharacter(ZWSP)).to.deep.equal({ position: 6, codePoint: "U+200B", kind: "an invisible format character" });
      expect(hiddenCharacter("€-\u200DX")!.position).to.equal(3);
      expect(hiddenCharacter("A\u0007B")).to.deep.equal({ position: 2, codePoint: "U+0007", kind: "a control character" });
      expect(hiddenCharacter("A\u0085B")!.kind).to.equal("a control character");
      expect(hiddenCharacter("TRADE\u00A01")).to.deep.equal({ position: 6, codePoint: "U+00A0", kind: "a space or separator other than U+0020" });
      expect(hiddenCharacter("\u{1F600}\u{E0041}")).to.deep.equal({ position: 2, codePoint: "U+E0041", kind: "an invisible format character" });
      expect(hiddenCharacter("A\u3164B")).to.deep.equal({ position: 2, codePoint: "U+3164", kind: "an invisible character" });
      for (const c of ["\u200C", "\u2060", "\u2064", "\uFEFF", "\u202A", "\u202D", "\u2066", "\u2069", "\u00AD", "\u061C", "\u2028", "\uFE0F", "\uE000"]) {
        expect(hiddenCharacter(`A${c}`), `U+${c.codePointAt(0)!.toString(16)}`).to.not.equal(undefined);
      }
      for (const visible of ["TRADE-0001", "INV 2026/0042", "Zürich Überweisung", "東京-0001", "Société Générale"]) {
        expect(hiddenCharacter(visible), visible).to.equal(undefined);
      }
    });

    it("shows a trade reference read from chain or a file as its bytes32 hex when its text has one, as the text otherwise", function () {
      expect(refText(onChain(RLO))).to.equal(onChain(RLO));
      expect(refText(onChain(ZWSP))).to.equal(onChain(ZWSP));
      expect(refText(onChain("TRADE\u00000001"))).to.equal(onChain("TRADE\u00000001"));
      expect(refText(onChain("Zürich-7"))).to.equal("Zürich-7");
      expect(shownRef(RLO, ethers.id(RLO))).to.equal(ethers.id(RLO));
      expect(shownRef("INV-1", ethers.id("INV-1"))).to.equal("INV-1");
      expect(shownRef("", ethers.ZeroHash)).to.equal(ethers.ZeroHash);
    });

    it("refuses a typed reference with one, naming the option, position and code point, not repeating the text", function () {
      expect(() => tradeRef(RLO, "--ref")).to.throw("--ref has an invisible format character at character 8 (U+202E): a reference with one can look like another; type it again without it");
      expect(() => toReference(ZWSP, "--deposit-ref")).to.throw("--deposit-ref has an invisible format character at character 6 (U+200B)");
      expect(() => toReference("INV-1\n", "reference")).to.throw("reference has a control character at character 6 (U+000A)");
      expect(() => participantId("Acme\u200DTreasury")).to.throw("participant id has an invisible format character at character 5 (U+200D)");
      expect(() => refuseHiddenCharacters(RLO, "--ref")).to.throw(Error).that.satisfies((e: Error) => !e.message.includes(RLO));
      expect(toReference("INV 2026/0042")).to.equal(ethers.id("INV 2026/0042"));
    });
  });

  it("reads a date as the end of that day UTC, or as its start for the first moment of a period; times and unix seconds as given", function () {
    expect(parseDate("2030-06-30")).to.equal(Date.parse("2030-06-30T23:59:59Z") / 1000);
    expect(parseDate("2030-06-30", "--valid-after", "start")).to.equal(Date.parse("2030-06-30T00:00:00Z") / 1000);
    expect(parseDate("2030-06-30T12:00:00Z", "--valid-after", "start")).to.equal(Date.parse("2030-06-30T12:00:00Z") / 1000);
    expect(parseDate("1900000000", "--valid-after", "start")).to.equal(1900000000);
    expect(() => parseDate("30/06/2030", "--valid-after", "start")).to.throw('--valid-after "30/06/2030" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds');
  });

  it("formats amounts with every decimal and thousands grouped", function () {
    expect(formatAmount(125000050n, 2)).to.equal("1,250,000.50");
    expect(formatAmount(5n, 2)).to.equal("0.05");
    expect(formatAmount(1234n, 0)).to.equal("1,234");
    expect(formatAmount(-100n, 2)).to.equal("-1.00");
  });

  it("takes references as text (hashed) or as 32-byte hex", function () {
    expect(toReference("INV-1")).to.equal(ethers.id("INV-1"));
    const hex = ethers.id("x");
    expect(toReference(hex.toUpperCase().replace("0X", "0x"))).to.equal(hex);
    expect(() => toReference("0x1234")).to.throw('reference "0x1234" starts with 0x but is not 32 bytes of hex');
    expect(() => toReference("", "--ref")).to.throw("--ref is empty");
  });

  it("derives participant ids from an LEI or a name", function () {
    expect(participantId("5493001kjtiigc8y1r12")).to.equal(ethers.id("LEI:5493001KJTIIGC8Y1R12"));
    expect(participantId("Acme Treasury")).to.equal(ethers.id("Acme Treasury"));
  });

  it("refuses an LEI with wrong check digits, naming the option and the rule, and never takes it as a name", function () {
    expect(() => participantId("5493001KJTIIGC8Y1R13", "--id")).to.throw('--id "5493001KJTIIGC8Y1R13" has wrong check digits 13 (ISO 17442 mod 97-10): check the LEI');
    expect(() => participantId("5493001kjtiigc8y1r21")).to.throw('participant id "5493001kjtiigc8y1r21" has wrong check digits 21 (ISO 17442 mod 97-10)');
    expect(parseParticipant(" 529900t8bm49aursdo55 ", "--id")).to.deep.equal({ id: ethers.id("LEI:529900T8BM49AURSDO55"), lei: "529900T8BM49AURSDO55", text: "LEI:529900T8BM49AURSDO55" });
    expect(parseParticipant("Globex Markets")).to.deep.equal({ id: ethers.id("Globex Markets"), text: "Globex Markets" });
    const hex = ethers.id("LEI:529900T8BM49AURSDO55");
    expect(parseParticipant(hex)).to.deep.equal({ id: hex });
    expect(() => parseParticipant("  ", "--id")).to.throw("--id is empty");
  });

  it("takes a legal name of up to 140 bytes of UTF-8 without hidden characters, trimmed", function () {
    expect(parseLegalName("  Initech Corp. ")).to.equal("Initech Corp.");
    expect(parseLegalName("É".repeat(70))).to.equal("É".repeat(70));
    expect(() => parseLegalName("É".repeat(71))).to.throw("--name is 142 bytes of UTF-8; a legal name is at most 140");
    expect(() => parseLegalName(" ")).to.throw("--name is empty: give the institution's legal name");
    expect(() => parseLegalName("Initech\u202E Corp.")).to.throw("--name has an invisible format character at character 8 (U+202E)");
  });

  it("labels a participant by its legal name and LEI when both are recorded, by what is recorded otherwise", function () {
    const id = ethers.id("LEI:5493001KJTIIGC8Y1R12");
    expect(participantDisplay(id, "LEI:5493001KJTIIGC8Y1R12", "Initech Corp.")).to.equal("Initech Corp. (LEI 5493001KJTIIGC8Y1R12)");
    expect(participantDisplay(id, "LEI:5493001KJTIIGC8Y1R12", undefined)).to.equal("LEI 5493001KJTIIGC8Y1R12");
    expect(participantDisplay(id, "SETTLEMENT-AGENT", "Northwind Ltd")).to.equal("Northwind Ltd (SETTLEMENT-AGENT)");
    expect(participantDisplay(id, "Globex Markets", "Globex Markets")).to.equal("Globex Markets");
    expect(participantDisplay(id, undefined, "Initech Corp.")).to.equal("Initech Corp.");
    expect(participantDisplay(id, undefined, undefined)).to.equal(id);
    expect(participantDisplay(id, "LEI:5493001KJTIIGC8Y1R12", "Initech\u202E Corp.")).to.equal("Initech\\u{202E} Corp. (LEI 5493001KJTIIGC8Y1R12)");
    expect(participantFields("LEI:5493001KJTIIGC8Y1R12", "Initech Corp.")).to.deep.equal({ lei: "5493001KJTIIGC8Y1R12", name: "Initech Corp." });
    expect(participantFields("LEI:5493001KJTIIGC8Y1R12")).to.deep.equal({ lei: "5493001KJTIIGC8Y1R12", name: null });
    expect(participantFields("Globex Markets")).to.deep.equal({ lei: null, name: "Globex Markets" });
    expect(participantFields(undefined, "Globex\u200B Ltd")).to.deep.equal({ lei: null, name: "Globex\\u{200B} Ltd" });
    expect(participantFields(undefined)).to.deep.equal({ lei: null, name: null });
  });

  it("checks addresses and names the bad one", function () {
    expect(parseAddress("0x" + "ab".repeat(20))).to.equal(ethers.getAddress("0x" + "ab".repeat(20)));
    expect(() => parseAddress("0x123", "--to")).to.throw('--to "0x123" is not an address');
  });

  it("decodes a refused call into its custom error with arguments", async function () {
    const { token, registry, alice, carol } = await loadFixture(depositTokenFixture);
    let caught: unknown;
    try {
      await token.connect(alice).transfer(carol.address, 1n);
    } catch (e) {
      caught = e;
    }
    expect(describeError(caught, [registry.interface, token.interface])).to.equal(`ParticipantNotAllowed(wallet=${carol.address})`);
  });

  it("explains refusals in words for the demo and the commands alike: currency units, role and state names", async function () {
    const { token, desk, registry, alice, bob, carol, issuer, compliance } = await loadFixture(depositTokenFixture);
    const ctx = { interfaces: [registry.interface, token.interface, desk.interface], registry, amount: (v: bigint) => `${formatAmount(v, 2)} USD` };
    const refusal = async (call: Promise<unknown>) => {
      try {
        await call;
      } catch (e) {
        return explainError(e, ctx);
      }
      throw new Error("not refused");
    };
    expect(await refusal(token.connect(alice).transfer(bob.address, usd("20000.00"))))
      .to.equal(`ERC20InsufficientBalance: ${alice.address} holds 10,000.00 USD, needs 20,000.00 USD`);
    expect(await refusal(token.connect(issuer).pause()))
      .to.equal(`AccessControlUnauthorizedAccount: ${issuer.address} does not hold PAUSER_ROLE`);
    expect(await refusal(token.connect(alice).transfer(carol.address, 1n)))
      .to.equal(`ParticipantNotAllowed: ${carol.address} (not linked to any participant)`);
    expect(await refusal(desk.connect(issuer).mint(alice.address, 1n, ethers.id("deposit-alice-1"))))
      .to.equal(`DepositRefAlreadyUsed: deposit reference ${ethers.id("deposit-alice-1")} has already issued tokens: a deposit issues once, ever`);
    expect(await refusal(registry.connect(compliance).setStatus(ids.alpha, 1)))
      .to.equal(`StatusUnchanged: ${ids.alpha} status Active`);
    const refused = (index: number, name: string, values: unknown[]) => explainError(
      { data: token.interface.encodeErrorResult("PaymentInstructionRefused", [index, token.interface.encodeErrorResult(name, values)]) }, ctx);
    expect(await refused(2, "SelfPayment", [alice.address]))
      .to.equal(`instruction 2: SelfPayment: ${alice.address} is both payer and payee: a wallet cannot pay itself`);
    expect(await refused(3, "AmountOverflow", [usd("10.00"), ethers.MaxUint256 - 10n]))
      .to.equal(`instruction 3: AmountOverflow: the batch's gross value so far (10.00 USD) plus this instruction's ${formatAmount(ethers.MaxUint256 - 10n, 2)} USD passes 2^256 - 1`);
    expect(await explainError({ data: token.interface.encodeErrorResult("CustodianCannotApprove", [bob.address]) }, ctx))
      .to.equal(`CustodianCannotApprove: ${bob.address} is a custodian: it holds tokens for others and cannot grant an allowance`);
  });

  it("explains the refusals of role and admin changes: where a conflicting role is held, the admin transfer's delay", async function () {
    const { token, desk, registry, alice } = await loadFixture(depositTokenFixture);
    const interfaces = [registry.interface, token.interface, desk.interface];
    const conflict = { data: registry.interface.encodeErrorResult("ConflictingRoles", [alice.address, ethers.id("ISSUER_ROLE"), ethers.id("RESERVE_ROLE")]) };
    expect(await explainError(conflict, { interfaces }))
      .to.equal(`ConflictingRoles: ${alice.address} holds RESERVE_ROLE, which must stay apart from ISSUER_ROLE: one key may not hold both duties`);
    const asked: string[] = [];
    const roleHeldOn = (role: string, account: string) => {
      asked.push(`${role}/${account}`);
      return Promise.resolve(["IssuanceDesk:USD", "IssuanceDesk:EUR"]);
    };
    expect(await explainError(conflict, { interfaces, roleHeldOn }))
      .to.equal(`ConflictingRoles: ${alice.address} holds RESERVE_ROLE on IssuanceDesk:USD, IssuanceDesk:EUR, which must stay apart from ISSUER_ROLE: one key may not hold both duties`);
    expect(asked).to.deep.equal([`${ethers.id("RESERVE_ROLE")}/${alice.address}`]);
    const error = (name: string, values: unknown[]) => explainError({ data: desk.interface.encodeErrorResult(name, values) }, { interfaces });
    expect(await error("AccessControlEnforcedDefaultAdminDelay", [1798761600]))
      .to.equal("AccessControlEnforcedDefaultAdminDelay: the default admin transfer becomes acceptable after 2027-01-01T00:00:00Z");
    expect(await error("AccessControlEnforcedDefaultAdminDelay", [0])).to.equal("AccessControlEnforcedDefaultAdminDelay: no default admin transfer is pending");
    expect(await error("AccessControlInvalidDefaultAdmin", [alice.address])).to.equal(`AccessControlInvalidDefaultAdmin: ${alice.address} is not the pending default admin`);
    expect(await error("InvalidMaxAttestationAge", [0])).to.equal("InvalidMaxAttestationAge: a maximum attestation age of 0 s is not allowed");
  });
});

describe("lib: a trade of the locking flow by its id (lib/dvp.ts) and other terms refused in words (lib/errors.ts)", function () {
  it("finds a trade's terms from its TradeProposed event, hashed as the escrow hashes them, and explains TradeTermsMismatch", async function () {
    const { escrow, registry, terms, alice } = await loadFixture(dvpFixture);
    expect(await lockedTrade(escrow, ethers.id("no trade"))).to.deep.equal({ state: 0n });
    const receipt = await (await escrow.connect(alice).proposeTrade(terms)).wait();
    const tradeId = escrow.interface.parseLog(receipt!.logs.find((l) => escrow.interface.parseLog(l)?.name === "TradeProposed")!)!.args.tradeId as string;
    expect(await escrow.hashTerms(terms)).to.equal(termsHash(terms));
    expect(await lockedTrade(escrow, tradeId)).to.deep.equal({ state: 1n, terms });
    await expect(lockedTrade(escrow, tradeId, receipt!.blockNumber + 1))
      .to.be.rejectedWith(`trade ${tradeId}: no TradeProposed event from block ${receipt!.blockNumber + 1} on carries the terms the escrow holds (hash ${termsHash(terms)})`);
    const other = { ...terms, cashAmount: terms.cashAmount + 1n };
    let caught: unknown;
    try {
      await escrow.connect(alice).cancel(tradeId, other);
    } catch (e) {
      caught = e;
    }
    expect(await explainError(caught, { interfaces: [registry.interface, escrow.interface] })).to.equal(
      `TradeTermsMismatch: the terms given for trade ${tradeId} (hash ${termsHash(other)}) are not the terms it was proposed with: pass them as its TradeProposed event carries them`);
  });
});

describe("lib/ports: freePort", function () {
  it("gives a port once: a second pick before the first is bound gets another port of the range", async function () {
    const first = await freePort(8860, 8869);
    const second = await freePort(8860, 8869);
    expect(second).to.not.equal(first);
    expect([first, second].every((p) => p >= 8860 && p <= 8869)).to.equal(true);
  });

  it("takes over the claim of a process that has ended", async function () {
    const ended = spawnSync(process.execPath, ["-e", ""]).pid!;
    fs.mkdirSync(path.join(os.tmpdir(), "free-port-claims"), { recursive: true });
    fs.writeFileSync(path.join(os.tmpdir(), "free-port-claims", "8870"), String(ended));
    expect(await freePort(8870, 8870)).to.equal(8870);
    expect(fs.readFileSync(path.join(os.tmpdir(), "free-port-claims", "8870"), "utf8")).to.equal(String(process.pid));
  });
});
