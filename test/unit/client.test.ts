import { expect } from "chai";
import fs from "fs";
import type { Server } from "http";
import net from "net";
import path from "path";
import { ethers } from "hardhat";
import { bundle, buildClient, clientConfig } from "../../client/build";
import { parseArgs, serveStatic } from "../../client/serve";
import { DeploymentRecord, writeDeployment } from "../../lib/deployment";
import { checkSignedPair, parseSignedFile, signedFileName, signedFileText, signedTradeFile, signTrade, termsFromText } from "../../lib/dvp";
import {
  paymentFileName, paymentTermsFromText, readSignedPaymentFile, refuseRepeatedNonces, signedPaymentFile, signedPaymentFileText, signPayment, tokenDomain,
} from "../../lib/payments";
import { isoDate, toReference } from "../../lib/format";
import { freePort } from "../../lib/ports";
import { useTemporaryDir, useTemporaryDeployments } from "../helpers/temporary";

const CASH = { address: "0x00000000000000000000000000000000000000c5", decimals: 2 };
const ASSET = { address: "0x00000000000000000000000000000000000000a5", decimals: 0 };
const ESCROW = "0x00000000000000000000000000000000000000e5";

/** A finished record of the localhost network with the contracts the page needs. */
function record(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  const c = (n: number) => ({ address: ethers.zeroPadValue(ethers.toBeHex(n), 20), implementation: ethers.ZeroAddress, txHash: ethers.ZeroHash, block: n });
  return {
    network: "localhost", chainId: 31337, steps: {},
    contracts: { ParticipantRegistry: c(1), "DepositToken:USD": c(2), "SecurityToken:US0378331005": c(3), DvPEscrow: c(4), UpgradeTimelock: c(5) },
    ...overrides,
  };
}

