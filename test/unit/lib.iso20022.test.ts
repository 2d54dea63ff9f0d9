import { expect } from "chai";
import { ethers } from "ethers";
import {
  creditorReferenceFor, mod97, newUetr, parseCreditorReference, parseEndToEndId, parseLei, parseRemittance, parseUetr,
} from "../../lib/iso20022";
import {
  appendInformation, checkInformation, INFORMATION_MAGIC, informationReference, informationText, PaymentInformation, readInformation,
} from "../../lib/payment-info";

describe("ISO 20022 identifiers (lib/iso20022.ts)", function () {
  it("takes a UUID v4 as a UETR, in lower case, and refuses other UUIDs and malformed text naming the option", function () {
    expect(parseUetr("8A562C67-CA16-48BA-B074-65581BE6F001")).to.equal("8a562c67-ca16-48ba-b074-65581be6f001");
    expect(parseUetr(newUetr())).to.match(/^[0-9a-f-]{36}$/);
    expect(() => parseUetr("8a562c67-ca16-18ba-b074-65581be6f001", "--uetr")).to.throw('--uetr "8a562c67-ca16-18ba-b074-65581be6f001" is not a UETR');
    expect(() => parseUetr("8a562c67-ca16-48ba-c074-65581be6f001")).to.throw("is not a UETR"); // variant c
    expect(() => parseUetr("8a562c67ca1648bab07465581be6f001")).to.throw("is not a UETR");
  });

  it("keeps an end-to-end id to 35 characters of the SWIFT set, with no leading, trailing or double slash", function () {
    expect(parseEndToEndId("INV-2026/0042 (Q4)")).to.equal("INV-2026/0042 (Q4)");
    expect(() => parseEndToEndId("A".repeat(36), "--end-to-end-id")).to.throw("--end-to-end-id \"" + "A".repeat(36) + "\" has 36 characters; ISO 20022 allows at most 35");
    expect(() => parseEndToEndId("INV_1", "--end-to-end-id")).to.throw('has "_" (U+005F), outside the ISO 20022 character set');
    expect(() => parseEndToEndId("Rechnung-Ä")).to.throw("U+00C4");
    for (const bad of ["/INV1", "INV1/", "INV//1"]) expect(() => parseEndToEndId(bad)).to.throw('starts or ends with "/" or has "//"');
    expect(() => parseEndToEndId("NOTPROVIDED")).to.throw("says there is none");
    expect(() => parseEndToEndId("")).to.throw("is empty");
  });

  it("keeps unstructured remittance to 140 visible characters", function () {
    expect(parseRemittance("Invoice 42, März: <net 30> & \"fees\"")).to.equal("Invoice 42, März: <net 30> & \"fees\"");
    expect(parseRemittance("é".repeat(140))).to.have.length(140);
    expect(() => parseRemittance("x".repeat(141), "--remittance")).to.throw("--remittance has 141 characters; ISO 20022 unstructured remittance allows at most 140");
    expect(() => parseRemittance("pay \u202Egnp.exe", "--remittance")).to.throw("--remittance has an invisible format character at character 5 (U+202E)");
  });

  it("checks ISO 11649 creditor references by their mod-97 check digits, ignoring spaces", function () {
    expect(parseCreditorReference("RF18 5390 0754 7034")).to.equal("RF18539007547034");
    expect(parseCreditorReference("rf712348231")).to.equal("RF712348231");
    expect(() => parseCreditorReference("RF19 5390 0754 7034", "--creditor-reference")).to.throw('--creditor-reference "RF19 5390 0754 7034" has wrong check digits 19 (ISO 11649 mod 97)');
    expect(() => parseCreditorReference("RX18539007547034")).to.throw("is not an ISO 11649 creditor reference");
    expect(() => parseCreditorReference("RF18" + "1".repeat(22))).to.throw("is not an ISO 11649 creditor reference");
    expect(creditorReferenceFor("539007547034")).to.equal("RF18539007547034");
    for (const base of ["1", "ABC", "2348231", "Z".repeat(21)]) expect(parseCreditorReference(creditorReferenceFor(base))).to.equal(creditorReferenceFor(base));
  });

  it("checks LEIs by ISO 17442 mod 97-10 and refuses one mistyped digit", function () {
    expect(parseLei("5493001kjtiigc8y1r12")).to.equal("5493001KJTIIGC8Y1R12");
    expect(parseLei("7ZW8QJWVPR4P1J1KQY45")).to.equal("7ZW8QJWVPR4P1J1KQY45");
    expect(() => parseLei("5493001KJTIIGC8Y1R13", "--lei")).to.throw('--lei "5493001KJTIIGC8Y1R13" has wrong check digits 13 (ISO 17442 mod 97-10)');
    expect(() => parseLei("5493001KJTIIGC8Y1R1")).to.throw("is not an LEI");
    expect(mod97("5493001KJTIIGC8Y1R12")).to.equal(1);
  });
});

