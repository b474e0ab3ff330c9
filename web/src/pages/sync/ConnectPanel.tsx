// Before a list is linked: choose a connection to an e-mail tool (admins add one here), then create the
// list in the tool from its settings or attach a list that exists there (seed 003 §4.3).
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { useResource } from "../../api/hooks";
import { Field } from "../../components/Field";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { useSession } from "../../session/session";
import { type List, useListText } from "../lists/model";
import { useSave } from "../settings/useForm";

interface Connection {
  id: string;
  name: string;
  tool: "mailchimp" | "listmonk";
  account: string | null;
}

interface RemoteList {
  id: string;
  name: string;
  member_count?: number;
}

const toolNames: Record<string, string> = { mailchimp: "Mailchimp", listmonk: "listmonk" };
export const toolName = (tool: string | undefined) => (tool ? (toolNames[tool] ?? tool) : "");

function NewConnection({ onCreated }: { onCreated(c: Connection): void }) {
  const { l } = useListText();
  const form = useSave();
  const [v, setV] = useState({
    name: "",
    tool: "mailchimp",
    base_url: "",
    api_key: "",
    username: "",
    token: "",
  });
  const set = (k: keyof typeof v, value: string) => setV((o) => ({ ...o, [k]: value }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const credentials =
      v.tool === "mailchimp" ? { api_key: v.api_key } : { username: v.username, token: v.token };
    const c = await form.save(() =>
      api.post<Connection>("/v1/email-tools", {
        name: v.name,
        tool: v.tool,
        ...(v.base_url.trim() ? { base_url: v.base_url.trim() } : {}),
        credentials,
      }),
    );
    if (c) onCreated(c);
  }
  const text = (k: keyof typeof v, label: string, type = "text") => (
    <Field label={label} error={form.at(k)}>
      {(p) => <input {...p} type={type} value={v[k]} onChange={(e) => set(k, e.target.value)} />}
    </Field>
  );
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-tool">
      <h3 id="new-tool">{l.newTool}</h3>
      <ErrorBanner error={form.error} />
      <div className="grid2">
        {text("name", l.toolName)}
        <Field label={l.tool} error={form.at("tool")}>
          {(p) => (
            <select {...p} value={v.tool} onChange={(e) => set("tool", e.target.value)}>
              <option value="mailchimp">Mailchimp</option>
              <option value="listmonk">listmonk</option>
            </select>
          )}
        </Field>
        {text("base_url", l.baseUrl, "url")}
        {v.tool === "mailchimp" ? text("api_key", l.apiKey, "password") : null}
        {v.tool === "listmonk" ? text("username", l.username) : null}
        {v.tool === "listmonk" ? text("token", l.token, "password") : null}
      </div>
      <button type="submit" className="btn" disabled={form.busy} data-write="">
        {l.connect}
      </button>
    </form>
  );
}

export function ConnectPanel({ list, onLinked }: { list: List; onLinked(): void }) {
  const { l } = useListText();
  const { canWrite, isAdmin } = useSession();
  const conns = useResource(
    () => api.get<{ items: Connection[] }>("/v1/email-tools").then((p) => p.items),
    [],
  );
  const [connectionId, setConnectionId] = useState("");
  const [mode, setMode] = useState<"create" | "attach">("create");
  const [remoteId, setRemoteId] = useState("");
  const [addr, setAddr] = useState({ company: "", address1: "", zip: "", city: "", country: "DE" });
  const [reminder, setReminder] = useState("");
  const form = useSave();
  const chosen = connectionId || conns.data?.[0]?.id || "";
  const remote = useResource(
    () =>
      mode === "attach" && chosen
        ? api.get<{ items: RemoteList[] }>(`/v1/email-tools/${chosen}/lists`).then((p) => p.items)
        : Promise.resolve([] as RemoteList[]),
    [mode, chosen],
  );
  const tool = conns.data?.find((c) => c.id === chosen)?.tool;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body =
      mode === "attach"
        ? { mode, connection_id: chosen, remote_list_id: remoteId || remote.data?.[0]?.id || "" }
        : {
            mode,
            connection_id: chosen,
            ...(tool === "mailchimp" ? { contact: addr, permission_reminder: reminder || undefined } : {}),
          };
    const r = await form.save(() => api.post(`/v1/lists/${list.id}/link`, body));
    if (r) onLinked();
  }

  if (conns.loading) return <Loading />;
  const items = conns.data ?? [];
  const addrField = (k: keyof typeof addr, label: string) => (
    <Field label={label} error={form.at(`contact.${k}`)}>
      {(p) => (
        <input {...p} value={addr[k]} onChange={(e) => setAddr((o) => ({ ...o, [k]: e.target.value }))} />
      )}
    </Field>
  );
  return (
    <section className="card" aria-labelledby="connect">
      <h2 id="connect">{l.connectTitle}</h2>
      <p className="muted">{l.connectIntro}</p>
      <ErrorBanner error={conns.error} onRetry={conns.reload} />
      {items.length === 0 ? <Empty>{l.noTools}</Empty> : null}
      {items.length > 0 && canWrite ? (
        <form onSubmit={submit} noValidate>
          <ErrorBanner error={form.error} />
          <div className="grid2">
            <Field label={l.connection} error={form.at("connection_id")}>
              {(p) => (
                <select {...p} value={chosen} onChange={(e) => setConnectionId(e.target.value)}>
                  {items.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({toolName(c.tool)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={l.mode} error={form.at("mode")}>
              {(p) => (
                <select {...p} value={mode} onChange={(e) => setMode(e.target.value as "create" | "attach")}>
                  <option value="create">{l.modeCreate}</option>
                  <option value="attach">{l.modeAttach}</option>
                </select>
              )}
            </Field>
            {mode === "attach" ? (
              <Field label={l.remoteList} error={form.at("remote_list_id")}>
                {(p) => (
                  <select {...p} value={remoteId} onChange={(e) => setRemoteId(e.target.value)}>
                    {(remote.data ?? []).map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name}
                        {r.member_count !== undefined ? ` (${r.member_count})` : ""}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : null}
            {mode === "create" && tool === "mailchimp" ? (
              <>
                {addrField("company", l.company)}
                {addrField("address1", l.address1)}
                {addrField("zip", l.zip)}
                {addrField("city", l.city)}
                {addrField("country", l.country)}
                <Field label={l.permissionReminder} error={form.at("permission_reminder")}>
                  {(p) => <input {...p} value={reminder} onChange={(e) => setReminder(e.target.value)} />}
                </Field>
              </>
            ) : null}
          </div>
          <ErrorBanner error={remote.error} />
          <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
            {l.link}
          </button>
        </form>
      ) : null}
      {isAdmin ? <NewConnection onCreated={() => conns.reload()} /> : null}
    </section>
  );
}