describe("Client page: build, configuration and the modules it shares with the commands", function () {
  const dir = useTemporaryDir("client-build");
  useTemporaryDeployments();

  it("bundles for the browser from lib/'s shared modules, with no node built-in and no contract bytecode", async function () {
    const { bytes, inputs } = await bundle(dir());
    const shared = ["lib/errors.ts", "lib/format.ts", "lib/dvp.ts", "lib/payments.ts", "lib/roles.ts", "lib/json.ts", "lib/fx.ts", "lib/payment-info.ts", "lib/iso20022.ts"];
    expect(inputs.filter((i) => i.startsWith("lib/"))).to.have.members(shared);
    const js = fs.readFileSync(path.join(dir(), "app.js"), "utf8");
    expect(js.length).to.equal(bytes);
    expect(js).to.not.match(/require\("(fs|path|child_process|hardhat)"\)/);
    expect(js).to.not.include("0x60806040");
    expect(js).to.include("transferWithReference");
    expect(js).to.include("settlePaymentBatch");
    // A budget, so a dependency that drags in half of npm is noticed: ethers v6 is most of it.
    expect(bytes).to.be.below(700_000);
  });

  it("serves the deployment's addresses, first blocks, chain id and endpoint beside the page", async function () {
    writeDeployment(record());
    const config = clientConfig("localhost", { RPC_TEST_PORT: "8701" });
    expect(config).to.deep.include({ network: "localhost", chainId: 31337, rpcUrl: "http://127.0.0.1:8701", gasPrice: "0" });
    expect(config.depositTokens).to.deep.equal([{ currency: "USD", address: record().contracts["DepositToken:USD"].address, fromBlock: 2 }]);
    expect(config.securities.map((s) => s.isin)).to.deep.equal(["US0378331005"]);
    expect(config.escrow?.address).to.equal(record().contracts.DvPEscrow.address);
    await buildClient(config, dir());
    expect(JSON.parse(fs.readFileSync(path.join(dir(), "deployment.json"), "utf8"))).to.deep.equal(config);
    expect(fs.readFileSync(path.join(dir(), "index.html"), "utf8")).to.include('<script src="app.js"></script>');
  });

  it("offers every deposit token of the deployment (USD, EUR, JPY) and FxQuotes's address", function () {
    const c = (n: number) => ({ address: ethers.zeroPadValue(ethers.toBeHex(n), 20), implementation: ethers.ZeroAddress, txHash: ethers.ZeroHash, block: n });
    writeDeployment(record({ contracts: { ...record().contracts, "DepositToken:EUR": c(6), "DepositToken:JPY": c(7), FxQuotes: c(8) } }));
    const config = clientConfig("localhost", { RPC_TEST_PORT: "8701" });
    expect(config.depositTokens.map((t) => [t.currency, t.address])).to.deep.equal([["USD", c(2).address], ["EUR", c(6).address], ["JPY", c(7).address]]);
    expect(config.fxQuotes).to.deep.equal({ address: c(8).address, fromBlock: 8 });
    writeDeployment(record());
    expect(clientConfig("localhost", { RPC_TEST_PORT: "8701" }).fxQuotes).to.equal(undefined);
  });

  it("refuses a missing or unfinished deployment record naming the file, and the in-process network no wallet can reach", function () {
    expect(() => clientConfig("qbft")).to.throw(/no deployment for network "qbft": .*qbft\.json does not exist/);
    writeDeployment(record({ pending: ["0x01"] }));
    expect(() => clientConfig("localhost")).to.throw(/localhost\.json: the deployment of "localhost" is unfinished/);
    expect(() => clientConfig("hardhat")).to.throw('network "hardhat" runs inside one Hardhat process and no wallet can reach it');
    expect(() => clientConfig("mainnet")).to.throw('unknown network "mainnet"');
  });

  it("takes --network (required) and --port from the command line, naming what is wrong", function () {
    expect(parseArgs(["--network", "qbft"])).to.deep.equal({ network: "qbft", port: undefined });
    expect(parseArgs(["--port", "8712", "--network", "localhost"])).to.deep.equal({ network: "localhost", port: 8712 });
    expect(() => parseArgs([])).to.throw("--network is required");
    expect(() => parseArgs(["--network"])).to.throw("--network needs a value");
    expect(() => parseArgs(["--network", "qbft", "--port", "80a"])).to.throw('--port "80a" is not a port number');
    expect(() => parseArgs(["--network=qbft"])).to.throw('unknown option "--network=qbft"');
  });

  describe("static server", function () {
    let server: Server;
    let base: string;
    before(async function () {
      fs.mkdirSync(path.join(dir(), "site"));
      fs.writeFileSync(path.join(dir(), "site", "index.html"), "<p>page</p>");
      fs.writeFileSync(path.join(dir(), "client-secret.txt"), "outside");
      const port = await freePort(8700, 8799);
      server = await serveStatic(path.join(dir(), "site"), port);
      base = `http://127.0.0.1:${port}`;
    });
    after(function () {
      server.close();
    });

    it("serves the page's files on 127.0.0.1 and nothing outside its folder, GET only", async function () {
      const page = await fetch(`${base}/`);
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-type")).to.equal("text/html; charset=utf-8");
      expect(await page.text()).to.equal("<p>page</p>");
      expect((await fetch(`${base}/..%2fclient-secret.txt`)).status).to.equal(404);
      expect((await fetch(`${base}/missing.js`)).status).to.equal(404);
      expect((await fetch(`${base}/index.html`, { method: "POST" })).status).to.equal(405);
    });

    /** One raw HTTP/1.1 request as written (no client normalises its path or Host): status, headers and body. */
    function raw(request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
      return new Promise((resolve, reject) => {
        const socket = net.connect(Number(new URL(base).port), "127.0.0.1");
        let data = "";
        socket.setEncoding("utf8").on("data", (d: string) => (data += d)).on("error", reject).on("end", () => {
          const [head, ...body] = data.split("\r\n\r\n");
          const [status, ...lines] = head.split("\r\n");
          const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
          resolve({ status: Number(status.split(" ")[1]), headers, body: body.join("\r\n\r\n") });
        });
        socket.write(`${request}\r\nConnection: close\r\n\r\n`);
      });
    }
    const host = () => `Host: ${new URL(base).host}`;

    it("answers a path that is not valid percent-encoding with 400 and goes on serving", async function () {
      for (const target of ["/%", "/%E0%A4%A", "/index.html%"]) {
        const r = await raw(`GET ${target} HTTP/1.1\r\n${host()}`);
        expect(r.status, target).to.equal(400);
        expect(r.body).to.equal("bad request: the path is not a valid URL\n");
      }
      const after = await raw(`GET / HTTP/1.1\r\n${host()}`);
      expect([after.status, after.body]).to.deep.equal([200, "<p>page</p>"]);
    });

    it("answers only the Host 127.0.0.1:<port> or localhost:<port>: any other name (DNS rebinding), port or none gets 421 and no file", async function () {
      const port = new URL(base).port;
      for (const h of ["Host: attacker.example", `Host: attacker.example:${port}`, `Host: 127.0.0.1:${Number(port) + 1}`, `Host: LOCALHOST.:${port}`, `Host: [::1]:${port}`]) {
        const r = await raw(`GET /index.html HTTP/1.1\r\n${h}`);
        expect(r.status, h).to.equal(421);
        expect(r.body).to.equal(`this server answers only http://127.0.0.1:${port}/ and http://localhost:${port}/\n`);
        expect(r.body).to.not.include("page");
      }
      expect((await raw("GET / HTTP/1.0")).status).to.equal(421);
      const local = await raw(`GET / HTTP/1.1\r\nHost: localhost:${port}`);
      expect([local.status, local.body]).to.deep.equal([200, "<p>page</p>"]);
    });

    it("forbids framing on every answer (CSP frame-ancestors 'none', X-Frame-Options DENY), served or refused", async function () {
      const answers = [
        await raw(`GET / HTTP/1.1\r\n${host()}`), await raw(`GET /missing.js HTTP/1.1\r\n${host()}`), await raw(`POST / HTTP/1.1\r\n${host()}\r\nContent-Length: 0`),
        await raw(`GET /% HTTP/1.1\r\n${host()}`), await raw("GET / HTTP/1.1\r\nHost: attacker.example"),
      ];
      expect(answers.map((a) => a.status)).to.deep.equal([200, 404, 405, 400, 421]);
      for (const a of answers) {
        expect(a.headers["content-security-policy"], String(a.status)).to.equal("frame-ancestors 'none'");
        expect(a.headers["x-frame-options"]).to.equal("DENY");
        expect(a.headers["x-content-type-options"]).to.equal("nosniff");
      }
    });

    it("refuses a port already in use, naming it", async function () {
      const port = Number(new URL(base).port);
      await serveStatic(dir(), port).then(() => expect.fail("a second server started on a busy port"), (e: Error) => {
        expect(e.message).to.equal(`port ${port} on 127.0.0.1 is in use: choose another with --port`);
      });
    });
  });

  describe("signed-trade files and terms (lib/dvp.ts: one implementation for dvp:sign, dvp:settle-signed and the page)", function () {
    const text = { seller: "", buyer: "", units: "100", cashAmount: "18,000.00", deadline: "2027-01-31", ref: "TRADE-0002" };
    let seller: Awaited<ReturnType<typeof ethers.getSigners>>[number];
    let buyer: typeof seller;
    before(async function () {
      [, , , , , , seller, buyer] = await ethers.getSigners();
      Object.assign(text, { seller: seller.address, buyer: buyer.address });
    });

    it("parses terms from text exactly, in the units of each token, naming a wrong field as the commands do", function () {
      const terms = termsFromText(text, ASSET, CASH);
      expect(terms).to.deep.include({ assetAmount: 100n, cashAmount: 1_800_000n, deadline: 1801439999n, ref: ethers.encodeBytes32String("TRADE-0002") });
      expect(() => termsFromText({ ...text, cashAmount: "18000.001" }, ASSET, CASH)).to.throw('--cash-amount "18000.001" has 3 decimals; the token has 2');
      expect(() => termsFromText({ ...text, units: "0" }, ASSET, CASH)).to.throw('--units "0" is zero');
      expect(() => termsFromText({ ...text, buyer: "0x12" }, ASSET, CASH)).to.throw('--buyer "0x12" is not an address');
      expect(() => termsFromText({ ...text, ref: " " }, ASSET, CASH)).to.throw("--ref is missing");
    });

    it("parses payment versus payment terms in each currency's own decimals (JPY 0) and refuses the same currency on both legs", function () {
      const eur = { address: "0x00000000000000000000000000000000000000e0", decimals: 2, label: "EUR" };
      const jpy = { address: "0x00000000000000000000000000000000000000d0", decimals: 0, label: "JPY" };
      const usd = { ...CASH, label: "USD" };
      const pvp = { ...text, units: undefined, assetAmount: "920,000.00", cashAmount: "1,000,000.00" };
      expect(termsFromText(pvp, eur, usd, true)).to.deep.include({ asset: eur.address, assetAmount: 92_000_000n, cash: usd.address, cashAmount: 100_000_000n });
      expect(termsFromText({ ...pvp, assetAmount: "150,000,000" }, jpy, usd, true)).to.deep.include({ assetAmount: 150_000_000n });
      expect(() => termsFromText({ ...pvp, assetAmount: "1.5" }, jpy, usd, true)).to.throw('--asset-amount "1.5" has 1 decimals; the token has 0');
      expect(() => termsFromText(pvp, usd, { ...usd }, true)).to.throw("--asset-currency and --currency are both USD: payment versus payment exchanges two different currencies");
    });

    it("writes, names and reads back a signed file; refuses a file that is not one, naming it", async function () {
      const terms = termsFromText(text, ASSET, CASH);
      const file = signedTradeFile(ESCROW, 31337n, terms, seller.address, await signTrade(seller, ESCROW, 31337, terms));
      const written = signedFileText(file);
      expect(written.endsWith("}\n")).to.equal(true);
      expect(written).to.equal(`${JSON.stringify(file, null, 2)}\n`);
      expect(signedFileName(terms, "seller")).to.equal("TRADE-0002.seller.json");
      expect(signedFileName({ ...terms, ref: ethers.encodeBytes32String("A/B C") }, "buyer")).to.equal("A_B_C.buyer.json");
      expect(parseSignedFile(written, "seller file").parsed).to.deep.equal(terms);
      expect(() => parseSignedFile("{", "seller file x.json")).to.throw("seller file x.json is not valid JSON (it ends too early); it should be a signed-trade file");
      expect(() => parseSignedFile("[]", "seller file x.json")).to.throw("seller file x.json is JSON but not a signed-trade file (it holds a list)");
      expect(() => parseSignedFile("{}", "seller file x.json")).to.throw('seller file x.json: field "seller" is missing');
    });

    it("accepts a pair only for this escrow and chain, with the same terms, each signed by its party", async function () {
      const terms = termsFromText(text, ASSET, CASH);
      const signed = async (who: typeof seller, t = terms) => parseSignedFile(signedFileText(signedTradeFile(ESCROW, 31337, t, who.address, await signTrade(who, ESCROW, 31337, t))), "f");
      const eoa = async () => false;
      const [s, b] = [await signed(seller), await signed(buyer)];
      expect(await checkSignedPair({ file: s, name: "s.json" }, { file: b, name: "b.json" }, ESCROW, 31337, eoa)).to.deep.equal(terms);
      await expect(checkSignedPair({ file: s, name: "s.json" }, { file: b, name: "b.json" }, CASH.address, 31337, eoa))
        .to.be.rejectedWith(`s.json was signed for escrow ${ESCROW} on chain 31337, not ${CASH.address} on chain 31337; nothing was sent`);
      await expect(checkSignedPair({ file: s, name: "s.json" }, { file: await signed(buyer, { ...terms, cashAmount: 1n }), name: "b.json" }, ESCROW, 31337, eoa))
        .to.be.rejectedWith("s.json and b.json sign different terms; nothing was sent");
      await expect(checkSignedPair({ file: s, name: "s.json" }, { file: await signed(seller), name: "b.json" }, ESCROW, 31337, eoa))
        .to.be.rejectedWith(`b.json is signed by ${seller.address}, not by ${buyer.address}; nothing was sent`);
      expect(await checkSignedPair({ file: s, name: "s.json" }, { file: await signed(seller), name: "b.json" }, ESCROW, 31337, async () => true)).to.deep.equal(terms);
    });

    it("says a file whose terms were edited after signing does not match its signature, and names a payment file for what it is", async function () {
      const terms = termsFromText(text, ASSET, CASH);
      const signed = async (who: typeof seller) => parseSignedFile(signedFileText(signedTradeFile(ESCROW, 31337, terms, who.address, await signTrade(who, ESCROW, 31337, terms))), "f");
      const edited = (f: Awaited<ReturnType<typeof signed>>) => ({ ...f, parsed: { ...f.parsed, cashAmount: 1n } });
      const [s, b] = [await signed(seller), await signed(buyer)];
      await expect(checkSignedPair({ file: edited(s), name: "s.json" }, { file: edited(b), name: "b.json" }, ESCROW, 31337, async () => false))
        .to.be.rejectedWith(new RegExp(`^s\\.json: the signature does not match the file's content \\(it recovers to 0x[0-9a-fA-F]{40}, not its signer ${seller.address}\\): the terms were changed after signing, or it was signed for another escrow or chain; nothing was sent$`));
      const payment = signedPaymentFileText(signedPaymentFile(CASH.address, 31337n, { ...paymentTermsFromText({ to: buyer.address, amount: "1", ref: "X" }, seller.address, 2, 1_800_000_000), v: 27, r: ethers.ZeroHash, s: ethers.ZeroHash }));
      expect(() => parseSignedFile(payment, "--seller-file p.json"))
        .to.throw("--seller-file p.json is a signed payment file, not a signed DvP trade file (payment:settle and payment:settle-batch take it)");
    });
  });

  describe("signed-payment files and terms (lib/payments.ts: one implementation for payment:sign, payment:settle(-batch) and the page)", function () {
    const TOKEN = CASH.address;
    const NOW = 1_800_000_000;
    const domain = tokenDomain("Deposit USD", TOKEN, 31337);
    const deployment = { token: TOKEN, label: "USD", chainId: 31337, domain };
    let payer: Awaited<ReturnType<typeof ethers.getSigners>>[number];
    let payee: typeof payer;
    before(async function () {
      [, , , , , , payer, payee] = await ethers.getSigners();
    });

    it("takes terms from text: exact amount, the commands' reference, 24 hours from now by default, naming a wrong field or a payee that is the payer", function () {
      const names = { to: "payee", amount: "amount", ref: "reference", validAfter: "valid from", validBefore: "valid until", nonce: "nonce" };
      const terms = paymentTermsFromText({ to: payee.address.toLowerCase(), amount: "1,250.50", ref: "INV-1", nonce: "42" }, payer.address, 2, NOW, names);
      expect(terms).to.deep.equal({
        from: payer.address, to: payee.address, value: 125_050n, ref: toReference("INV-1"), validAfter: BigInt(NOW - 1), validBefore: BigInt(NOW + 86_400),
        nonce: ethers.toBeHex(42, 32),
      });
      expect(paymentTermsFromText({ to: payee.address, amount: "1", ref: "X", validBefore: String(NOW + 60) }, payer.address, 2, NOW).validBefore).to.equal(BigInt(NOW + 60));
      expect(paymentTermsFromText({ to: payee.address, amount: "1", ref: "X" }, payer.address, 2, NOW).nonce).to.match(/^0x[0-9a-f]{64}$/);
      expect(() => paymentTermsFromText({ to: payee.address, amount: "0.00", ref: "X" }, payer.address, 2, NOW, names)).to.throw('amount "0.00" is zero');
      expect(() => paymentTermsFromText({ to: payee.address, amount: "1.5e3", ref: "X" }, payer.address, 2, NOW, names)).to.throw('amount "1.5e3" is not an amount in currency units');
      expect(() => paymentTermsFromText({ to: "0x12", amount: "1", ref: "X" }, payer.address, 2, NOW, names)).to.throw('payee "0x12" is not an address');
      expect(() => paymentTermsFromText({ to: payee.address, amount: "1", ref: "X", nonce: "banana" }, payer.address, 2, NOW, names)).to.throw('nonce "banana" is not a number (decimal or 0x hex)');
      expect(() => paymentTermsFromText({ to: payee.address, amount: "1", ref: "X", validBefore: String(NOW - 10) }, payer.address, 2, NOW))
        .to.throw(`--valid-before ${isoDate(NOW - 10)} is not later than now (${isoDate(NOW)}, the chain's time): the payment would never be valid`);
      expect(() => paymentTermsFromText({ to: payee.address, amount: "1", ref: "X", validAfter: String(NOW + 100), validBefore: String(NOW + 50) }, payer.address, 2, NOW))
        .to.throw(`--valid-before ${isoDate(NOW + 50)} must be later than --valid-after ${isoDate(NOW + 100)}: the payment would never be valid`);
      const later = paymentTermsFromText({ to: payee.address, amount: "1", ref: "X", validAfter: String(NOW + 10 * 86_400) }, payer.address, 2, NOW);
      expect([later.validAfter, later.validBefore]).to.deep.equal([BigInt(NOW + 10 * 86_400), BigInt(NOW + 11 * 86_400)]);
      expect(() => paymentTermsFromText({ to: payer.address.toLowerCase(), amount: "1", ref: "X" }, payer.address, 2, NOW, names))
        .to.throw(`payee ${payer.address} is the payer's own wallet: a wallet cannot pay itself`);
    });

    it("writes, names and reads back a signed-payment file; refuses another token or chain, another signer, a payment to its payer and a repeated nonce, naming the file", async function () {
      const terms = paymentTermsFromText({ to: payee.address, amount: "10.00", ref: "INV-2", nonce: "7" }, payer.address, 2, NOW);
      const payment = await signPayment(payer, domain, terms);
      const file = signedPaymentFile(TOKEN, 31337n, payment);
      const text = signedPaymentFileText(file);
      expect(text).to.equal(`${JSON.stringify(file, null, 2)}\n`);
      expect(file.chainId).to.equal("31337");
      expect(paymentFileName(payment)).to.equal(`payment.${payer.address.slice(0, 10)}.${"0".repeat(16)}.json`);
      expect(readSignedPaymentFile(text, "p.json", "file", deployment)).to.deep.equal(payment);
      expect(() => readSignedPaymentFile("{", "p.json", "file", deployment)).to.throw("file p.json is not valid JSON (it ends too early); it should be a signed-payment file");
      expect(() => readSignedPaymentFile(text, "p.json", "file", { ...deployment, chainId: 1 }))
        .to.throw(`p.json was signed for token ${TOKEN} on chain 31337, not the USD deposit token ${TOKEN} on chain 1; nothing was sent`);
      expect(() => readSignedPaymentFile(signedFileText(signedTradeFile(ESCROW, 31337, { seller: payer.address, buyer: payee.address, asset: ASSET.address, assetAmount: 1n, cash: CASH.address, cashAmount: 1n, deadline: 1n, ref: ethers.ZeroHash }, payer.address, "0x")), "d.json", "file", deployment))
        .to.throw("d.json is a signed DvP trade file, not a signed payment (dvp:settle-signed and dvp:settle-batch take it); nothing was sent");
      const tampered = signedPaymentFileText({ ...file, payment: { ...file.payment, value: "100000" } });
      expect(() => readSignedPaymentFile(tampered, "t.json", "file", deployment)).to.throw(new RegExp(`^t\\.json: the signature does not match the file's content \\(it recovers to 0x[0-9a-fA-F]{40}, not the payer ${payer.address}\\): the terms were changed after signing, or it was signed for another token or chain; nothing was sent$`));
      const toItself = await signPayment(payer, domain, { ...terms, to: payer.address });
      expect(() => readSignedPaymentFile(signedPaymentFileText(signedPaymentFile(TOKEN, 31337n, toItself)), "s.json", "file", deployment))
        .to.throw(`s.json pays ${payer.address} to itself: a wallet cannot pay itself; nothing was sent`);
      expect(() => refuseRepeatedNonces([payment, payment], ["a.json", "b.json"]))
        .to.throw(`b.json and a.json use the same nonce of ${payer.address}: a payment settles once; nothing was sent`);
    });
  });
});
