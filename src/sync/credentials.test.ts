import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { credentialsHint, decryptCredentials, encryptCredentials } from "./credentials.js";

describe("tool credentials", () => {
  it("round-trip through AES-GCM and do not appear in the sealed text", () => {
    const creds = { kind: "mailchimp" as const, api_key: "0123456789abcdef0123456789abcdef-us21" };
    const sealed = encryptCredentials("instance-secret", creds);
    expect(sealed).not.toContain("0123456789abcdef");
    expect(decryptCredentials("instance-secret", sealed)).toEqual(creds);
    expect(() => decryptCredentials("another-secret", sealed)).toThrow();
    expect(credentialsHint(creds)).toBe("API key …us21");
  });
});

describe("130_list_sync migration", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env.close());

  it("creates the sync tables", async () => {
    const db = env.rt.db;
    await db
      .insertInto("email_tool_connections")
      .values({
        id: "etc_1",
        workspace_id: env.ws.id,
        name: "Mailchimp",
        tool: "mailchimp",
        base_url: null,
        credentials_enc: "x",
        credentials_hint: "y",
        account: null,
        created_by: "test",
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
    const rows = await db.selectFrom("email_tool_connections").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(await db.selectFrom("subscription_sync").selectAll().execute()).toEqual([]);
    expect(await db.selectFrom("sync_fetched_members").selectAll().execute()).toEqual([]);
  });
});
