import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { CURRENCIES } from "../../lib/currencies";
import { lockedTrade } from "../../lib/dvp";
import {
  deployPlatform, depositTokenKey, ESCROW_KEY, issuanceDeskKey, openRecorded, REGISTRY_KEY,
} from "../../lib/deployment";
import type { DepositToken, DvPEscrow, ParticipantRegistry } from "../../typechain-types";
import { deployed, developmentParams, failed, load, multiCurrency, ok, run, useTemporaryDeployments } from "./helpers";

describe("commands in currencies of every minor unit: JPY (0 decimals) and KWD (3)", function () {
  useTemporaryDeployments();

  it("deploys a token in each currency with its ISO minor unit as decimals, the USD one as before", async function () {
    const { usd, jpy, kwd } = await load(multiCurrency);
    expect([await usd.symbol(), await usd.decimals(), await usd.name()]).to.deep.equal(["USDD", 2n, "USD Deposit Token"]);
    expect([await jpy.symbol(), await jpy.decimals(), await jpy.currency()]).to.deep.equal(["JPYD", 0n, "JPY"]);
    expect([await kwd.symbol(), await kwd.decimals(), await kwd.currency()]).to.deep.equal(["KWDD", 3n, "KWD"]);
  });

  it("issues, pays and shows yen in whole yen, in text and in --json", async function () {
    const { jpy, acme, globex } = await load(multiCurrency);
    expect(ok(await run("token:issue", { currency: "jpy", to: acme.address, amount: "250,000", depositRef: "ZENGIN-1" })))
      .to.include(`issued 250,000 JPY to ${acme.address}`);
    expect(await jpy.balanceOf(acme.address)).to.equal(250_000n);
    const paid = JSON.parse(ok(await run("token:transfer", { currency: "JPY", to: globex.address, amount: "1000", ref: "INV-JP-1", from: acme.address, json: true })));
    expect(paid).to.include({ amount: "1000", amountText: "1,000 JPY" });
    expect(ok(await run("token:balance", { currency: "JPY", wallet: globex.address }))).to.equal(`${globex.address}: 1,000 JPY`);
    const balance = JSON.parse(ok(await run("token:balance", { currency: "JPY", wallet: acme.address, json: true })));
    expect(balance).to.include({ currency: "JPY", balance: "249000", balanceText: "249,000 JPY" });
  });

  it("issues, pays and shows dinars with three decimals, in text and in --json", async function () {
    const { kwd, acme, globex } = await load(multiCurrency);
    const issued = JSON.parse(ok(await run("token:issue", { currency: "KWD", to: acme.address, amount: "1,250.125", depositRef: "KW-1", json: true })));
    expect(issued).to.include({ amount: "1250125", amountText: "1,250.125 KWD", proposal: null });
    ok(await run("token:transfer", { currency: "KWD", to: globex.address, amount: "0.005", from: acme.address }));
    expect(await kwd.balanceOf(globex.address)).to.equal(5n);
    expect(ok(await run("token:balance", { currency: "KWD", wallet: acme.address }))).to.equal(`${acme.address}: 1,250.120 KWD`);
  });

  it("refuses an amount with more decimals than the currency has, naming it, and sends nothing", async function () {
    const { issuer, acme, globex } = await load(multiCurrency);
    const nonce = await ethers.provider.getTransactionCount(issuer.address);
    expect(failed(await run("token:issue", { currency: "JPY", to: acme.address, amount: "1.5", depositRef: "ZENGIN-2" })))
      .to.equal('error: --amount "1.5" has 1 decimals; the token has 0');
    expect(failed(await run("token:issue", { currency: "JPY", to: acme.address, amount: "100.00", depositRef: "ZENGIN-2" })))
      .to.equal('error: --amount "100.00" has 2 decimals; the token has 0');
    expect(failed(await run("token:issue", { currency: "KWD", to: acme.address, amount: "1.2345", depositRef: "KW-2" })))
      .to.equal('error: --amount "1.2345" has 4 decimals; the token has 3');
    expect(failed(await run("token:transfer", { currency: "JPY", to: globex.address, amount: "0.5", from: acme.address })))
      .to.equal('error: --amount "0.5" has 1 decimals; the token has 0');
    expect(failed(await run("token:attest", { currency: "JPY", amount: "5000000.5", report: "r-2", asOf: "now" })))
      .to.equal('error: --amount "5000000.5" has 1 decimals; the token has 0');
    expect(await ethers.provider.getTransactionCount(issuer.address)).to.equal(nonce);
  });

  it("holds each desk to the limits in its own currency: above 1,000,000 yen two officers are needed", async function () {
    const { jpy, acme } = await load(multiCurrency);
    expect(ok(await run("token:issue", { currency: "JPY", to: acme.address, amount: "1,000,001", depositRef: "ZENGIN-3" })))
      .to.match(/1,000,001 JPY is above the single-officer threshold of 1,000,000 JPY: proposed as issuance 1/);
    expect(await jpy.balanceOf(acme.address)).to.equal(0n);
    expect(ok(await run("token:issue", { currency: "JPY", to: acme.address, amount: "1,000,000", depositRef: "ZENGIN-4" })))
      .to.include("issued 1,000,000 JPY");
  });

  it("shows every currency in status in its own minor unit, and in --json", async function () {
    const { acme } = await load(multiCurrency);
    ok(await run("token:issue", { currency: "JPY", to: acme.address, amount: "250000", depositRef: "ZENGIN-5" }));
    ok(await run("token:issue", { currency: "KWD", to: acme.address, amount: "10.5", depositRef: "KW-5" }));
    const text = ok(await run("status"));
    expect(text).to.include("  supply               250,000 JPY");
    expect(text).to.include("  dual control above   1,000,000 JPY (issuance), 1,000,000 JPY (redemption payouts)");
    expect(text).to.include("  supply               10.500 KWD");
    expect(text).to.include("  reserves             5,000,000.000 KWD");
    const status = JSON.parse(ok(await run("status", { json: true }))) as { currencies: Record<string, unknown>[]; escrow: { locked: Record<string, string>[] } };
    expect(status.currencies.map((c) => [c.currency, c.supply, c.supplyText, c.issuanceThresholdText])).to.deep.equal([
      ["USD", "0", "0.00 USD", "1,000,000.00 USD"],
      ["JPY", "250000", "250,000 JPY", "1,000,000 JPY"],
      ["KWD", "10500", "10.500 KWD", "1,000,000.000 KWD"],
    ]);
    expect(status.escrow.locked.map((l) => l.lockedText)).to.deep.equal(["0.00 USD", "0 JPY", "0.000 KWD", "0 TN-0378"]);
  });

  it("takes a trade's cash amount in the cash currency's minor unit", async function () {
    const { escrow, acme, globex } = await load(multiCurrency);
    const terms = { seller: globex.address, buyer: acme.address, units: "10", currency: "JPY", deadline: "2030-06-30", from: globex.address };
    expect(failed(await run("dvp:propose", { ...terms, cashAmount: "18000.50", ref: "TRADE-JPY-1" })))
      .to.equal('error: --cash-amount "18000.50" has 2 decimals; the token has 0');
    const { tradeId } = JSON.parse(ok(await run("dvp:propose", { ...terms, cashAmount: "18,000", ref: "TRADE-JPY-1", json: true }))) as { tradeId: string };
    expect((await lockedTrade(escrow, tradeId)).terms!.cashAmount).to.equal(18_000n);
    expect(ok(await run("dvp:show", { trade: tradeId }))).to.include("cash     18,000 JPY");
  });

  it("adds a currency to a deployment: a re-run with one more code deploys only its token and desk, wired like the others", async function () {
    const { record: before, admin, issuer, acme, compliance } = await load(deployed);
    const lines: string[] = [];
    const after = await deployPlatform(hre, admin, await developmentParams([CURRENCIES.USD, CURRENCIES.JPY]), { persist: true, log: (l) => lines.push(l) });
    const added = Object.keys(after.contracts).filter((k) => before.contracts[k] === undefined);
    expect(added).to.deep.equal([depositTokenKey("JPY"), issuanceDeskKey("JPY")]);
    for (const [key, entry] of Object.entries(before.contracts)) expect(after.contracts[key], key).to.deep.equal(entry);
    expect(lines.filter((l) => l.startsWith("  deploy")).map((l) => l.split(" at ")[0].trim()))
      .to.deep.equal([`deploy  ${depositTokenKey("JPY")}`, `deploy  ${issuanceDeskKey("JPY")}`]);
    const jpyAddress = after.contracts[depositTokenKey("JPY")].address;
    const deskAddress = after.contracts[issuanceDeskKey("JPY")].address;
    const escrow = await openRecorded<DvPEscrow>(hre, after, ESCROW_KEY);
    const registry = await openRecorded<ParticipantRegistry>(hre, after, REGISTRY_KEY);
    const jpy = await openRecorded<DepositToken>(hre, after, depositTokenKey("JPY"));
    expect(await escrow.isListed(jpyAddress)).to.equal(true);
    expect(await jpy.isCustodian(after.contracts[ESCROW_KEY].address)).to.equal(true);
    expect(await registry.platformContracts()).to.include.members([jpyAddress, deskAddress]);
    expect(await jpy.hasRole(ethers.id("ISSUER_ROLE"), deskAddress)).to.equal(true);
    expect(await jpy.hasRole(ethers.id("COMPLIANCE_ROLE"), compliance.address)).to.equal(true);
    expect(await jpy.hasRole(ethers.id("UPGRADER_ROLE"), after.contracts.UpgradeTimelock.address)).to.equal(true);
    expect(await jpy.hasRole(ethers.id("UPGRADER_ROLE"), admin.address)).to.equal(false);
    // a command on the new currency works
    ok(await run("participant:onboard", { id: "Acme Ltd", wallets: acme.address, kycExpiry: "2030-12-31" }));
    ok(await run("token:attest", { currency: "JPY", amount: "5,000,000", report: "report-jpy", asOf: "now" }));
    expect(ok(await run("token:issue", { currency: "JPY", to: acme.address, amount: "12,345", depositRef: "ZENGIN-9", from: issuer.address })))
      .to.include(`issued 12,345 JPY to ${acme.address}`);
    expect(await jpy.balanceOf(acme.address)).to.equal(12_345n);
  });
});
