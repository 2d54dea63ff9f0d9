import { expect } from "chai";
import http from "http";
import { ethers } from "ethers";
import { appendInformation } from "../../lib/payment-info";
import { freePort } from "../../lib/ports";
import { SignerError } from "../../lib/signers";
import { ExternalSigner, methodSignature, openExternal } from "../../lib/signers/external";
import type { ExternalSpec } from "../../lib/signers/spec";
import { IssuanceDesk__factory } from "../../typechain-types";
import { DepositTokenV2Mock__factory } from "../../typechain-types";

/**
 * The signing-service backend against a small JSON-RPC server on 127.0.0.1 playing the service: it
 * lists accounts, signs with a known key, and misbehaves as each test asks. The same backend against
 * Clef itself is network/test/clef.test.ts.
 */
describe("Signing-service backend (external): opening, refusals and checks of what the service returns", function () {
  const key = new ethers.Wallet(ethers.id("external signer test key"));
  const other = new ethers.Wallet(ethers.id("another key"));
  const recipient = "0x1111111111111111111111111111111111111111";
  type Answer = { result: unknown } | { error: { code: number; message: string } } | { status: number } | "hang";
  let answer: (method: string, params: unknown[]) => Promise<Answer> | Answer;
  let calls: { method: string; params: unknown[] }[];
  let server: http.Server;
  let url: string;
  let spec: ExternalSpec;

  /** Signs a Clef-style account_signTransaction request with `wallet`, after `edit` changes its fields. */
  async function signAsClef(args: Record<string, string>, wallet = key, edit: (tx: ethers.TransactionLike) => void = () => {}) {
    const tx: ethers.TransactionLike = {
      type: args.accessList ? 1 : 0, chainId: args.chainId, nonce: Number(args.nonce), to: args.to, gasLimit: args.gas,
      gasPrice: args.gasPrice, value: args.value, data: args.data, ...(args.accessList ? { accessList: args.accessList as never } : {}),
    };
    edit(tx);
    return { result: { raw: await wallet.signTransaction(tx), tx: {} } };
  }
  const honest = async (method: string, params: unknown[]): Promise<Answer> => {
    switch (method) {
      case "account_list":
        return { result: [other.address.toLowerCase(), key.address.toLowerCase()] };
      case "account_signTransaction":
        return signAsClef(params[0] as Record<string, string>);
      case "account_signData":
        return { result: await key.signMessage(ethers.getBytes(params[2] as string)) };
      case "account_signTypedData": {
        const payload = params[1] as { domain: ethers.TypedDataDomain; types: Record<string, ethers.TypedDataField[]>; message: Record<string, unknown> };
        const { EIP712Domain: _domain, ...types } = payload.types;
        return { result: await key.signTypedData(payload.domain, types, payload.message) };
      }
      default:
        return { error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
    }
  };
  const legacy = { to: recipient, nonce: 0, gasLimit: 21_000n, gasPrice: 1_000_000_000n, value: 5n, chainId: 31337n };
  /** The message of the SignerError (code SIGNER) that `promise` is rejected with. */
  async function refusal(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error, "rejected").to.be.instanceOf(SignerError);
    expect((error as SignerError).code).to.equal("SIGNER");
    return (error as Error).message;
  }
  const account = () => `account "guardian" (signing service ${url}, ${key.address})`;

  before(async function () {
    const port = await freePort(8750, 8799);
    url = `http://127.0.0.1:${port}`;
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => { body += chunk; });
      req.on("end", async () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        calls.push({ method, params });
        const a = await answer(method, params);
        if (a === "hang") return; // never answers; the client's timeout ends it
        if ("status" in a) {
          res.writeHead(a.status, { "content-type": "text/plain" }).end("unavailable");
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, ...a }));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  });
  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(function () {
    answer = honest;
    calls = [];
    spec = { name: "guardian", backend: "external", url, address: key.address };
  });

  describe("opening", function () {
    it("opens an account the service lists, whatever the case of the addresses it lists", async function () {
      const signer = await openExternal(spec, null);
      expect(signer).to.be.instanceOf(ExternalSigner);
      expect(await signer.getAddress()).to.equal(key.address);
      expect(calls.map((c) => c.method)).to.deep.equal(["account_list"]);
    });

    it("refuses an account the service does not list, naming the accounts it lists", async function () {
      const missing = ethers.getAddress(`0x${"ab".repeat(20)}`);
      expect(await refusal(openExternal({ ...spec, address: missing }, null))).to.equal(
        `account "guardian" (signing service ${url}, ${missing}): the signing service does not list ${missing} among its accounts (it lists ${other.address}, ${key.address}); nothing was sent`,
      );
    });

    it("says the service lists none when its list is empty", async function () {
      answer = () => ({ result: [] });
      expect(await refusal(openExternal(spec, null))).to.equal(
        `${account()}: the signing service does not list ${key.address} among its accounts (it lists none); nothing was sent`,
      );
    });

    it("names the URL when nothing listens there (connection refused)", async function () {
      const port = await freePort(8750, 8799);
      const down = `http://127.0.0.1:${port}`;
      expect(await refusal(openExternal({ ...spec, url: down }, null))).to.equal(
        `account "guardian" (signing service ${down}, ${key.address}): the signing service at ${down} does not answer (connection refused); nothing was sent`,
      );
    });

    it("gives up on a service that does not answer account_list within the time allowed", async function () {
      answer = () => "hang";
      const started = Date.now();
      expect(await refusal(openExternal(spec, null, { listTimeoutMs: 300 }))).to.equal(
        `${account()}: the signing service at ${url} does not answer (no answer to account_list within 300 ms); nothing was sent`,
      );
      expect(Date.now() - started).to.be.lessThan(3_000);
    });

    it("names the HTTP status of a service that answers with an HTTP error", async function () {
      answer = () => ({ status: 503 });
      expect(await refusal(openExternal(spec, null))).to.equal(
        `${account()}: the signing service at ${url} answered HTTP 503 Service Unavailable to account_list; nothing was sent`,
      );
    });
  });

  describe("transactions", function () {
    it("signs a legacy transaction with its chain id and returns the service's raw transaction after checking it", async function () {
      const signer = await openExternal(spec, null);
      const raw = await signer.signTransaction(legacy);
      const parsed = ethers.Transaction.from(raw);
      expect([parsed.type, parsed.from, parsed.to, parsed.chainId, parsed.nonce, parsed.value]).to.deep.equal([0, key.address, recipient, 31337n, 0, 5n]);
      const request = calls[1];
      expect(request.method).to.equal("account_signTransaction");
      expect(request.params).to.deep.equal([{
        from: key.address, to: recipient, gas: "0x5208", gasPrice: "0x3b9aca00", value: "0x5", nonce: "0x0", data: "0x", chainId: "0x7a69",
      }]);
    });

    it("signs a type 1 transaction with its access list", async function () {
      const signer = await openExternal(spec, null);
      const accessList = [{ address: recipient, storageKeys: [ethers.ZeroHash] }];
      const parsed = ethers.Transaction.from(await signer.signTransaction({ ...legacy, type: 1, accessList }));
      expect(parsed.type).to.equal(1);
      expect(parsed.accessList).to.deep.equal(accessList);
      expect((calls[1].params[0] as { accessList: unknown }).accessList).to.deep.equal(accessList);
    });

    it("gives the service the method signature of a call to one of the project's contracts", async function () {
      const signer = await openExternal(spec, null);
      const data = IssuanceDesk__factory.createInterface().encodeFunctionData("mint", [recipient, 100n, ethers.id("deposit-1")]);
      await signer.signTransaction({ ...legacy, value: 0n, data });
      expect(calls[1].params[1]).to.equal("mint(address,uint256,bytes32)");
      expect((calls[1].params[0] as { data: string }).data).to.equal(data);
    });

    it("signs a call whose input carries payment information after its arguments, and refuses the service's transaction without it", async function () {
      const signer = await openExternal(spec, null);
      const call = IssuanceDesk__factory.createInterface().encodeFunctionData("mint", [recipient, 100n, ethers.id("deposit-1")]);
      const data = appendInformation(call, [{ reference: "deposit-1" }]);
      const parsed = ethers.Transaction.from(await signer.signTransaction({ ...legacy, value: 0n, data }));
      expect(parsed.data).to.equal(data);
      expect(calls[1].params[1]).to.equal("mint(address,uint256,bytes32)");
      answer = (method, params) => method === "account_signTransaction"
        ? signAsClef(params[0] as Record<string, string>, key, (tx) => { tx.data = call; })
        : honest(method, params);
      expect(await refusal(signer.signTransaction({ ...legacy, value: 0n, data })))
        .to.equal(`${account()}: the signing service returned another transaction than the one asked (data ${call} instead of ${data}): refused; nothing was sent`);
    });

    it("gives no method signature for a selector only a mock contract has", async function () {
      const data = DepositTokenV2Mock__factory.createInterface().encodeFunctionData("version");
      expect(methodSignature(data)).to.equal(undefined);
      const signer = await openExternal(spec, null);
      await signer.signTransaction({ ...legacy, value: 0n, data });
      expect(calls[1].params).to.have.length(1);
    });

    it("refuses an EIP-1559 (type 2) transaction in words and sends nothing to the service", async function () {
      const signer = await openExternal(spec, null);
      calls = [];
      const { gasPrice: _gasPrice, ...rest } = legacy;
      expect(await refusal(signer.signTransaction({ ...rest, type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }))).to.equal(
        `${account()}: an EIP-1559 (type 2) transaction is not signed: the network is berlin; give gasPrice (type 0) or an access list (type 1); nothing was sent`,
      );
      expect(calls).to.deep.equal([]);
    });

    it("refuses a transaction without a chain id when there is no provider to ask", async function () {
      const signer = await openExternal(spec, null);
      const { chainId: _chainId, ...rest } = legacy;
      expect(await refusal(signer.signTransaction(rest))).to.equal(
        `${account()}: the transaction has no chainId and there is no provider to ask: a transaction without EIP-155 replay protection is not signed; nothing was sent`,
      );
    });

    it("refuses a transaction from another address", async function () {
      const signer = await openExternal(spec, null);
      expect(await refusal(signer.signTransaction({ ...legacy, from: other.address }))).to.equal(
        `${account()}: the transaction is from ${other.address}, not from this account; nothing was sent`,
      );
    });

    it("passes on the service's refusal in its words", async function () {
      const signer = await openExternal(spec, null);
      answer = () => ({ error: { code: -32000, message: "request denied" } });
      expect(await refusal(signer.signTransaction(legacy))).to.equal(
        `${account()}: the signing service refused: request denied; nothing was sent`,
      );
    });

    it("refuses a transaction the service returns with another nonce and recipient", async function () {
      const signer = await openExternal(spec, null);
      answer = (_method, params) => signAsClef(params[0] as Record<string, string>, key, (tx) => { tx.nonce = 7; tx.to = other.address; });
      expect(await refusal(signer.signTransaction(legacy))).to.equal(
        `${account()}: the signing service returned another transaction than the one asked (nonce 7 instead of 0, to ${other.address} instead of ${recipient}): refused; nothing was sent`,
      );
    });

    it("refuses a transaction the service signed with another key", async function () {
      const signer = await openExternal(spec, null);
      answer = (_method, params) => signAsClef(params[0] as Record<string, string>, other);
      expect(await refusal(signer.signTransaction(legacy))).to.equal(
        `${account()}: the signing service returned a transaction signed by ${other.address}, not by this account: refused; nothing was sent`,
      );
    });

    it("gives up on a service that does not sign within the time allowed", async function () {
      const signer = await openExternal(spec, null, { signTimeoutMs: 300 });
      answer = () => "hang";
      expect(await refusal(signer.signTransaction(legacy))).to.equal(
        `${account()}: the signing service at ${url} does not answer (no answer to account_signTransaction within 300 ms); nothing was sent`,
      );
    });
  });

  describe("messages and typed data", function () {
    const domain = { name: "Payments", version: "1", chainId: 31337, verifyingContract: recipient };
    const types = { Payment: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }] };
    const value = { to: other.address, amount: 1234n };

    it("signs EIP-712 typed data through account_signTypedData with EIP712Domain among the types", async function () {
      const signer = await openExternal(spec, null);
      const signature = await signer.signTypedData(domain, types, value);
      expect(ethers.verifyTypedData(domain, types, value, signature)).to.equal(key.address);
      const [address, payload] = calls[1].params as [string, { types: Record<string, unknown>; primaryType: string }];
      expect([calls[1].method, address, payload.primaryType]).to.deep.equal(["account_signTypedData", key.address, "Payment"]);
      expect(Object.keys(payload.types)).to.have.members(["EIP712Domain", "Payment"]);
    });

    it("refuses a typed-data signature that recovers to another address", async function () {
      const signer = await openExternal(spec, null);
      answer = async () => ({ result: await other.signTypedData(domain, types, value) });
      expect(await refusal(signer.signTypedData(domain, types, value))).to.equal(
        `${account()}: the signing service's typed data signature recovers to ${other.address}, not to this account: refused; nothing was sent`,
      );
    });

    it("signs a personal message through account_signData as text/plain (EIP-191)", async function () {
      const signer = await openExternal(spec, null);
      const signature = await signer.signMessage("attest reserves");
      expect(ethers.verifyMessage("attest reserves", signature)).to.equal(key.address);
      expect(calls[1]).to.deep.equal({ method: "account_signData", params: ["text/plain", key.address, ethers.hexlify(ethers.toUtf8Bytes("attest reserves"))] });
    });

    it("refuses an answer that is not a signature", async function () {
      const signer = await openExternal(spec, null);
      answer = () => ({ result: "0x1234" });
      expect(await refusal(signer.signMessage("attest reserves"))).to.equal(
        `${account()}: the signing service at ${url} answered account_signData with "0x1234", not a 65-byte signature; nothing was sent`,
      );
    });
  });
});
