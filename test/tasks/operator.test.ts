import { expect } from "chai";
import fs from "fs";
import path from "path";
import { spawnSync } from "child_process";
import { ethers } from "hardhat";
import { deploymentPath, ESCROW_KEY, readDeployment } from "../../lib/deployment";
import { participantId } from "../../lib/format";
import { useTemporaryDir } from "../helpers/temporary";
import { ACME_LEI, deployed, failed, funded, load, ok, run, useTemporaryDeployments } from "./helpers";

/** Acme (buyer) holds cash, Globex (seller) holds 5,000 units of the demo security. */
async function trading() {
  const f = await funded();
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
      expect(listed.trades.map((t) => [t.ref, t.flow, t.state, t.cash, t.cashAmount])).to.deep.equal([["TRADE-0002", "signed", "Settled", "18,000.00 USD", "1800000"]]);
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
      expect([shown.ref, shown.state, shown.cash, shown.cashAmount]).to.deep.equal(["TRADE-0009", "Proposed", "1,800.00 USD", "180000"]);
      expect(failed(await run("dvp:show", { trade: "TRADE-0010" }))).to.equal('error: no trade with reference "TRADE-0010" was proposed on hardhat');
      expect(failed(await run("dvp:propose", { seller: globex.address, buyer: acme.address, units: "1", cashAmount: "1.00", deadline: "2030-06-30", ref: "R".repeat(32) })))
        .to.equal(`error: --ref "${"R".repeat(32)}" is longer than 31 bytes; a trade reference is kept on chain as its text`);
    });
  });

  describe("consistency", function () {
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
