import type { AbstractSigner, Provider } from "ethers";
import { SignerError } from "./index";
import type { Pkcs11Spec } from "./spec";

export async function openPkcs11(spec: Pkcs11Spec, _provider: Provider | null): Promise<AbstractSigner> {
  throw new SignerError(spec, "the PKCS#11 backend is not available in this build");
}

export async function generatePkcs11Key(spec: Pkcs11Spec): Promise<string> {
  throw new SignerError(spec, "the PKCS#11 backend is not available in this build");
}

export async function listPkcs11Keys(module: string, token: string, _pinFile?: string): Promise<{ label: string; address: string }[]> {
  throw new Error(`the PKCS#11 backend is not available in this build (${module}, ${token})`);
}
