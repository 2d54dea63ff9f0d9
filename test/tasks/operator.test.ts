import { expect } from "chai";
import fs from "fs";
import path from "path";
import { spawnSync } from "child_process";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploymentPath, ESCROW_KEY, readDeployment } from "../../lib/deployment";
import { connectedChainId, depositTokenKey } from "../../lib/deployment";
import { failureCode } from "../../lib/failure";
import { participantId } from "../../lib/format";
import { CommandContext } from "../../lib/cli/context";
import { useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";
import { ACME_LEI, deployed, failed, funded, fundedInTwoCurrencies, load, ok, Run, run, useTemporaryDeployments } from "./helpers";

/** The JSON error of a command that failed under --json: on stdout, nothing on stderr, exit code 1. */
function jsonError(r: Run): { code: string; message: string; reason?: string } {
  expect(r.exitCode).to.equal(1);
  expect(r.errors).to.deep.equal([]);
  expect(r.lines).to.have.length(1);
  const parsed = JSON.parse(r.lines[0]) as { error: { code: string; message: string; reason?: string } };
  expect(Object.keys(parsed)).to.deep.equal(["error"]);
  return parsed.error;
}

/** A checksummed address with the case of one letter flipped: a wrong EIP-55 checksum. */
function miscased(address: string): string {
  const i = [...address].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c));
  const c = address[i];
  return address.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + address.slice(i + 1);
}

/**
 * The README's rule for --json, checked through a whole output: every "<x>Text" beside "<x>" holds an
 * integer string in smallest units under "<x>"; formatted amounts and percentages appear only as text
 * fields; a participant is an object with `lei` and `name` (its legal name), never a label.
 */
function checkJsonRule(where: string, value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJsonRule(`${where}[${i}]`, v));
    return;
  }
  if (value === null || typeof value !== "object") return;
  const o = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    const at = `${where}.${k}`;
    if (typeof v === "string") {
      expect(v, `${at} is a percentage as text`).not.to.match(/^[\d.]+%$/);
      expect(v, `${at} is a participant label`).not.to.match(/(^LEI [0-9A-Z]{20}|\(LEI [0-9A-Z]{20}\))$/);
      if (/^-?\+?[\d,]+(\.\d+)? (USD|EUR|TN-0378)$/.test(v)) expect(k, `${at} is a formatted amount outside a ...Text field`).to.match(/Text$/);
    }
    // A rate is a quotation ("1 USD = 0.920000 EUR") beside its decimal `rate`, not an amount.
    if (k.endsWith("Text") && k !== "rateText" && typeof v === "string" && /^[+-]?[\d,]+(\.\d+)? /.test(v)) {
      expect(o[k.slice(0, -4)], `${at} without its integer ${k.slice(0, -4)}`).to.be.a("string").and.match(/^-?\d+$/);
    }
    checkJsonRule(at, v);
  }
  if ("lei" in o || "name" in o && "id" in o) {
    expect(o, `${where} is a participant`).to.include.keys("lei", "name");
  }
}

/** Acme (buyer) holds cash, Globex (seller) holds 5,000 units of the demo security. */
async function trading() {
  const f = await funded();
  await f.shares.connect(f.issuer).issue(f.globex.address, 5000n);
  return f;
}

/** `trading` with EUR beside USD: Globex also holds 1,000,000.00 EUR (it quotes EUR for USD). */
async function tradingInTwoCurrencies() {
  const f = await fundedInTwoCurrencies();
  await f.shares.connect(f.issuer).issue(f.globex.address, 5000n);
  return f;
}

