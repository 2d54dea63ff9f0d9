import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { appendInformation, informationReference, PaymentInformation, readInformation } from "../../lib/payment-info";
import { depositTokenFixture, usd } from "../fixtures";

describe("Payment information after a call's arguments (DepositToken)", function () {
  const info: PaymentInformation = {
    uetr: "8a562c67-ca16-48ba-b074-65581be6f001", endToEndId: "E2E-2026-0042", remittance: "Invoice 2026-0042, March services",
  };

  it("settles transferWithReference with the information appended, emits the same event as without it, and the text reads back from the mined input", async function () {
    const { token, alice, bob } = await loadFixture(depositTokenFixture);
    const ref = informationReference(info);
    const to = await token.getAddress();
    const plain = token.interface.encodeFunctionData("transferWithReference", [bob.address, usd("10.00"), ref]);
    const carried = appendInformation(plain, [info]);

    const without = await (await alice.sendTransaction({ to, data: plain })).wait();
    const withInfo = alice.sendTransaction({ to, data: carried });
    await expect(withInfo).to.emit(token, "ReferencedTransfer").withArgs(alice.address, bob.address, usd("10.00"), ref);
    const receipt = await (await withInfo).wait();

    expect(await token.balanceOf(bob.address)).to.equal(usd("10020.00"));
    const events = (r: typeof receipt) => r!.logs.map((l) => [l.address, l.topics, l.data]);
    expect(events(receipt)).to.deep.equal(events(without));

    const mined = await ethers.provider.getTransaction(receipt!.hash);
    expect(mined!.data).to.equal(carried);
    expect(readInformation(mined!.data).get(ref)).to.deep.equal(info);
    expect(readInformation((await ethers.provider.getTransaction(without!.hash))!.data).size).to.equal(0);
  });

  it("grows the calldata by exactly the appended suffix: ABI-encoded entries, then 20 zero bytes, a uint32 length and \"PAYINFO1\" in one word", async function () {
    const { token, bob } = await loadFixture(depositTokenFixture);
    const plain = token.interface.encodeFunctionData("transferWithReference", [bob.address, usd("1.00"), informationReference(info)]);
    const carried = appendInformation(plain, [info]);
    const entries = ethers.AbiCoder.defaultAbiCoder().encode(
      ["tuple(string reference, bytes16 uetr, string endToEndId, string remittance, string creditorReference)[]"],
      [[["", `0x${info.uetr!.replace(/-/g, "")}`, info.endToEndId, info.remittance, ""]]],
    );
    expect(ethers.dataLength(carried) - ethers.dataLength(plain)).to.equal(ethers.dataLength(entries) + 32);
    expect(ethers.dataSlice(carried, ethers.dataLength(carried) - 32, ethers.dataLength(carried) - 12)).to.equal(ethers.ZeroHash.slice(0, 42));
    expect(ethers.dataSlice(carried, 0, ethers.dataLength(plain))).to.equal(plain);
    expect(ethers.toUtf8String(ethers.dataSlice(carried, ethers.dataLength(carried) - 8))).to.equal("PAYINFO1");
    expect(Number(ethers.toBigInt(ethers.dataSlice(carried, ethers.dataLength(carried) - 12, ethers.dataLength(carried) - 8)))).to.equal(ethers.dataLength(entries));
  });
});
