import type * as pulumi from "@pulumi/pulumi";
import { describe, expectTypeOf, it } from "vitest";
import type { GetSecretKeysArgs, TenantSecret, TenantSecretArgs } from "../../provider/walletcrew";
import type { WalletCrewClient } from "../../sdk/walletcrew";

describe("The Wallet Crew types", () => {
  it("takes a key and exactly one of value and valueFrom, and everything else as optional inputs", () => {
    expectTypeOf<TenantSecretArgs["key"]>().toEqualTypeOf<pulumi.Input<string>>();
    expectTypeOf<{ key: "k"; value: "v" }>().toExtend<TenantSecretArgs>();
    expectTypeOf<{ key: "k"; valueFrom: { env: "HF_TOKEN" } }>().toExtend<TenantSecretArgs>();
    expectTypeOf<{ key: "k"; valueFrom: { file: "hf.txt" }; valueVersion: 2 }>().toExtend<TenantSecretArgs>();
    expectTypeOf<{ key: "k"; value: "v"; valueFrom: { env: "HF_TOKEN" } }>().not.toExtend<TenantSecretArgs>();
    expectTypeOf<{ key: "k" }>().not.toExtend<TenantSecretArgs>();
    expectTypeOf<{ key: "k"; value: "v"; adopt: "yes" }>().not.toExtend<TenantSecretArgs>();
  });

  it("exposes id-independent outputs as Outputs", () => {
    expectTypeOf<TenantSecret["expired"]>().toEqualTypeOf<pulumi.Output<boolean>>();
    expectTypeOf<TenantSecret["tenantId"]>().toEqualTypeOf<pulumi.Output<string>>();
    expectTypeOf<TenantSecret["expiresOn"]>().toEqualTypeOf<pulumi.Output<string | undefined>>();
  });

  it("types the client's verbs and the lookup's arguments", () => {
    expectTypeOf<WalletCrewClient["list"]>().returns.toEqualTypeOf<Promise<string[]>>();
    expectTypeOf<WalletCrewClient["retrieve"]>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<{ tenantId: "demo" }>().toExtend<GetSecretKeysArgs>();
    expectTypeOf<{ connection: { apiKey: 1 } }>().not.toExtend<GetSecretKeysArgs>();
  });
});