describe("operator commands a bank can trust (issue 11)", function () {
  useTemporaryDeployments();
  const signedDir = useTemporaryDir("signed", { env: "SIGNED_DIR" });

  describe("amounts", function () {
    it("refuses a decimal comma instead of paying 100 times the amount, and sends nothing", async function () {
      const { usd, acme, globex } = await load(funded);
      const nonce = await ethers.provider.getTransactionCount(acme.address);
      expect(failed(await run("token:transfer", { to: globex.address, amount: "1,50", from: acme.address })))
        .to.equal('error: --amount "1,50" is not an amount in currency units: write 1250000.00 or 1,250,000.00 (a dot for decimals, commas only between thousands)');
      expect(failed(await run("token:transfer", { to: globex.address, amount: "-5.00", from: acme.address })))
        .to.match(/^error: --amount "-5.00" is not an amount in currency units/);
      expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(nonce);
      ok(await run("token:transfer", { to: globex.address, amount: "1,250.50", from: acme.address }));
      expect(await usd.balanceOf(globex.address)).to.equal(125050n);
    });
  });

  describe("the record against the chain", function () {
    it("says in one line that a record does not match this chain when its contracts have no code, and lists nothing", async function () {
      await load(deployed);
      const record = readDeployment("hardhat");
      const empty = (i: number) => ethers.getAddress(`0x${(0xdead0000 + i).toString(16).padStart(40, "0")}`);
      const contracts = Object.fromEntries(Object.entries(record.contracts).map(([k, c], i) => [k, { ...c, address: empty(i) }]));
      fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify({ ...record, contracts }));
      for (const name of ["participant:list", "status", "token:balance"]) {
        expect(failed(await run(name, { wallet: empty(99) }))).to.match(
          /^error: .*hardhat\.json does not match this chain: none of its contracts have code on network "hardhat" \(a restarted node, or a missing --network\?\); start the node the deployment was made on, or deploy again with npm run deploy -- --network localhost; nothing was sent$/);
      }
    });

    it("names --network when there is no record for the network", async function () {
      await load(deployed);
      fs.copyFileSync(deploymentPath("hardhat"), path.join(path.dirname(deploymentPath("hardhat")), "localhost.json"));
      fs.rmSync(deploymentPath("hardhat"));
      expect(failed(await run("status"))).to.match(/does not exist; choose a deployed one with --network \(localhost\) or deploy with npm run deploy -- --network localhost$/);
    });
  });

  describe("structure", function () {
    it("runs token and security commands on a deployment without an escrow", async function () {
      const { globex, record } = await load(funded);
      const { [ESCROW_KEY]: _escrow, ...contracts } = record.contracts;
      fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify({ ...record, contracts }));
      ok(await run("security:issue", { wallet: globex.address, units: "5" }));
      expect(ok(await run("security:balance", { wallet: globex.address }))).to.equal(`${globex.address}: 5 TN-0378`);
      expect(ok(await run("token:balance", { wallet: globex.address }))).to.equal(`${globex.address}: 0.00 USD`);
      expect(failed(await run("dvp:list"))).to.equal('error: the deployment of "hardhat" has no DvPEscrow');
    });
  });

  describe("approvals", function () {
    it("approves the escrow for a security and permits it for cash (signed by the holder, relayed by another account)", async function () {
      const { usd, shares, escrow, acme, globex, admin } = await load(trading);
      const escrowAddress = await escrow.getAddress();
      expect(ok(await run("security:approve", { spender: "escrow", units: "100", from: globex.address })))
        .to.include(`${globex.address} allows the escrow (DvPEscrow ${escrowAddress}) 100 TN-0378`);
      expect(await shares.allowance(globex.address, escrowAddress)).to.equal(100n);
      const adminNonce = await ethers.provider.getTransactionCount(admin.address);
      const acmeNonce = await ethers.provider.getTransactionCount(acme.address);
      const permitted = JSON.parse(ok(await run("token:permit", { spender: "escrow", amount: "18,000.00", from: acme.address, relayer: "0", json: true }))) as Record<string, string>;
      expect([permitted.allowance, permitted.allowanceText]).to.deep.equal(["1800000", "18,000.00 USD"]);
      expect(await usd.allowance(acme.address, escrowAddress)).to.equal(1_800_000n);
      expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(acmeNonce);
      expect(await ethers.provider.getTransactionCount(admin.address)).to.equal(adminNonce + 1);
      ok(await run("token:approve", { spender: globex.address, amount: "5.00", from: acme.address }));
      expect(await usd.allowance(acme.address, globex.address)).to.equal(500n);
      expect(failed(await run("token:approve", { spender: "nobody", amount: "5.00", from: acme.address })))
        .to.equal('error: --spender "nobody" is not an address');
    });

    it("settles signed files once both approvals are in place, and names the missing one before that", async function () {
      const { acme, globex, shares } = await load(trading);
      const terms = { seller: globex.address, buyer: acme.address, units: "100", cashAmount: "18000.00", deadline: "2030-06-30", ref: "TRADE-0002" };
      const seller = ok(await run("dvp:sign", { ...terms, from: globex.address }));
      expect(seller).to.include("signing as seller: 100 TN-0378 from");
      expect(seller).to.include(`${path.join(signedDir(), "TRADE-0002.seller.json")} (trade hash 0x`);
      ok(await run("dvp:sign", { terms: path.join(signedDir(), "TRADE-0002.seller.json"), from: acme.address }));
      const files = { sellerFile: path.join(signedDir(), "TRADE-0002.seller.json"), buyerFile: path.join(signedDir(), "TRADE-0002.buyer.json") };
      expect(failed(await run("dvp:settle-signed", files)))
        .to.equal(`error: ${globex.address} allows the escrow 0 TN-0378, needs 100 TN-0378: it must run security:approve --from ${globex.address} --spender escrow --units 100 (or the :permit command); nothing was sent`);
      ok(await run("security:approve", { spender: "escrow", units: "100", from: globex.address }));
      ok(await run("token:approve", { spender: "escrow", amount: "18000.00", from: acme.address }));
      expect(ok(await run("dvp:settle-signed", files))).to.match(/^settled TRADE-0002: 100 TN-0378 to .* \(trade hash 0x[0-9a-f]{64}\)$/m);
      expect(await shares.balanceOf(acme.address)).to.equal(100n);
      const listed = JSON.parse(ok(await run("dvp:list", { all: true, json: true }))) as { trades: Record<string, string>[] };
      expect(listed.trades.map((t) => [t.ref, t.flow, t.state, t.cashAmountText, t.cashAmount])).to.deep.equal([["TRADE-0002", "signed", "Settled", "18,000.00 USD", "1800000"]]);
      expect(ok(await run("dvp:list"))).to.equal("no open trades");
    });
  });

  describe("identifiers", function () {
    it("lists participants by the LEI or name given at onboarding, read from the chain's events, LEIs in any case", async function () {
      const { acme, globex } = await load(deployed);
      ok(await run("participant:onboard", { id: ACME_LEI.toLowerCase(), wallets: acme.address, kycExpiry: "2030-12-31" }));
      ok(await run("participant:onboard", { id: "Globex Markets", wallets: globex.address, kycExpiry: "2030-12-31" }));
      const listed = ok(await run("participant:list"));
      expect(listed).to.match(new RegExp(`^DVP-ESCROW\\s+Active`, "m"));
      expect(listed).to.match(new RegExp(`^LEI ${ACME_LEI}\\s+Active\\s+2030-12-31T23:59:59Z\\s+${acme.address}\\s+${participantId(ACME_LEI)}$`, "m"));
      expect(listed).to.match(new RegExp(`^Globex Markets\\s+Active\\s+2030-12-31T23:59:59Z\\s+${globex.address}`, "m"));
      expect(ok(await run("participant:show", { id: ACME_LEI.toLowerCase() }))).to.include(`participant LEI ${ACME_LEI} (id ${participantId(ACME_LEI)})`);
      expect(ok(await run("participant:suspend", { id: "Globex Markets" }))).to.include("participant Globex Markets is now Suspended");
    });

    it("shows a trade reference as the text given and takes it in place of the trade id", async function () {
      const { globex, acme } = await load(trading);
      ok(await run("dvp:propose", { seller: globex.address, buyer: acme.address, units: "10", cashAmount: "1800.00", deadline: "2030-06-30", ref: "TRADE-0009" }));
      const shown = JSON.parse(ok(await run("dvp:show", { trade: "TRADE-0009", json: true }))) as Record<string, string>;
      expect([shown.ref, shown.state, shown.cashAmountText, shown.cashAmount]).to.deep.equal(["TRADE-0009", "Proposed", "1,800.00 USD", "180000"]);
      expect(failed(await run("dvp:show", { trade: "TRADE-0010" }))).to.equal('error: no trade with reference "TRADE-0010" was proposed on hardhat');
      expect(failed(await run("dvp:propose", { seller: globex.address, buyer: acme.address, units: "1", cashAmount: "1.00", deadline: "2030-06-30", ref: "R".repeat(32) })))
        .to.equal(`error: --ref "${"R".repeat(32)}" is longer than 31 bytes; a trade reference is kept on chain as its text`);
    });
  });

  describe("failures under --json", function () {
    it("prints a failure as {error: {code, message}} on stdout with exit code 1: BAD_INPUT for a malformed option", async function () {
      const { acme, globex } = await load(funded);
      expect(jsonError(await run("token:transfer", { to: globex.address, amount: "1,50", from: acme.address, json: true }))).to.deep.equal({
        code: "BAD_INPUT",
        message: '--amount "1,50" is not an amount in currency units: write 1250000.00 or 1,250,000.00 (a dot for decimals, commas only between thousands)',
      });
    });

    it("gives REFUSED with the custom error's name as reason for a call the contract refuses before sending", async function () {
      const { acme, outsider } = await load(funded);
      const error = jsonError(await run("token:transfer", { to: outsider.address, amount: "1.00", from: acme.address, json: true }));
      expect([error.code, error.reason]).to.deep.equal(["REFUSED", "ParticipantNotAllowed"]);
      expect(error.message).to.equal(`pay 1.00 USD to ${outsider.address} refused: ParticipantNotAllowed: ${outsider.address} (not linked to any participant); nothing was sent`);
      const unauthorized = jsonError(await run("token:issue", { to: acme.address, amount: "1.00", depositRef: "D-9", from: outsider.address, json: true }));
      expect(unauthorized.code).to.equal("REFUSED");
      expect(unauthorized.message).to.match(/does not hold ISSUER_ROLE/);
    });

    it("gives NOT_FOUND for a missing deployment, trade or file", async function () {
      await load(funded);
      expect(jsonError(await run("dvp:show", { trade: "TRADE-0010", json: true }))).to.deep.equal({ code: "NOT_FOUND", message: 'no trade with reference "TRADE-0010" was proposed on hardhat' });
      const missing = path.join(signedDir(), "missing.json");
      expect(jsonError(await run("dvp:settle-signed", { sellerFile: missing, buyerFile: missing, json: true })))
        .to.deep.equal({ code: "NOT_FOUND", message: `--seller-file ${missing} does not exist` });
      fs.rmSync(deploymentPath("hardhat"));
      expect(jsonError(await run("status", { json: true })).code).to.equal("NOT_FOUND");
    });

    it("gives FAILED for a transaction that fails after it was sent, naming its custom error", async function () {
      const { acme, outsider, usd } = await load(funded);
      const ctx = await CommandContext.open(hre, { json: true });
      const token = usd.connect(acme);
      // Simulated as fine, then refused on chain: what a state change between simulation and mining does.
      const method = Object.assign((...a: Parameters<typeof token.transfer>) => token.transfer(...a), {
        staticCall: () => Promise.resolve(true),
        send: (...a: Parameters<typeof token.transfer>) => token.transfer(a[0], a[1], { gasLimit: 200_000 }),
      }) as unknown as typeof token.transfer;
      const e = await ctx.send("transfer", method, [outsider.address, 1n]).then(() => undefined, (x: unknown) => x);
      expect(failureCode(e)).to.deep.equal({ code: "FAILED", reason: "ParticipantNotAllowed" });
    });

    it("gives NETWORK when the network's node does not answer", async function () {
      const unreachable = {
        network: { name: "localhost", config: { url: "http://127.0.0.1:1" } },
        ethers: { provider: { getNetwork: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")) } },
      } as unknown as typeof hre;
      const e = await connectedChainId(unreachable).then(() => undefined, (x: unknown) => x);
      expect(failureCode(e)).to.deep.equal({ code: "NETWORK" });
      expect((e as Error).message).to.equal('network "localhost" does not answer at http://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1): is its node running? nothing was sent');
    });
  });

  describe("input mistakes in words", function () {
    it("reports a mixed-case address whose EIP-55 checksum fails as a checksum mistake, and takes it in lower case", async function () {
      const { acme, globex, usd } = await load(funded);
      const wrong = miscased(globex.address);
      expect(failed(await run("token:transfer", { to: wrong, amount: "1.00", from: acme.address })))
        .to.equal(`error: --to ${wrong} has a wrong checksum: check the address, or give it in lower case`);
      ok(await run("token:transfer", { to: globex.address.toLowerCase(), amount: "1.00", from: acme.address }));
      expect(await usd.balanceOf(globex.address)).to.equal(100n);
    });

    it("names the option of an amount or a units count beyond 2^256 - 1 of the smallest unit", async function () {
      const { acme, globex } = await load(funded);
      const huge = `1${"0".repeat(76)}`;
      expect(failed(await run("token:transfer", { to: globex.address, amount: huge, from: acme.address })))
        .to.equal(`error: --amount "${huge}" is more than a token amount can be (2^256 - 1 of the token's smallest unit)`);
      const units = `2${"0".repeat(77)}`;
      expect(failed(await run("security:issue", { wallet: globex.address, units })))
        .to.equal(`error: --units "${units}" is more than a token amount can be (2^256 - 1 of the token's smallest unit)`);
    });

    it("names the file and what is wrong with it: missing, not JSON, JSON of another kind, a broken deployment record", async function () {
      const { acme, globex } = await load(funded);
      const missing = path.join(signedDir(), "nowhere.json");
      expect(failed(await run("payment:settle", { file: missing, from: globex.address }))).to.equal(`error: --file ${missing} does not exist`);
      const list = path.join(signedDir(), "list.json");
      fs.writeFileSync(list, "[1, 2]");
      expect(failed(await run("payment:settle", { file: list, from: globex.address }))).to.equal(`error: --file ${list} is JSON but not a signed-payment file (it holds a list)`);
      const broken = path.join(signedDir(), "broken.json");
      fs.writeFileSync(broken, '{\n  "escrow": "0x1",\n  oops\n}');
      expect(failed(await run("dvp:settle-signed", { sellerFile: broken, buyerFile: broken })))
        .to.equal(`error: --seller-file ${broken} is not valid JSON (it breaks at line 3, column 3); it should be a signed-trade file`);
      const folder = path.join(signedDir(), "a-folder");
      fs.mkdirSync(folder, { recursive: true });
      expect(failed(await run("dvp:sign", { terms: folder, from: acme.address }))).to.equal(`error: --terms ${folder} is a folder, not a file`);
      fs.writeFileSync(deploymentPath("hardhat"), '{"network": "hardhat", ');
      expect(failed(await run("status"))).to.match(/^error: .*hardhat\.json is not valid JSON \(it ends too early\); it should be a deployment record$/);
      fs.writeFileSync(deploymentPath("hardhat"), "[]");
      expect(failed(await run("status"))).to.match(/^error: .*hardhat\.json is JSON but not a deployment record \(it holds a list\)$/);
    });
  });

  describe("consistency", function () {
    it("prints a participant in --json with its LEI and its name as separate fields, one of them null", async function () {
      const { acme, globex } = await load(deployed);
      const onboarded = JSON.parse(ok(await run("participant:onboard", { id: ACME_LEI.toLowerCase(), wallets: acme.address, kycExpiry: "2030-12-31", json: true }))) as Record<string, unknown>;
      expect([onboarded.id, onboarded.lei, onboarded.name]).to.deep.equal([participantId(ACME_LEI), ACME_LEI, null]);
      ok(await run("participant:onboard", { id: "Globex Markets", wallets: globex.address, kycExpiry: "2030-12-31" }));
      const listed = JSON.parse(ok(await run("participant:list", { json: true }))) as { participants: Record<string, unknown>[] };
      expect(listed.participants.map((p) => [p.lei, p.name])).to.deep.equal([[null, "DVP-ESCROW"], [null, "FX-QUOTES"], [ACME_LEI, null], [null, "Globex Markets"]]);
      const shown = JSON.parse(ok(await run("participant:show", { wallet: globex.address, json: true }))) as Record<string, unknown>;
      expect([shown.id, shown.lei, shown.name, shown.status]).to.deep.equal([participantId("Globex Markets"), null, "Globex Markets", "Active"]);
      const suspended = JSON.parse(ok(await run("participant:suspend", { id: ACME_LEI, json: true }))) as Record<string, unknown>;
      expect([suspended.lei, suspended.name, suspended.status]).to.deep.equal([ACME_LEI, null, "Suspended"]);
    });

    it("gives the backing in status --json as a number of percent, null with nothing issued", async function () {
      await load(funded);
      const status = JSON.parse(ok(await run("status", { json: true }))) as { currencies: Record<string, unknown>[] };
      expect(status.currencies[0].backingPercent).to.equal(500);
      expect(status.currencies[0]).not.to.have.property("backing");
      await load(deployed);
      const empty = JSON.parse(ok(await run("status", { json: true }))) as { currencies: Record<string, unknown>[] };
      expect(empty.currencies[0].backingPercent).to.equal(null);
    });

    it("gives every amount in --json as an integer string and as formatted text, labelled USD", async function () {
      const { acme, globex } = await load(funded);
      const cases: [string, Record<string, unknown>, string[]][] = [
        ["token:issue", { to: globex.address, amount: "10.00", depositRef: "D-1" }, ["amount"]],
        ["token:attest", { amount: "6000000.00", report: "R-1", asOf: "now" }, ["reserves"]],
        ["token:transfer", { to: globex.address, amount: "1.00", from: acme.address }, ["amount"]],
        ["token:balance", { wallet: acme.address }, ["balance"]],
        ["token:redeem", { amount: "2.00", from: acme.address }, ["amount"]],
        ["token:force-transfer", { wallet: acme.address, to: globex.address, amount: "3.00", legalRef: "COURT-1" }, ["amount"]],
        ["security:issue", { wallet: globex.address, units: "7" }, ["units", "balance"]],
        ["security:balance", { wallet: globex.address }, ["balance"]],
      ];
      for (const [name, args, fields] of cases) {
        const json = JSON.parse(ok(await run(name, { ...args, json: true }))) as Record<string, string>;
        for (const field of fields) {
          expect(json[field], `${name} ${field}`).to.match(/^\d+$/);
          expect(json[`${field}Text`], `${name} ${field}Text`).to.match(/^[\d,]+(\.\d+)? (USD|TN-0378)$/);
        }
      }
      const status = JSON.parse(ok(await run("status", { json: true }))) as { currencies: Record<string, string>[]; escrow: { locked: Record<string, string>[] } };
      expect([status.currencies[0].currency, status.currencies[0].supply, status.currencies[0].supplyText]).to.deep.equal(["USD", "100001000", "1,000,010.00 USD"]);
      expect(status.escrow.locked.map((l) => l.lockedText)).to.deep.equal(["0.00 USD", "0 TN-0378"]);
      const redemptions = JSON.parse(ok(await run("token:redemptions", { json: true }))) as { pending: Record<string, string>[] };
      expect([redemptions.pending[0].amount, redemptions.pending[0].amountText]).to.deep.equal(["200", "2.00 USD"]);
    });

    it("follows the README's --json rule in the output of every command", async function () {
      const { acme, globex, outsider, issuer, shares, compliance } = await load(tradingInTwoCurrencies);
      const file = (name: string) => path.join(signedDir(), `walk.${name}.json`);
      const pay = file("payment");
      const trade = (ref: string) => ({ seller: globex.address, buyer: acme.address, units: "10", cashAmount: "1800.00", deadline: "2030-06-30", ref });
      const steps: [string, Record<string, unknown>][] = [
        ["status", {}],
        ["participant:list", {}],
        ["participant:show", { id: ACME_LEI }],
        ["participant:onboard", { id: "Initech", name: "Initech GmbH", wallets: outsider.address, kycExpiry: "2030-12-31" }],
        ["participant:rename", { id: "Initech", name: "Initech Holdings GmbH" }],
        ["participant:renew-kyc", { id: "Initech", kycExpiry: "2031-01-31" }],
        ["participant:suspend", { id: "Initech" }],
        ["participant:reinstate", { id: "Initech" }],
        ["participant:unlink", { wallet: outsider.address }],
        ["participant:link", { id: "Initech", wallet: outsider.address }],
        ["token:balance", { wallet: acme.address }],
        ["token:issue", { to: globex.address, amount: "10.00", depositRef: "D-1" }],
        ["token:attest", { amount: "6000000.00", report: "R-1", asOf: "now" }],
        ["token:transfer", { to: globex.address, amount: "1.00", from: acme.address }],
        ["token:redeem", { amount: "2.00", from: acme.address }],
        ["token:redemptions", {}],
        ["token:complete-redemption", { id: "1" }],
        ["token:issuances", {}],
        ["token:force-transfer", { wallet: acme.address, to: globex.address, amount: "3.00", legalRef: "COURT-1" }],
        ["token:freeze", { wallet: outsider.address }],
        ["token:unfreeze", { wallet: outsider.address }],
        ["token:approve", { spender: "escrow", amount: "1800.00", from: acme.address }],
        ["token:permit", { spender: "escrow", amount: "1800.00", from: acme.address, relayer: "0" }],
        ["security:issue", { wallet: globex.address, units: "7" }],
        ["security:balance", { wallet: globex.address }],
        ["security:approve", { spender: "escrow", units: "10", from: globex.address }],
        ["dvp:propose", { seller: globex.address, buyer: acme.address, units: "10", cashAmount: "1800.00", deadline: "2030-06-30", ref: "TRADE-0101" }],
        ["dvp:show", { trade: "TRADE-0101" }],
        ["dvp:list", { all: true }],
        ["payment:sign", { from: acme.address, to: globex.address, amount: "5.00", ref: "INV-1", out: pay }],
        ["payment:settle", { file: pay, from: globex.address }],
        ["payment:sign", { from: acme.address, to: globex.address, amount: "7.00", ref: "INV-2", out: file("p2") }],
        ["payment:sign", { from: globex.address, to: acme.address, amount: "3.00", ref: "INV-3", out: file("p3") }],
        ["payment:settle-batch", { files: `${file("p2")},${file("p3")}`, from: globex.address }],
        ["payment:list", {}],
        ["token:set-limits", { issuanceThreshold: "1000.00", redemptionThreshold: "1000.00" }],
        ["token:set-allowance", { officer: issuer.address, amount: "500.00" }],
        ["token:issue", { to: globex.address, amount: "5000.00", depositRef: "D-2" }],
        ["token:cancel-issuance", { id: "1" }],
        ["token:issue", { to: globex.address, amount: "5000.00", depositRef: "D-3" }],
        ["token:approve-issuance", { id: "2" }],
        ["token:redeem", { amount: "2.00", from: acme.address }],
        ["token:reject-redemption", { id: "2", reason: "KYC-REVIEW" }],
        ["token:pause", {}],
        ["token:unpause", {}],
        ["security:redeem", { wallet: globex.address, units: "1" }],
        ["security:permit", { spender: "escrow", units: "10", from: globex.address, relayer: "0" }],
        ["token:approve", { spender: "escrow", amount: "1800.00", from: acme.address }],
        ["dvp:sign", { ...trade("TRADE-0103"), from: globex.address, out: file("s103") }],
        ["dvp:sign", { terms: file("s103"), from: acme.address, out: file("b103") }],
        ["dvp:settle-signed", { sellerFile: file("s103"), buyerFile: file("b103") }],
        ["dvp:sign", { ...trade("TRADE-0104"), from: globex.address, out: file("s104") }],
        ["dvp:withdraw-signature", { file: file("s104"), from: globex.address }],
        ["security:approve", { spender: "escrow", units: "10", from: globex.address }],
        ["token:approve", { spender: "escrow", amount: "1800.00", from: acme.address }],
        ["dvp:sign", { ...trade("TRADE-0105"), from: globex.address, out: file("s105") }],
        ["dvp:sign", { terms: file("s105"), from: acme.address, out: file("b105") }],
        ["dvp:settle-batch", { files: `${file("s105")},${file("b105")}` }],
        ["dvp:fund", { trade: "TRADE-0101", from: globex.address, approve: true }],
        ["dvp:cancel", { trade: "TRADE-0101", from: globex.address }],
        ["dvp:propose", trade("TRADE-0102")],
        ["dvp:close-by-order", { trade: "TRADE-0102", legalRef: "COURT-2" }],
        ["participant:revoke", { id: "Initech" }],
        ["upgrade:list", {}],
      ];
      const walked = new Set<string>();
      const walk = async (name: string, args: Record<string, unknown>) => {
        const json = JSON.parse(ok(await run(name, { ...args, json: true }))) as Record<string, unknown>;
        checkJsonRule(name, json);
        walked.add(name);
        return json;
      };
      for (const [name, args] of steps) await walk(name, args);
      // A leg kept in the escrow for a frozen owner when its trade expires, then pushed to the owner.
      await walk("dvp:propose", { ...trade("TRADE-0106"), deadline: String((await time.latest()) + 600) });
      await walk("dvp:fund", { trade: "TRADE-0106", from: globex.address, approve: true });
      await shares.connect(compliance).freeze(globex.address);
      await time.increase(601);
      await walk("dvp:expire", { trade: "TRADE-0106" });
      await shares.connect(compliance).unfreeze(globex.address);
      await walk("dvp:claim-refund", { party: globex.address, token: await shares.getAddress() });
      // The timelock: a key rotation cancelled, an upgrade executed after its delay.
      const rotation = await walk("upgrade:rotate-key", { new: outsider.address });
      await walk("upgrade:cancel", { id: rotation.id });
      const upgrade = await walk("upgrade:schedule", { contract: depositTokenKey("USD"), implementation: "DepositTokenV2Mock" });
      await time.increaseTo(Number(upgrade.readyAt));
      await walk("upgrade:execute", { id: upgrade.id });
      // A signed payment cancelled by its payer; the reserve report's maximum age; roles and the admin transfer.
      await walk("payment:sign", { from: acme.address, to: globex.address, amount: "1.00", ref: "INV-C", out: file("pc") });
      await walk("payment:cancel", { file: file("pc"), from: acme.address });
      // A quoted FX payment: Globex quotes EUR for USD, Acme pays Globex's quote to itself; another quote cancelled.
      const fxQuote = { from: globex.address, sellCurrency: "EUR", sellAmount: "9.20", buyCurrency: "USD", buyAmount: "10.00", approve: true };
      await walk("fx:quote", { ...fxQuote, out: file("q1") });
      await walk("fx:show", { quote: file("q1") });
      await walk("fx:pay", { from: acme.address, quote: file("q1"), to: acme.address, ref: "INV-FX-1", approve: true });
      await walk("fx:quote", { ...fxQuote, out: file("q2") });
      await walk("fx:cancel", { quote: file("q2"), from: globex.address });
      await walk("token:set-max-attestation-age", { days: "30" });
      await walk("roles:list", {});
      await walk("roles:grant", { contract: depositTokenKey("USD"), role: "PAUSER_ROLE", account: outsider.address });
      await walk("roles:revoke", { contract: depositTokenKey("USD"), role: "PAUSER_ROLE", account: outsider.address });
      await walk("admin:begin-transfer", { contract: depositTokenKey("USD"), to: outsider.address });
      await walk("admin:cancel-transfer", { contract: depositTokenKey("USD") });
      const begun = await walk("admin:begin-transfer", { contract: depositTokenKey("USD"), to: outsider.address }) as { transfers: { acceptableFrom: string }[] };
      await time.increaseTo(Math.max(...begun.transfers.map((t) => Date.parse(t.acceptableFrom) / 1000)));
      await walk("admin:accept-transfer", { contract: depositTokenKey("USD"), from: outsider.address });
      // The key commands: a new keystore (its password from a file), and the configured accounts.
      fs.writeFileSync(file("password"), "walk keystore password\n", { mode: 0o600 });
      await walk("keys:generate", { backend: "keystore", out: file("keystore"), passwordFile: file("password") });
      await walk("keys:list", {});
      // The back office's ledger: synced from the chain, a participant's payments and statements, and the ledger reconciled with the chain.
      const ledgerDir = process.env.LEDGER_DIR;
      process.env.LEDGER_DIR = await seedLedgerDir(path.join(signedDir(), "ledger"));
      try {
        await walk("ledger", { subcommand: "sync" });
        await walk("ledger", { subcommand: "payments", participant: ACME_LEI });
        await walk("ledger", { subcommand: "statement", participant: ACME_LEI, from: "2000-01-01", to: "2100-12-31", out: path.join(signedDir(), "statements"), camt054: true });
        const reconciled = await walk("ledger", { subcommand: "reconcile" });
        expect(reconciled.differences).to.deep.equal([]);
      } finally {
        if (ledgerDir === undefined) delete process.env.LEDGER_DIR;
        else process.env.LEDGER_DIR = ledgerDir;
      }
      const commands = Object.values(hre.tasks).filter((t) => "json" in t.paramDefinitions && "from" in t.paramDefinitions).map((t) => t.name);
      expect([...walked].sort()).to.deep.equal(commands.sort());
    });

    it("echoes the legal reference of a forced transfer", async function () {
      const { acme, globex } = await load(funded);
      const out = ok(await run("token:force-transfer", { wallet: acme.address, to: globex.address, amount: "300.00", legalRef: "COURT-ORDER-117" }));
      expect(out).to.match(/^force 300\.00 USD from 0x[0-9a-fA-F]{40} to 0x[0-9a-fA-F]{40} under "COURT-ORDER-117": tx/m);
      expect(out).to.include(`forced 300.00 USD from ${acme.address} to ${globex.address} under legal reference "COURT-ORDER-117" = ${ethers.id("COURT-ORDER-117")}`);
    });

    it("writes signed files to a folder git ignores by default", function () {
      const ignored = spawnSync("git", ["check-ignore", "-q", "signed/TRADE-0001.seller.json"], { cwd: path.join(__dirname, "..", "..") });
      expect(ignored.status).to.equal(0);
    });
  });
});
