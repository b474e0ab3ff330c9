// Set-up shared by the campaign tests that send over SMTP (smtp.test.ts, idle-lanes.test.ts).
import type { api } from "../../test/harness.js";
import { type ScriptedSmtp, startScriptedSmtp } from "../../test/scripted-smtp.js";

/** The set-up of campaign tests that send over SMTP: a scripted relay in this process as the workspace's
 * default transport (three connections, no STARTTLS, no DSN request) and a "Rundbrief" template. */
export async function relayAndTemplate(
  client: ReturnType<typeof api>,
): Promise<{ relay: ScriptedSmtp; templateId: string }> {
  const relay = await startScriptedSmtp();
  const t = await client.post("/v1/transports", {
    name: "relay",
    kind: "smtp",
    config: { host: "127.0.0.1", port: relay.port, starttls: "off", pool_size: 3, dsn: false },
    is_default: true,
  });
  if (t.status !== 201) throw new Error(`transport: ${t.status} ${t.text}`);
  const tpl = await client.post("/v1/templates", {
    name: "Rundbrief",
    subject: "x",
    html: "<p>Hallo {{ contact.first_name }}, hier sind unsere Neuigkeiten.</p>",
  });
  if (tpl.status !== 201) throw new Error(`template: ${tpl.status} ${tpl.text}`);
  return { relay, templateId: tpl.body.id };
}
