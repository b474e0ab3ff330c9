// One contact: details, consent per channel and purpose with its evidence (who, when, where from, the
// wording), the lists and subscription statuses, the messages sent to it and its blocklist state.
import { Link, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { usePaged, useResource } from "../../api/hooks";
import { LoadMore } from "../../components/filters";
import { PageHeader } from "../../components/PageHeader";
import { StatusChip } from "../../components/StatusChip";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { useI18n } from "../../i18n";
import { setByText } from "../../i18n/reasons";
import { type Consent, type Contact, contactName } from "../contacts/types";
import type { MessageSummary } from "../messages/types";

interface Subscription {
  id: string;
  list_id: string;
  list_name: string;
  status: string;
  status_set_at: string | null;
  status_set_by: string | null;
  status_set_by_name?: string | null;
}

interface BlockEntry {
  id: string;
  address: string | null;
  reason: string;
  source: string;
  created_at: string;
  active?: boolean;
  lifted_at?: string | null;
}

interface ContactExport {
  subscriptions: Subscription[];
  blocklist: BlockEntry[];
}

function Consents({ consents }: { consents: Consent[] }) {
  const { t, date } = useI18n();
  if (consents.length === 0) return <p className="muted">{t.contact.noConsents}</p>;
  return (
    <table className="table responsive">
      <thead>
        <tr>
          <th scope="col">{t.contact.channel}</th>
          <th scope="col">{t.contact.purpose}</th>
          <th scope="col">{t.contact.consentStatus}</th>
          <th scope="col">{t.contact.since}</th>
          <th scope="col">{t.contact.by}</th>
          <th scope="col">{t.contact.source}</th>
        </tr>
      </thead>
      <tbody>
        {consents.map((c) => (
          <tr key={c.id}>
            <td data-label={t.contact.channel}>{t.contact.channels[c.channel] ?? c.channel}</td>
            <td data-label={t.contact.purpose}>{t.contact.purposes[c.purpose] ?? c.purpose}</td>
            <td data-label={t.contact.consentStatus}>
              <span className={`chip consent-${c.status}`}>
                {t.contact.consentStatuses[c.status] ?? c.status}
              </span>
            </td>
            <td data-label={t.contact.since}>{date(c.at)}</td>
            <td data-label={t.contact.by}>{c.by ?? t.app.none}</td>
            <td data-label={t.contact.source}>
              {c.source ?? t.app.none}
              {c.wording || c.ip ? (
                <details>
                  <summary>{t.message.evidence}</summary>
                  {c.wording ? (
                    <p>
                      {t.contact.wording}: „{c.wording}“
                    </p>
                  ) : null}
                  {c.ip ? (
                    <p>
                      {t.contact.ip}: {c.ip}
                    </p>
                  ) : null}
                </details>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ContactMessages({ id }: { id: string }) {
  const { t, date } = useI18n();
  const list = usePaged<MessageSummary>("/v1/messages", { contact_id: id }, 20);
  return (
    <>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.items.length > 0 ? (
        <ul className="plain-list">
          {list.items.map((m) => (
            <li key={m.id}>
              <StatusChip status={m.status} /> <Link to={`/messages/${m.id}`}>{m.subject ?? m.id}</Link>{" "}
              <span className="muted small">
                {m.to} · {date(m.created_at)}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>{t.contact.noMessages}</Empty> : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}

function Details({ c }: { c: Contact }) {
  const { t } = useI18n();
  const addr = [
    c.address.street,
    [c.address.postal_code, c.address.city].filter(Boolean).join(" "),
    c.address.country,
  ]
    .filter(Boolean)
    .join(", ");
  const custom = Object.entries(c.custom_fields ?? {});
  return (
    <dl className="props">
      <dt>{t.contact.salutation}</dt>
      <dd>{c.salutation ?? t.app.none}</dd>
      <dt>{t.contact.letterSalutation}</dt>
      <dd>{c.letter_salutation ?? t.app.none}</dd>
      <dt>{t.contact.emails}</dt>
      <dd>{c.emails.length ? c.emails.join(", ") : t.app.none}</dd>
      <dt>{t.contact.phone}</dt>
      <dd>{c.phone ?? t.app.none}</dd>
      <dt>{t.contact.mobile}</dt>
      <dd>{c.mobile ?? t.app.none}</dd>
      <dt>{t.contact.address}</dt>
      <dd>{addr || t.app.none}</dd>
      <dt>{t.contact.language}</dt>
      <dd>{c.language ? (t.contact.languages[c.language] ?? c.language) : t.app.none}</dd>
      {custom.map(([k, v]) => (
        <div key={k} className="contents">
          <dt>{k}</dt>
          <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ContactPage() {
  const { id = "" } = useParams();
  const { t, date, lang } = useI18n();
  const contact = useResource(() => api.get<Contact>(`/v1/contacts/${id}`), [id]);
  const more = useResource(() => api.get<ContactExport>(`/v1/contacts/${id}/export`), [id]);

  if (contact.loading && !contact.data) return <Loading />;
  if (contact.error || !contact.data) {
    return (
      <>
        <PageHeader title={t.contact.title} />
        <ErrorBanner error={contact.error} onRetry={contact.reload} />
        <Link to="/contacts">{t.app.back}</Link>
      </>
    );
  }
  const c = contact.data;
  const blocks = (more.data?.blocklist ?? []).filter((b) => b.active !== false && !b.lifted_at);
  return (
    <>
      <PageHeader title={contactName(c) || c.emails[0] || t.contacts.noName} intro={c.emails[0]} />
      <p>
        <Link to="/contacts">← {t.contacts.title}</Link>
      </p>
      <div className="grid2">
        <section className="card" aria-labelledby="c-data">
          <h2 id="c-data">{t.contact.data}</h2>
          <Details c={c} />
        </section>
        <section className="card" aria-labelledby="c-block">
          <h2 id="c-block">{t.contact.blocklist}</h2>
          <ErrorBanner error={more.error} onRetry={more.reload} />
          {more.loading ? <Loading /> : null}
          {more.data && blocks.length === 0 ? <p>{t.contact.notBlocked}</p> : null}
          {blocks.map((b) => (
            <p key={b.id} className="banner banner-warn">
              {b.address}: {t.contact.blocked(b.reason)} ({date(b.created_at)})
            </p>
          ))}
          <h2>{t.contact.lists}</h2>
          {more.data && more.data.subscriptions.length === 0 ? (
            <p className="muted">{t.contact.noLists}</p>
          ) : null}
          <ul className="plain-list">
            {(more.data?.subscriptions ?? []).map((s) => (
              <li key={s.id}>
                <strong>{s.list_name}</strong>: {t.contact.subscriptionStatuses[s.status] ?? s.status}
                {s.status_set_at ? (
                  <span className="muted small">
                    {" "}
                    · {date(s.status_set_at)}
                    {s.status_set_by ? ` · ${setByText(s.status_set_by, s.status_set_by_name, lang, t)}` : ""}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section className="card" aria-labelledby="c-consent">
        <h2 id="c-consent">{t.contact.consents}</h2>
        <Consents consents={c.consents ?? []} />
      </section>
      <section className="card" aria-labelledby="c-msgs">
        <h2 id="c-msgs">{t.contact.messages}</h2>
        <ContactMessages id={c.id} />
      </section>
    </>
  );
}
