import type { AbstractSigner, Provider } from "ethers";
import { SignerError } from "./index";
import type { Pkcs11Spec } from "./spec";

export async function openPkcs11(spec: Pkcs11Spec, _provider: Provider | null): Promise<AbstractSigner> {
  throw new SignerError(spec, "the PKCS#11 backend is not available in this build");
}
