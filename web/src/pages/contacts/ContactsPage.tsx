// Kontakte: search by name or address, filter by list, consent and subscription status, sort; each row
// opens the contact's page. Editors start the CSV import from here; everyone finds earlier imports here.
import { Link, useNavigate } from "react-router-dom";
import { usePaged } from "../../api/hooks";
import { FilterBar, RecordSelect, useUrlFilters } from "../../components/filters";
import { PagedTable } from "../../components/PagedTable";
import { PageHeader } from "../../components/PageHeader";
import { WriteLink } from "../../components/WriteButton";
import { useI18n } from "../../i18n";
import type { Dict } from "../../i18n/de";
import { type Contact, contactName } from "./types";

const keys = ["q", "list_id", "consent", "subscription_status", "sort"] as const;
const sorts = ["-created_at", "created_at", "last_name", "-last_name"];
const subscriptionStatuses = [
  "subscribed",
  "unsubscribed",
  "pending",
  "bounced_permanent",
  "bounced_temporary",
  "bounced_general",
];
const consentFilters = ["email/marketing:granted", "email/marketing:withdrawn", "email/marketing:none"];

/** "email/marketing:granted" in words: "E-Mail / Werbung: erteilt". */
function consentLabel(filter: string, t: Dict): string {
  const m = filter.match(/^(\w+)\/(\w+):(\w+)$/);
  if (!m) return filter;
  const [, channel, purpose, status] = m;
  const c = t.contact;
  return `${c.channels[channel] ?? channel} / ${c.purposes[purpose] ?? purpose}: ${c.consentStatuses[status] ?? status}`;
}

export function ContactsPage() {
  const { t, date } = useI18n();
  const navigate = useNavigate();
  const { values, apply } = useUrlFilters(keys);
  const list = usePaged<Contact>("/v1/contacts", {
    q: values.q,
    list_id: values.list_id,
    consent: values.consent,
    subscription_status: values.subscription_status,
    sort: values.sort,
  });
  const filtered = keys.some((k) => k !== "sort" && values[k]);
  return (
    <>
      <PageHeader
        title={t.contacts.title}
        intro={t.contacts.intro}
        actions={
          <>
            <Link to="/contacts/imports" className="btn">
              {t.imports.link}
            </Link>
            <WriteLink to="/contacts/import" className="btn btn-primary">
              {t.contacts.import}
            </WriteLink>
          </>
        }
      />
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <label>
              {t.filters.searchContacts}
              <input type="search" value={d.q} onChange={(e) => set("q", e.target.value)} />
            </label>
            <RecordSelect
              label={t.filters.list}
              path="/v1/lists"
              allLabel={t.app.all}
              value={d.list_id}
              onChange={(id) => set("list_id", id)}
            />
            <label>
              {t.filters.consent}
              <select value={d.consent} onChange={(e) => set("consent", e.target.value)}>
                <option value="">{t.app.all}</option>
                {consentFilters.map((c) => (
                  <option key={c} value={c}>
                    {consentLabel(c, t)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.filters.status}
              <select
                value={d.subscription_status}
                onChange={(e) => set("subscription_status", e.target.value)}
              >
                <option value="">{t.app.all}</option>
                {subscriptionStatuses.map((s) => (
                  <option key={s} value={s}>
                    {t.contact.subscriptionStatuses[s]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.contacts.sort}
              <select value={d.sort} onChange={(e) => set("sort", e.target.value)}>
                {sorts.map((s) => (
                  <option key={s} value={s === "-created_at" ? "" : s}>
                    {t.contacts.sorts[s]}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
      </FilterBar>
      <PagedTable
        list={list}
        name="contacts"
        caption={t.contacts.title}
        headers={[
          { label: t.contacts.name },
          { label: t.contacts.email },
          { label: t.contacts.city },
          { label: t.contacts.created },
        ]}
        empty={filtered ? t.states.emptyFiltered : t.states.emptyContacts}
        row={(c) => (
          <tr className="clickable" onClick={() => navigate(`/contacts/${c.id}`)}>
            <td data-label={t.contacts.name}>
              <a href={`/contacts/${c.id}`} onClick={(e) => e.preventDefault()}>
                {contactName(c) || t.contacts.noName}
              </a>
            </td>
            <td data-label={t.contacts.email}>{c.emails[0] ?? t.app.none}</td>
            <td data-label={t.contacts.city}>{c.address.city ?? t.app.none}</td>
            <td data-label={t.contacts.created}>{date(c.created_at)}</td>
          </tr>
        )}
      />
    </>
  );
}