describe("Payment information travelling with the payment (lib/payment-info.ts)", function () {
  const iso: PaymentInformation = { uetr: "8a562c67-ca16-48ba-b074-65581be6f001", endToEndId: "INV-2026-0042", remittance: "Invoice 2026-0042, net 30" };
  const call = new ethers.Interface(["function transferWithReference(address to, uint256 amount, bytes32 ref)"]);

  it("binds a free-text reference by the hash of its text, as before, and ISO identifiers by the hash of their encoding", function () {
    expect(informationReference({ reference: "INV-1" })).to.equal(ethers.id("INV-1"));
    const ref = informationReference(iso);
    expect(ref).to.match(/^0x[0-9a-f]{64}$/);
    expect(informationReference({ ...iso, remittance: "Invoice 2026-0043, net 30" })).to.not.equal(ref);
    expect(informationReference({ ...iso, uetr: undefined })).to.not.equal(ref);
  });

  it("round-trips every entry of a batch through the transaction input, after arguments the contract still decodes", function () {
    const infos: PaymentInformation[] = [iso, { reference: "ticket 7" }, { endToEndId: "E2E-2", creditorReference: "RF18539007547034" }];
    const data = call.encodeFunctionData("transferWithReference", [ethers.ZeroAddress, 5n, informationReference(iso)]);
    const sent = appendInformation(data, [...infos, undefined, { reference: ethers.id("hash only") }]);
    expect(sent.startsWith(data)).to.equal(true);
    expect(sent.endsWith(INFORMATION_MAGIC.slice(2))).to.equal(true);
    expect((ethers.dataLength(sent) - 4) % 32).to.equal(0); // still shaped as an ABI call: 4 + 32k bytes
    expect(call.decodeFunctionData("transferWithReference", sent)[2]).to.equal(informationReference(iso));
    const read = readInformation(sent);
    expect([...read.keys()]).to.deep.equal(infos.map(informationReference));
    expect(read.get(informationReference(iso))).to.deep.equal(iso);
    expect(appendInformation(data, [undefined, { reference: ethers.id("hash only") }])).to.equal(data);
  });

  it("finds nothing in an input without the trailer, with a damaged one, or with entries that break an input rule", function () {
    const data = call.encodeFunctionData("transferWithReference", [ethers.ZeroAddress, 5n, ethers.ZeroHash]);
    expect(readInformation(data).size).to.equal(0);
    const sent = appendInformation(data, [iso]);
    expect(readInformation(sent.slice(0, -2)).size).to.equal(0);
    const longer = sent.slice(0, -24) + "ffffffff" + sent.slice(-16); // a length beyond the input
    expect(readInformation(longer).size).to.equal(0);
    const dirty = sent.slice(0, -64) + "01" + sent.slice(-62); // the footer's zero bytes are not zero
    expect(readInformation(dirty).size).to.equal(0);
    const hidden = appendInformation(data, [{ reference: "ok" }]).replace(ethers.hexlify(ethers.toUtf8Bytes("ok")).slice(2), "e280ae"); // U+202E
    expect(readInformation(hidden).size).to.equal(0);
    expect(readInformation("not hex").size).to.equal(0);
  });

  it("checks information at input naming each option, and refuses mixing a free-text reference with ISO identifiers", function () {
    const names = { reference: "--ref", uetr: "--uetr", endToEndId: "--end-to-end-id", remittance: "--remittance", creditorReference: "--creditor-reference" };
    expect(checkInformation({ uetr: "8A562C67-CA16-48BA-B074-65581BE6F001", creditorReference: "rf18 5390 0754 7034" }, names))
      .to.deep.equal({ uetr: "8a562c67-ca16-48ba-b074-65581be6f001", creditorReference: "RF18539007547034" });
    expect(() => checkInformation({ reference: "INV-1", uetr: iso.uetr }, names)).to.throw("--ref and ISO 20022 identifiers are not given together");
    expect(() => checkInformation({ remittance: "x", creditorReference: "RF18539007547034" }, names)).to.throw("--remittance and --creditor-reference are not given together");
    expect(() => checkInformation({ uetr: "nope" }, names)).to.throw('--uetr "nope" is not a UETR');
    expect(() => checkInformation({})).to.throw("a payment's information is empty");
    expect(informationText(iso)).to.equal('end-to-end id INV-2026-0042, UETR 8a562c67-ca16-48ba-b074-65581be6f001, remittance "Invoice 2026-0042, net 30"');
  });
});
