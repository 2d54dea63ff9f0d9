import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { formatAmount, parseAddress, parseAmount, participantId, toReference } from "../../lib/format";
import { describeError } from "../../lib/errors";
import { depositTokenFixture } from "../fixtures";

describe("lib: amounts, references and errors for operators", function () {
  it("parses currency units exactly, never through floats", function () {
    expect(parseAmount("1250000.00", 2)).to.equal(125000000n);
    expect(parseAmount("1,250,000.5", 2)).to.equal(125000050n);
    expect(parseAmount("0.1", 2) + parseAmount("0.2", 2)).to.equal(parseAmount("0.3", 2));
    expect(parseAmount("7", 0)).to.equal(7n);
  });

  it("names the bad amount and why it is refused", function () {
    expect(() => parseAmount("12.345", 2)).to.throw('amount "12.345" has 3 decimals; the token has 2');
    expect(() => parseAmount("1e6", 2)).to.throw('amount "1e6" is not a decimal number of currency units');
    expect(() => parseAmount("-5", 2)).to.throw("is not a decimal number");
    expect(() => parseAmount("", 2, "--amount")).to.throw('--amount "" is not a decimal number');
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
});
