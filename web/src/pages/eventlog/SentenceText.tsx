// An event-log sentence as the user reads it: the record ids inside it ("… der Nachricht msg_01j…") become
// the record in words — a link to its page where the dashboard has one, the id in the tooltip otherwise.
import { Fragment } from "react";
import { Link } from "react-router-dom";
import { useI18n } from "../../i18n";
import { sentenceParts } from "../../i18n/event-log";

const pages: Record<string, (id: string) => string> = {
  message: (id) => `/messages/${id}`,
  campaign: (id) => `/campaigns/${id}`,
  contact: (id) => `/contacts/${id}`,
};

export function SentenceText({ text }: { text: string }) {
  const { t, lang } = useI18n();
  // Keys by where each part starts in the sentence (parts never move).
  let at = 0;
  const parts = sentenceParts(text).map((p) => {
    const key = at;
    at += typeof p === "string" ? p.length : p.id.length;
    return { p, key };
  });
  return (
    <>
      {parts.map(({ p, key }) => {
        if (typeof p === "string") return <Fragment key={key}>{p}</Fragment>;
        const word = p.word ?? t.activities.kinds[p.kind] ?? (lang === "de" ? "Datensatz" : "record");
        const page = pages[p.kind];
        return page ? (
          <Link key={key} to={page(p.id)} title={p.id}>
            {word}
          </Link>
        ) : (
          <span key={key} title={p.id}>
            {word}
          </span>
        );
      })}
    </>
  );
}
