// The shipped error registry (Fehlerverzeichnis, seed 001): "this table is already filled in". Every
// bounce reason, the SMTP reply codes (RFC 5321 §4.2), the common enhanced status codes (RFC 3463),
// the bounce types of the e-mail providers Poststelle sends through, and Poststelle's own reasons for not
// sending. Each says in office words what happened and what to do, in German and English.

export type Severity = "hard" | "soft" | "info";
export type Category = "reason" | "smtp" | "enhanced" | "provider" | "poststelle";
export type Lang = "de" | "en";

export interface Texts {
  de: string;
  en: string;
}

export interface CatalogueEntry {
  code: string;
  category: Category;
  severity: Severity;
  label: Texts;
  explanation: Texts;
  remedy: Texts;
}

type Pair = [de: string, en: string];

const t = ([de, en]: Pair): Texts => ({ de, en });

function entry(
  code: string,
  category: Category,
  severity: Severity,
  label: Pair,
  explanation: Pair,
  remedy: Pair,
) {
  return { code, category, severity, label: t(label), explanation: t(explanation), remedy: t(remedy) };
}

// Remedies used by several entries, so that the same situation is always explained the same way.
const ASK_CUSTOMER: Pair = [
  "Die Adresse existiert nicht. Bitte beim Kunden nachfragen und die Adresse im Kontakt korrigieren.",
  "The address does not exist. Please ask the customer and correct the address in the contact.",
];
const RETRY_LATER: Pair = [
  "Nichts tun: Poststelle versucht es später automatisch erneut. Bleibt es dabei, den Kunden auf anderem Weg erreichen.",
  "Nothing to do: Poststelle tries again later by itself. If it keeps failing, reach the customer another way.",
];
const OWN_DOMAIN: Pair = [
  "Über die eigene Absenderdomain versenden und deren DNS-Einträge (SPF, DKIM, DMARC) prüfen; bei Bedarf die IT fragen.",
  "Send from your own sender domain and check its DNS records (SPF, DKIM, DMARC); ask your IT if needed.",
];
const ASK_IT: Pair = [
  "Bitte die IT oder den Betreiber von Poststelle informieren; der Fehler liegt nicht beim Kunden.",
  "Please tell your IT or whoever runs Poststelle; the problem is not on the customer's side.",
];
const RECIPIENT_SIDE: Pair = [
  "Der Empfänger muss das Problem bei sich beheben. Den Kunden bitte auf anderem Weg (Telefon, Brief) informieren.",
  "The recipient has to fix this on their side. Please tell the customer another way (phone, letter).",
];
const CHECK_CONTENT: Pair = [
  "Inhalt prüfen (Links, Anhänge, Werbesprache), Nachricht kürzer und persönlicher formulieren und erneut senden.",
  "Check the content (links, attachments, advertising language), make the message shorter and more personal, and send again.",
];

const reasons: CatalogueEntry[] = [
  entry(
    "userunknown",
    "reason",
    "hard",
    ["Adresse existiert nicht", "Address does not exist"],
    [
      "Der Mailserver des Empfängers kennt dieses Postfach nicht. Oft ein Tippfehler oder eine alte Adresse.",
      "The recipient's mail server does not know this mailbox. Often a typo or an old address.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "hostunknown",
    "reason",
    "hard",
    ["Domain existiert nicht", "Domain does not exist"],
    [
      "Der Teil nach dem @ ist keine Domain, die E-Mails empfangen kann (z. B. „gmial.com“ statt „gmail.com“).",
      'The part after the @ is not a domain that can receive e-mail (e.g. "gmial.com" instead of "gmail.com").',
    ],
    [
      "Schreibweise der Adresse prüfen, beim Kunden nachfragen und die Adresse korrigieren.",
      "Check the spelling of the address, ask the customer and correct it.",
    ],
  ),
  entry(
    "hasmoved",
    "reason",
    "hard",
    ["Postfach umgezogen", "Mailbox has moved"],
    [
      "Die Adresse gilt nicht mehr; der Empfänger hat eine neue Adresse.",
      "The address is no longer valid; the recipient has a new one.",
    ],
    [
      "Neue Adresse beim Kunden erfragen (oft steht sie in der Rückmeldung) und im Kontakt eintragen.",
      "Ask the customer for the new address (it is often given in the report) and update the contact.",
    ],
  ),
  entry(
    "notaccept",
    "reason",
    "hard",
    ["Domain nimmt keine E-Mails an", "Domain accepts no e-mail"],
    [
      "Die Domain des Empfängers ist so eingerichtet, dass sie gar keine E-Mails empfängt.",
      "The recipient's domain is set up to receive no e-mail at all.",
    ],
    ["Beim Kunden eine andere Adresse erfragen.", "Ask the customer for another address."],
  ),
  entry(
    "mailboxfull",
    "reason",
    "soft",
    ["Postfach voll", "Mailbox full"],
    [
      "Das Postfach des Empfängers ist voll und nimmt gerade nichts mehr an.",
      "The recipient's mailbox is full and accepts nothing right now.",
    ],
    [
      "Später erneut senden. Bleibt das Postfach voll, den Kunden anrufen: Er muss Platz schaffen.",
      "Send again later. If the mailbox stays full, call the customer: they need to make room.",
    ],
  ),
  entry(
    "mesgtoobig",
    "reason",
    "soft",
    ["Nachricht zu groß", "Message too large"],
    [
      "Die Nachricht (meist wegen der Anhänge) ist größer, als der Server des Empfängers annimmt.",
      "The message (usually because of attachments) is larger than the recipient's server accepts.",
    ],
    [
      "Anhänge verkleinern oder als Link statt als Anhang senden, dann erneut senden.",
      "Make attachments smaller or send a link instead of the attachment, then send again.",
    ],
  ),
  entry(
    "exceedlimit",
    "reason",
    "soft",
    ["Größenlimit des Postfachs", "Mailbox size limit"],
    [
      "Die Nachricht überschreitet ein Größenlimit, das für dieses Postfach gilt.",
      "The message exceeds a size limit set for this mailbox.",
    ],
    ["Anhänge verkleinern und erneut senden.", "Make attachments smaller and send again."],
  ),
  entry(
    "suspend",
    "reason",
    "soft",
    ["Postfach gesperrt", "Mailbox suspended"],
    [
      "Das Postfach existiert, ist aber gesperrt oder stillgelegt (z. B. wegen Nichtnutzung).",
      "The mailbox exists but is suspended or disabled (e.g. unused for a long time).",
    ],
    [
      "Beim Kunden nachfragen, ob die Adresse noch genutzt wird, ggf. eine andere erfragen.",
      "Ask the customer whether the address is still in use; ask for another one if not.",
    ],
  ),
  entry(
    "norelaying",
    "reason",
    "soft",
    ["Weiterleitung verweigert", "Relaying denied"],
    [
      "Ein Server auf dem Weg hat sich geweigert, die Nachricht weiterzuleiten. Meist ein Einstellungsfehler beim Versand.",
      "A server on the way refused to pass the message on. Usually a sending configuration problem.",
    ],
    ASK_IT,
  ),
  entry(
    "blocked",
    "reason",
    "soft",
    ["Absender blockiert", "Sender blocked"],
    [
      "Der Server des Empfängers nimmt von unserem Versandserver (IP-Adresse oder Domain) gerade nichts an, oft wegen eines Eintrags in einer Sperrliste.",
      "The recipient's server currently refuses our sending server (IP address or domain), often because of a blocklist entry.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "rejected",
    "reason",
    "soft",
    ["Absenderadresse abgelehnt", "Sender address refused"],
    [
      "Der Empfänger-Server lehnt die Absenderadresse ab (z. B. weil die Absenderdomain nicht erreichbar oder gesperrt ist).",
      "The recipient's server refuses the sender address (e.g. because the sender domain cannot be reached or is blocked).",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "policyviolation",
    "reason",
    "soft",
    ["Richtlinie des Empfängers", "Recipient policy"],
    [
      "Die Nachricht verstößt gegen eine Regel beim Empfänger (z. B. keine Anhänge dieses Typs, nur Mitglieder einer Liste).",
      "The message breaks a rule on the recipient's side (e.g. no attachments of this type, members only).",
    ],
    CHECK_CONTENT,
  ),
  entry(
    "spamdetected",
    "reason",
    "soft",
    ["Als Spam eingestuft", "Classed as spam"],
    [
      "Der Spamfilter des Empfängers hat die Nachricht als Spam abgelehnt. Bei Massensendungen über fremde Server häufig.",
      "The recipient's spam filter refused the message as spam. Common for mass mailings through third-party servers.",
    ],
    [
      "Über die eigene Domain bzw. den eigenen Mailserver versenden und den Inhalt persönlicher gestalten.",
      "Send through your own domain or mail server and make the content more personal.",
    ],
  ),
  entry(
    "virusdetected",
    "reason",
    "soft",
    ["Virus erkannt", "Virus detected"],
    [
      "Der Virenscanner des Empfängers hat in der Nachricht oder einem Anhang Schadcode vermutet.",
      "The recipient's virus scanner suspected malicious code in the message or an attachment.",
    ],
    [
      "Anhänge prüfen (keine ausführbaren Dateien, keine Makros) und ohne den verdächtigen Anhang erneut senden.",
      "Check the attachments (no executables, no macros) and send again without the suspicious one.",
    ],
  ),
  entry(
    "securityerror",
    "reason",
    "soft",
    ["Sicherheitsprüfung fehlgeschlagen", "Security check failed"],
    [
      "Eine Sicherheitsprüfung beim Empfänger oder beim Versand ist fehlgeschlagen (z. B. Anmeldung, Verschlüsselung).",
      "A security check at the recipient or while sending failed (e.g. authentication, encryption).",
    ],
    ASK_IT,
  ),
  entry(
    "authfailure",
    "reason",
    "soft",
    ["Absender nicht bestätigt (SPF/DKIM/DMARC)", "Sender not verified (SPF/DKIM/DMARC)"],
    [
      "Der Empfänger konnte nicht bestätigen, dass die Nachricht wirklich von der Absenderdomain kommt.",
      "The recipient could not verify that the message really comes from the sender domain.",
    ],
    [
      "Die DNS-Einträge der Absenderdomain (SPF, DKIM, DMARC) unter „Absenderdomains“ prüfen und veröffentlichen.",
      'Check and publish the sender domain\'s DNS records (SPF, DKIM, DMARC) under "Sender domains".',
    ],
  ),
  entry(
    "requireptr",
    "reason",
    "soft",
    ["Versandserver ohne Rückwärtsauflösung", "Sending server without reverse DNS"],
    [
      "Der Empfänger verlangt, dass die IP-Adresse des Versandservers einen passenden Namen (PTR-Eintrag) hat.",
      "The recipient requires the sending server's IP address to have a matching name (PTR record).",
    ],
    ASK_IT,
  ),
  entry(
    "badreputation",
    "reason",
    "soft",
    ["Schlechter Ruf des Versandservers", "Poor sender reputation"],
    [
      "Der Empfänger traut unserem Versandserver oder der Absenderdomain wegen früherer Beschwerden oder Spam nicht.",
      "The recipient does not trust our sending server or sender domain because of earlier complaints or spam.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "toomanyconn",
    "reason",
    "soft",
    ["Zu viele Verbindungen", "Too many connections"],
    [
      "Der Server des Empfängers nimmt gerade nicht so viele Nachrichten gleichzeitig an.",
      "The recipient's server does not accept this many messages at once right now.",
    ],
    RETRY_LATER,
  ),
  entry(
    "ratelimited",
    "reason",
    "soft",
    ["Sendelimit erreicht", "Rate limited"],
    [
      "Es wurden in kurzer Zeit zu viele Nachrichten an diesen Anbieter gesendet; er bremst vorübergehend.",
      "Too many messages were sent to this provider in a short time; it is slowing us down for a while.",
    ],
    RETRY_LATER,
  ),
  entry(
    "speeding",
    "reason",
    "soft",
    ["Zu schnell gesendet", "Sending too fast"],
    [
      "Der Empfänger-Server hat die Annahme gedrosselt, weil zu schnell gesendet wurde.",
      "The recipient's server throttled us because we sent too fast.",
    ],
    [
      "Sendegeschwindigkeit in den Versandeinstellungen senken; Poststelle versucht es später erneut.",
      "Lower the sending rate in the transport settings; Poststelle tries again later.",
    ],
  ),
  entry(
    "expired",
    "reason",
    "soft",
    ["Zustellung aufgegeben", "Delivery timed out"],
    [
      "Der Server des Empfängers war über längere Zeit nicht erreichbar; die Zustellung wurde aufgegeben.",
      "The recipient's server could not be reached for a long time; delivery was given up.",
    ],
    [
      "Später erneut senden; bleibt es dabei, den Kunden auf anderem Weg erreichen.",
      "Send again later; if it keeps failing, reach the customer another way.",
    ],
  ),
  entry(
    "networkerror",
    "reason",
    "soft",
    ["Netzwerkfehler", "Network error"],
    [
      "Auf dem Weg zum Empfänger gab es ein Netzwerk- oder DNS-Problem (z. B. eine Weiterleitungsschleife).",
      "There was a network or DNS problem on the way to the recipient (e.g. a forwarding loop).",
    ],
    RETRY_LATER,
  ),
  entry(
    "systemerror",
    "reason",
    "soft",
    ["Fehler beim Empfänger-Server", "Recipient server error"],
    [
      "Der Mailserver des Empfängers hatte einen internen Fehler.",
      "The recipient's mail server had an internal error.",
    ],
    RETRY_LATER,
  ),
  entry(
    "systemfull",
    "reason",
    "soft",
    ["Empfänger-Server voll", "Recipient server full"],
    [
      "Der Speicher des Empfänger-Servers ist voll (nicht nur das einzelne Postfach).",
      "The recipient's server is out of storage (not just the one mailbox).",
    ],
    RETRY_LATER,
  ),
  entry(
    "mailererror",
    "reason",
    "soft",
    ["Fehler bei der Zustellung ins Postfach", "Local delivery program failed"],
    [
      "Das Programm, das beim Empfänger die Nachricht ins Postfach legt, ist mit einem Fehler abgebrochen.",
      "The program that puts the message into the mailbox on the recipient's side failed.",
    ],
    RECIPIENT_SIDE,
  ),
  entry(
    "filtered",
    "reason",
    "soft",
    ["Vom Empfänger gefiltert", "Filtered by the recipient"],
    [
      "Der Empfänger (oder sein Server) nimmt Nachrichten von diesem Absender nicht an, z. B. wegen eines Filters.",
      "The recipient (or their server) does not accept messages from this sender, e.g. because of a filter.",
    ],
    [
      "Den Kunden auf anderem Weg bitten, die Absenderadresse zuzulassen.",
      "Ask the customer another way to allow the sender address.",
    ],
  ),
  entry(
    "notcompliantrfc",
    "reason",
    "soft",
    ["Nachricht nicht normgerecht", "Message not standards-compliant"],
    [
      "Die Nachricht entspricht nicht den E-Mail-Normen (z. B. doppelte Kopfzeilen) und wurde abgelehnt.",
      "The message does not follow the e-mail standards (e.g. duplicate headers) and was refused.",
    ],
    ASK_IT,
  ),
  entry(
    "failedstarttls",
    "reason",
    "soft",
    ["Verschlüsselung fehlgeschlagen", "Encryption (STARTTLS) failed"],
    [
      "Der Empfänger verlangt eine verschlüsselte Verbindung, die nicht zustande kam.",
      "The recipient requires an encrypted connection, which could not be established.",
    ],
    ASK_IT,
  ),
  entry(
    "syntaxerror",
    "reason",
    "soft",
    ["Protokollfehler", "Protocol error"],
    [
      "Der Empfänger-Server hat einen Befehl beim Versand nicht verstanden.",
      "The recipient's server did not understand a command during sending.",
    ],
    ASK_IT,
  ),
  entry(
    "contenterror",
    "reason",
    "soft",
    ["Inhalt nicht lesbar", "Content could not be processed"],
    [
      "Der Empfänger-Server konnte den Aufbau der Nachricht (Zeichensatz, Kopfzeilen, MIME) nicht verarbeiten.",
      "The recipient's server could not process the message's structure (character set, headers, MIME).",
    ],
    CHECK_CONTENT,
  ),
  entry(
    "onhold",
    "reason",
    "soft",
    ["Grund unklar", "Reason unclear"],
    [
      "Die Rückmeldung nennt einen Fehler, aber keinen eindeutigen Grund.",
      "The report names an error but no clear reason.",
    ],
    [
      "Rückmeldung (Diagnose) lesen; im Zweifel später erneut senden.",
      "Read the report (diagnostic); if in doubt, send again later.",
    ],
  ),
  entry(
    "undefined",
    "reason",
    "soft",
    ["Unbekannter Fehler", "Unknown error"],
    ["Die Rückmeldung enthält keinen erkennbaren Grund.", "The report contains no recognisable reason."],
    [
      "Später erneut senden; bleibt es dabei, den Kunden auf anderem Weg erreichen.",
      "Send again later; if it keeps failing, reach the customer another way.",
    ],
  ),
  entry(
    "vacation",
    "reason",
    "info",
    ["Abwesenheitsnotiz", "Out-of-office reply"],
    [
      "Der Empfänger hat eine automatische Abwesenheitsantwort geschickt. Die Nachricht ist angekommen.",
      "The recipient sent an automatic out-of-office reply. The message did arrive.",
    ],
    [
      "Nichts tun. Bei dringenden Anliegen die genannte Vertretung kontaktieren.",
      "Nothing to do. For urgent matters, contact the deputy named in the reply.",
    ],
  ),
  entry(
    "feedback",
    "reason",
    "info",
    ["Beschwerde (als Spam markiert)", "Complaint (marked as spam)"],
    [
      "Der Empfänger hat die Nachricht in seinem Postfach als Spam markiert. Die Adresse wird gesperrt.",
      "The recipient marked the message as spam in their mailbox. The address is blocked.",
    ],
    [
      "Dem Kunden keine Werbung mehr senden. Prüfen, ob eine Einwilligung vorliegt.",
      "Send the customer no more marketing. Check whether there is consent.",
    ],
  ),
  entry(
    "delivered",
    "reason",
    "info",
    ["Zugestellt", "Delivered"],
    [
      "Der Server des Empfängers hat die Nachricht angenommen.",
      "The recipient's server accepted the message.",
    ],
    ["Nichts tun.", "Nothing to do."],
  ),
];

const smtp: CatalogueEntry[] = [
  entry(
    "421",
    "smtp",
    "soft",
    ["421 Dienst nicht verfügbar", "421 Service not available"],
    [
      "Der Empfänger-Server hat die Verbindung vorübergehend abgelehnt (überlastet oder Wartung).",
      "The recipient's server temporarily refused the connection (overloaded or maintenance).",
    ],
    RETRY_LATER,
  ),
  entry(
    "450",
    "smtp",
    "soft",
    ["450 Postfach vorübergehend nicht verfügbar", "450 Mailbox temporarily unavailable"],
    [
      "Das Postfach ist gerade nicht erreichbar (z. B. gesperrt oder Greylisting).",
      "The mailbox cannot be reached right now (e.g. locked or greylisting).",
    ],
    RETRY_LATER,
  ),
  entry(
    "451",
    "smtp",
    "soft",
    ["451 Vorübergehender Fehler", "451 Temporary local error"],
    [
      "Beim Empfänger-Server ist ein vorübergehender Fehler aufgetreten.",
      "A temporary error occurred on the recipient's server.",
    ],
    RETRY_LATER,
  ),
  entry(
    "452",
    "smtp",
    "soft",
    ["452 Speicher nicht ausreichend", "452 Insufficient storage"],
    [
      "Dem Empfänger-Server oder Postfach fehlt gerade Speicherplatz.",
      "The recipient's server or mailbox is short of storage right now.",
    ],
    RETRY_LATER,
  ),
  entry(
    "500",
    "smtp",
    "soft",
    ["500 Befehl nicht erkannt", "500 Command not recognised"],
    [
      "Der Empfänger-Server hat einen Befehl nicht verstanden.",
      "The recipient's server did not understand a command.",
    ],
    ASK_IT,
  ),
  entry(
    "501",
    "smtp",
    "soft",
    ["501 Fehler in den Angaben", "501 Syntax error in parameters"],
    [
      "Eine Angabe beim Versand (oft die Adresse) war formal fehlerhaft.",
      "Something given while sending (often the address) was malformed.",
    ],
    [
      "Schreibweise der Adresse prüfen (Leerzeichen, Umlaute, fehlendes @).",
      "Check the address spelling (spaces, special characters, missing @).",
    ],
  ),
  entry(
    "502",
    "smtp",
    "soft",
    ["502 Befehl nicht unterstützt", "502 Command not implemented"],
    [
      "Der Empfänger-Server unterstützt einen Befehl nicht.",
      "The recipient's server does not support a command.",
    ],
    ASK_IT,
  ),
  entry(
    "503",
    "smtp",
    "soft",
    ["503 Falsche Reihenfolge", "503 Bad sequence of commands"],
    [
      "Der Versand hielt sich nicht an die erwartete Reihenfolge, oft weil eine Anmeldung fehlt.",
      "Sending did not follow the expected order, often because authentication is missing.",
    ],
    ASK_IT,
  ),
  entry(
    "504",
    "smtp",
    "soft",
    ["504 Parameter nicht unterstützt", "504 Parameter not implemented"],
    [
      "Ein Parameter beim Versand wird vom Empfänger nicht unterstützt.",
      "A parameter used while sending is not supported by the recipient.",
    ],
    ASK_IT,
  ),
  entry(
    "521",
    "smtp",
    "hard",
    ["521 Nimmt keine E-Mails an", "521 Does not accept mail"],
    ["Dieser Server nimmt grundsätzlich keine E-Mails an.", "This server does not accept e-mail at all."],
    ["Beim Kunden eine andere Adresse erfragen.", "Ask the customer for another address."],
  ),
  entry(
    "530",
    "smtp",
    "soft",
    ["530 Anmeldung erforderlich", "530 Authentication required"],
    [
      "Der Server verlangt eine Anmeldung, bevor er Nachrichten annimmt.",
      "The server requires authentication before it accepts messages.",
    ],
    ASK_IT,
  ),
  entry(
    "535",
    "smtp",
    "soft",
    ["535 Anmeldung fehlgeschlagen", "535 Authentication failed"],
    [
      "Benutzername oder Passwort des Versandkontos wurden abgelehnt.",
      "The sending account's user name or password was refused.",
    ],
    [
      "Zugangsdaten des Versandwegs (SMTP-Konto) prüfen.",
      "Check the credentials of the transport (SMTP account).",
    ],
  ),
  entry(
    "550",
    "smtp",
    "hard",
    ["550 Abgelehnt", "550 Refused"],
    [
      "Der Empfänger-Server hat die Nachricht endgültig abgelehnt, meist weil das Postfach nicht existiert oder eine Richtlinie greift.",
      "The recipient's server refused the message for good, usually because the mailbox does not exist or a policy applies.",
    ],
    [
      "Rückmeldung lesen; bei „unbekannter Empfänger“ die Adresse beim Kunden prüfen.",
      'Read the report; for "unknown recipient", check the address with the customer.',
    ],
  ),
  entry(
    "551",
    "smtp",
    "hard",
    ["551 Empfänger nicht hier", "551 User not local"],
    [
      "Das Postfach liegt nicht (mehr) auf diesem Server; oft wird eine neue Adresse genannt.",
      "The mailbox is not (or no longer) on this server; often a new address is given.",
    ],
    [
      "Neue Adresse beim Kunden erfragen und eintragen.",
      "Ask the customer for the new address and update it.",
    ],
  ),
  entry(
    "552",
    "smtp",
    "soft",
    ["552 Speicher überschritten", "552 Storage exceeded"],
    ["Postfach voll oder Nachricht zu groß.", "Mailbox full or message too large."],
    ["Anhänge verkleinern bzw. später erneut senden.", "Make attachments smaller or send again later."],
  ),
  entry(
    "553",
    "smtp",
    "hard",
    ["553 Adresse ungültig", "553 Mailbox name not allowed"],
    [
      "Die Adresse ist formal ungültig oder auf diesem Server nicht erlaubt.",
      "The address is malformed or not allowed on this server.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "554",
    "smtp",
    "soft",
    ["554 Übertragung fehlgeschlagen", "554 Transaction failed"],
    [
      "Der Empfänger-Server hat die Nachricht abgelehnt, oft wegen Spamverdacht oder einer Sperre.",
      "The recipient's server refused the message, often as suspected spam or because of a block.",
    ],
    OWN_DOMAIN,
  ),
];

const enhanced: CatalogueEntry[] = [
  entry(
    "4.2.2",
    "enhanced",
    "soft",
    ["4.2.2 Postfach voll", "4.2.2 Mailbox full"],
    [
      "Das Postfach ist voll; es wird später erneut versucht.",
      "The mailbox is full; delivery is retried later.",
    ],
    RETRY_LATER,
  ),
  entry(
    "4.4.1",
    "enhanced",
    "soft",
    ["4.4.1 Keine Antwort vom Server", "4.4.1 No answer from host"],
    ["Der Server des Empfängers hat nicht geantwortet.", "The recipient's server did not answer."],
    RETRY_LATER,
  ),
  entry(
    "4.4.2",
    "enhanced",
    "soft",
    ["4.4.2 Verbindung abgebrochen", "4.4.2 Bad connection"],
    ["Die Verbindung zum Empfänger-Server brach ab.", "The connection to the recipient's server broke off."],
    RETRY_LATER,
  ),
  entry(
    "4.4.7",
    "enhanced",
    "soft",
    ["4.4.7 Zustellfrist abgelaufen", "4.4.7 Delivery time expired"],
    [
      "Die Nachricht konnte in der erlaubten Zeit nicht zugestellt werden.",
      "The message could not be delivered within the allowed time.",
    ],
    [
      "Später erneut senden oder den Kunden auf anderem Weg erreichen.",
      "Send again later or reach the customer another way.",
    ],
  ),
  entry(
    "4.7.0",
    "enhanced",
    "soft",
    ["4.7.0 Vorübergehend abgelehnt (Sicherheit)", "4.7.0 Temporarily refused (security)"],
    [
      "Der Empfänger hat die Nachricht vorübergehend abgelehnt, z. B. wegen Greylisting oder Sicherheitsprüfung.",
      "The recipient refused the message for now, e.g. greylisting or a security check.",
    ],
    RETRY_LATER,
  ),
  entry(
    "4.7.1",
    "enhanced",
    "soft",
    ["4.7.1 Vorübergehend nicht zugelassen", "4.7.1 Temporarily not authorised"],
    [
      "Der Empfänger nimmt von diesem Absender vorübergehend nichts an.",
      "The recipient temporarily refuses this sender.",
    ],
    RETRY_LATER,
  ),
  entry(
    "5.0.0",
    "enhanced",
    "soft",
    ["5.0.0 Dauerhafter Fehler", "5.0.0 Permanent failure"],
    [
      "Die Zustellung ist dauerhaft fehlgeschlagen; die Rückmeldung nennt den Grund nicht genauer.",
      "Delivery failed permanently; the report does not give a more specific reason.",
    ],
    [
      "Diagnose lesen; im Zweifel beim Kunden nachfragen.",
      "Read the diagnostic; if in doubt, ask the customer.",
    ],
  ),
  entry(
    "5.1.0",
    "enhanced",
    "hard",
    ["5.1.0 Adressfehler", "5.1.0 Address error"],
    ["Mit der Adresse stimmt etwas nicht.", "Something is wrong with the address."],
    ASK_CUSTOMER,
  ),
  entry(
    "5.1.1",
    "enhanced",
    "hard",
    ["5.1.1 Postfach existiert nicht", "5.1.1 Mailbox does not exist"],
    [
      "Der Teil vor dem @ ist beim Empfänger-Server unbekannt.",
      "The part before the @ is unknown at the recipient's server.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "5.1.2",
    "enhanced",
    "hard",
    ["5.1.2 Domain ungültig", "5.1.2 Bad destination domain"],
    [
      "Die Domain nach dem @ existiert nicht oder empfängt keine E-Mails.",
      "The domain after the @ does not exist or receives no e-mail.",
    ],
    [
      "Schreibweise der Domain prüfen und beim Kunden nachfragen.",
      "Check the domain's spelling and ask the customer.",
    ],
  ),
  entry(
    "5.1.3",
    "enhanced",
    "hard",
    ["5.1.3 Adresse formal falsch", "5.1.3 Bad address syntax"],
    [
      "Die Adresse ist nicht richtig geschrieben (z. B. Leerzeichen, zwei @).",
      "The address is not written correctly (e.g. spaces, two @).",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "5.1.6",
    "enhanced",
    "hard",
    ["5.1.6 Postfach umgezogen", "5.1.6 Mailbox has moved"],
    [
      "Das Postfach gibt es unter dieser Adresse nicht mehr.",
      "The mailbox no longer exists at this address.",
    ],
    ["Neue Adresse beim Kunden erfragen.", "Ask the customer for the new address."],
  ),
  entry(
    "5.1.8",
    "enhanced",
    "soft",
    ["5.1.8 Absenderdomain ungültig", "5.1.8 Bad sender's domain"],
    [
      "Der Empfänger hält unsere Absenderdomain für ungültig.",
      "The recipient considers our sender domain invalid.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "5.1.10",
    "enhanced",
    "hard",
    ["5.1.10 Domain empfängt keine E-Mails", "5.1.10 Recipient domain has null MX"],
    [
      "Die Domain hat ausdrücklich erklärt, keine E-Mails zu empfangen.",
      "The domain has declared that it receives no e-mail.",
    ],
    ["Beim Kunden eine andere Adresse erfragen.", "Ask the customer for another address."],
  ),
  entry(
    "5.2.1",
    "enhanced",
    "soft",
    ["5.2.1 Postfach deaktiviert", "5.2.1 Mailbox disabled"],
    [
      "Das Postfach nimmt keine Nachrichten an (deaktiviert oder gesperrt).",
      "The mailbox accepts no messages (disabled or blocked).",
    ],
    [
      "Beim Kunden nachfragen, ob die Adresse noch genutzt wird.",
      "Ask the customer whether the address is still in use.",
    ],
  ),
  entry(
    "5.2.2",
    "enhanced",
    "soft",
    ["5.2.2 Postfach voll", "5.2.2 Mailbox full"],
    ["Das Postfach des Empfängers ist voll.", "The recipient's mailbox is full."],
    [
      "Später erneut senden; bleibt es voll, den Kunden anrufen.",
      "Send again later; if it stays full, call the customer.",
    ],
  ),
  entry(
    "5.2.3",
    "enhanced",
    "soft",
    ["5.2.3 Nachricht zu groß", "5.2.3 Message too large"],
    ["Die Nachricht ist für dieses Postfach zu groß.", "The message is too large for this mailbox."],
    ["Anhänge verkleinern und erneut senden.", "Make attachments smaller and send again."],
  ),
  entry(
    "5.3.4",
    "enhanced",
    "soft",
    ["5.3.4 Nachricht zu groß für den Server", "5.3.4 Message too big for system"],
    [
      "Die Nachricht überschreitet die Größengrenze des Empfänger-Servers.",
      "The message exceeds the recipient server's size limit.",
    ],
    ["Anhänge verkleinern oder als Link senden.", "Make attachments smaller or send a link."],
  ),
  entry(
    "5.4.1",
    "enhanced",
    "hard",
    ["5.4.1 Empfänger abgelehnt", "5.4.1 Recipient refused"],
    [
      "Der Empfänger-Server (oft Microsoft 365) kennt die Adresse nicht oder lässt sie nicht zu.",
      "The recipient's server (often Microsoft 365) does not know or allow the address.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "5.4.4",
    "enhanced",
    "hard",
    ["5.4.4 Kein Weg zum Empfänger", "5.4.4 Unable to route"],
    [
      "Für die Domain des Empfängers wurde kein Mailserver gefunden.",
      "No mail server was found for the recipient's domain.",
    ],
    [
      "Schreibweise der Domain prüfen und beim Kunden nachfragen.",
      "Check the domain's spelling and ask the customer.",
    ],
  ),
  entry(
    "5.4.6",
    "enhanced",
    "soft",
    ["5.4.6 Weiterleitungsschleife", "5.4.6 Routing loop"],
    ["Die Nachricht wurde im Kreis weitergeleitet.", "The message was forwarded in a loop."],
    RECIPIENT_SIDE,
  ),
  entry(
    "5.6.0",
    "enhanced",
    "soft",
    ["5.6.0 Inhalt nicht verarbeitbar", "5.6.0 Content error"],
    ["Der Aufbau der Nachricht wurde nicht akzeptiert.", "The message structure was not accepted."],
    CHECK_CONTENT,
  ),
  entry(
    "5.7.0",
    "enhanced",
    "soft",
    ["5.7.0 Sicherheits- oder Richtlinienfehler", "5.7.0 Security or policy error"],
    [
      "Eine Sicherheitsregel des Empfängers hat die Nachricht abgelehnt.",
      "A security rule at the recipient refused the message.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "5.7.1",
    "enhanced",
    "soft",
    ["5.7.1 Zustellung nicht erlaubt", "5.7.1 Delivery not authorised"],
    [
      "Der Empfänger lässt die Nachricht nicht zu: Spamverdacht, Sperrliste oder eine Regel des Empfängers.",
      "The recipient does not allow the message: suspected spam, a blocklist or a rule of the recipient.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "5.7.13",
    "enhanced",
    "soft",
    ["5.7.13 Konto deaktiviert", "5.7.13 User account disabled"],
    ["Das Konto des Empfängers ist deaktiviert.", "The recipient's account is disabled."],
    ["Beim Kunden nach einer anderen Adresse fragen.", "Ask the customer for another address."],
  ),
  entry(
    "5.7.23",
    "enhanced",
    "soft",
    ["5.7.23 SPF-Prüfung fehlgeschlagen", "5.7.23 SPF validation failed"],
    [
      "Unser Versandserver ist im SPF-Eintrag der Absenderdomain nicht erlaubt.",
      "Our sending server is not allowed in the sender domain's SPF record.",
    ],
    [
      "SPF-Eintrag der Absenderdomain ergänzen (siehe „Absenderdomains“).",
      'Add to the sender domain\'s SPF record (see "Sender domains").',
    ],
  ),
  entry(
    "5.7.25",
    "enhanced",
    "soft",
    ["5.7.25 Rückwärtsauflösung fehlgeschlagen", "5.7.25 Reverse DNS validation failed"],
    [
      "Die IP-Adresse des Versandservers hat keinen passenden Namen.",
      "The sending server's IP address has no matching name.",
    ],
    ASK_IT,
  ),
  entry(
    "5.7.26",
    "enhanced",
    "soft",
    ["5.7.26 Absender nicht authentifiziert", "5.7.26 Authentication checks failed"],
    [
      "SPF und DKIM der Absenderdomain sind fehlgeschlagen; die DMARC-Richtlinie verlangt die Ablehnung.",
      "SPF and DKIM of the sender domain failed; the DMARC policy asks for rejection.",
    ],
    [
      "DKIM-Signatur und SPF der Absenderdomain einrichten (siehe „Absenderdomains“).",
      'Set up DKIM signing and SPF for the sender domain (see "Sender domains").',
    ],
  ),
  entry(
    "5.7.27",
    "enhanced",
    "soft",
    ["5.7.27 Absenderdomain nimmt keine Antworten an", "5.7.27 Sender address has null MX"],
    [
      "Die Absenderdomain kann keine E-Mails empfangen; deshalb lehnt der Empfänger ab.",
      "The sender domain cannot receive e-mail, so the recipient refuses.",
    ],
    OWN_DOMAIN,
  ),
];

const providers: CatalogueEntry[] = [
  // SendGrid bounce classifications
  entry(
    "sendgrid:invalid_address",
    "provider",
    "hard",
    ["SendGrid: Ungültige Adresse", "SendGrid: Invalid address"],
    [
      "SendGrid meldet, dass die Adresse nicht existiert.",
      "SendGrid reports that the address does not exist.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "sendgrid:mailbox_unavailable",
    "provider",
    "hard",
    ["SendGrid: Postfach nicht verfügbar", "SendGrid: Mailbox unavailable"],
    [
      "Das Postfach ist nicht verfügbar (gelöscht oder deaktiviert).",
      "The mailbox is unavailable (deleted or disabled).",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "sendgrid:technical",
    "provider",
    "soft",
    ["SendGrid: Technischer Fehler", "SendGrid: Technical failure"],
    ["Beim Empfänger gab es ein technisches Problem.", "There was a technical problem at the recipient."],
    RETRY_LATER,
  ),
  entry(
    "sendgrid:content",
    "provider",
    "soft",
    ["SendGrid: Inhalt abgelehnt", "SendGrid: Content refused"],
    ["Der Empfänger hat den Inhalt abgelehnt.", "The recipient refused the content."],
    CHECK_CONTENT,
  ),
  entry(
    "sendgrid:reputation",
    "provider",
    "soft",
    ["SendGrid: Ruf des Absenders", "SendGrid: Reputation"],
    [
      "Der Empfänger lehnt wegen des Rufs der Versand-IP oder -Domain ab.",
      "The recipient refuses because of the sending IP's or domain's reputation.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "sendgrid:frequency_volume",
    "provider",
    "soft",
    ["SendGrid: Menge oder Häufigkeit", "SendGrid: Frequency or volume"],
    [
      "Zu viele Nachrichten in kurzer Zeit an diesen Anbieter.",
      "Too many messages to this provider in a short time.",
    ],
    RETRY_LATER,
  ),
  entry(
    "sendgrid:unclassified",
    "provider",
    "soft",
    ["SendGrid: Nicht eingeordnet", "SendGrid: Unclassified"],
    ["SendGrid konnte den Fehler keiner Gruppe zuordnen.", "SendGrid could not classify the failure."],
    [
      "Diagnose lesen; im Zweifel später erneut senden.",
      "Read the diagnostic; if in doubt, send again later.",
    ],
  ),
  entry(
    "sendgrid:dropped",
    "provider",
    "info",
    ["SendGrid: Nicht gesendet (unterdrückt)", "SendGrid: Dropped"],
    [
      "SendGrid hat nicht gesendet, weil die Adresse auf einer Unterdrückungsliste steht (frühere Rückläufer, Abmeldung, Spam-Beschwerde).",
      "SendGrid did not send because the address is on a suppression list (earlier bounce, unsubscribe, spam report).",
    ],
    [
      "Im SendGrid-Konto prüfen, warum die Adresse unterdrückt wird.",
      "Check in the SendGrid account why the address is suppressed.",
    ],
  ),
  // Mailgun failure reasons
  entry(
    "mailgun:bounce",
    "provider",
    "hard",
    ["Mailgun: Dauerhafter Rückläufer", "Mailgun: Permanent bounce"],
    [
      "Der Empfänger-Server hat die Nachricht endgültig abgelehnt.",
      "The recipient's server refused the message for good.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "mailgun:suppress-bounce",
    "provider",
    "info",
    ["Mailgun: Frühere Rückläufer", "Mailgun: Suppressed (earlier bounce)"],
    [
      "Mailgun sendet nicht, weil diese Adresse schon einmal hart zurückkam.",
      "Mailgun does not send because this address bounced hard before.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "mailgun:suppress-unsubscribe",
    "provider",
    "info",
    ["Mailgun: Abgemeldet", "Mailgun: Suppressed (unsubscribed)"],
    [
      "Der Empfänger hat sich abgemeldet; Mailgun sendet nicht.",
      "The recipient unsubscribed; Mailgun does not send.",
    ],
    ["Nichts senden, solange keine neue Einwilligung vorliegt.", "Send nothing until there is new consent."],
  ),
  entry(
    "mailgun:suppress-complaint",
    "provider",
    "info",
    ["Mailgun: Beschwerde", "Mailgun: Suppressed (complaint)"],
    [
      "Der Empfänger hat sich über eine frühere Nachricht beschwert; Mailgun sendet nicht.",
      "The recipient complained about an earlier message; Mailgun does not send.",
    ],
    ["Keine Werbung mehr an diese Adresse senden.", "Send no more marketing to this address."],
  ),
  entry(
    "mailgun:espblock",
    "provider",
    "soft",
    ["Mailgun: Vom Anbieter blockiert", "Mailgun: Blocked by the provider"],
    [
      "Der E-Mail-Anbieter des Empfängers hat den Versand blockiert.",
      "The recipient's mailbox provider blocked the sending.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "mailgun:generic",
    "provider",
    "soft",
    ["Mailgun: Allgemeiner Fehler", "Mailgun: Generic failure"],
    ["Mailgun meldet einen nicht näher bestimmten Fehler.", "Mailgun reports an unspecified failure."],
    RETRY_LATER,
  ),
  entry(
    "mailgun:old",
    "provider",
    "soft",
    ["Mailgun: Zustellversuche abgelaufen", "Mailgun: Retries exhausted"],
    ["Mailgun hat nach mehreren Versuchen aufgegeben.", "Mailgun gave up after several attempts."],
    [
      "Später erneut senden oder den Kunden anders erreichen.",
      "Send again later or reach the customer another way.",
    ],
  ),
  // Postmark bounce types
  entry(
    "postmark:HardBounce",
    "provider",
    "hard",
    ["Postmark: Harter Rückläufer", "Postmark: Hard bounce"],
    [
      "Der Empfänger-Server meldet, dass die Adresse nicht existiert.",
      "The recipient's server reports that the address does not exist.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "postmark:SoftBounce",
    "provider",
    "soft",
    ["Postmark: Weicher Rückläufer", "Postmark: Soft bounce"],
    [
      "Vorübergehendes Problem beim Empfänger, z. B. volles Postfach.",
      "A temporary problem at the recipient, e.g. a full mailbox.",
    ],
    RETRY_LATER,
  ),
  entry(
    "postmark:Transient",
    "provider",
    "soft",
    ["Postmark: Vorübergehend", "Postmark: Transient"],
    [
      "Die Zustellung wird verzögert; Postmark versucht es weiter.",
      "Delivery is delayed; Postmark keeps trying.",
    ],
    RETRY_LATER,
  ),
  entry(
    "postmark:DnsError",
    "provider",
    "soft",
    ["Postmark: DNS-Fehler", "Postmark: DNS error"],
    [
      "Der Mailserver der Empfänger-Domain konnte nicht gefunden werden.",
      "The recipient domain's mail server could not be found.",
    ],
    ["Schreibweise der Domain prüfen.", "Check the domain's spelling."],
  ),
  entry(
    "postmark:SpamNotification",
    "provider",
    "soft",
    ["Postmark: Spamverdacht", "Postmark: Spam notification"],
    ["Der Empfänger hat die Nachricht als Spam abgelehnt.", "The recipient refused the message as spam."],
    CHECK_CONTENT,
  ),
  entry(
    "postmark:SpamComplaint",
    "provider",
    "info",
    ["Postmark: Spam-Beschwerde", "Postmark: Spam complaint"],
    ["Der Empfänger hat die Nachricht als Spam markiert.", "The recipient marked the message as spam."],
    ["Keine Werbung mehr an diese Adresse senden.", "Send no more marketing to this address."],
  ),
  entry(
    "postmark:AutoResponder",
    "provider",
    "info",
    ["Postmark: Automatische Antwort", "Postmark: Auto-responder"],
    [
      "Eine automatische Antwort (z. B. Abwesenheit) kam zurück. Die Nachricht ist angekommen.",
      "An automatic reply (e.g. out of office) came back. The message arrived.",
    ],
    ["Nichts tun.", "Nothing to do."],
  ),
  entry(
    "postmark:AddressChange",
    "provider",
    "info",
    ["Postmark: Adresse geändert", "Postmark: Address change"],
    ["Der Empfänger meldet eine neue Adresse.", "The recipient reports a new address."],
    ["Neue Adresse im Kontakt eintragen.", "Update the contact with the new address."],
  ),
  entry(
    "postmark:BadEmailAddress",
    "provider",
    "hard",
    ["Postmark: Ungültige Adresse", "Postmark: Bad e-mail address"],
    ["Die Adresse ist formal ungültig.", "The address is malformed."],
    ASK_CUSTOMER,
  ),
  entry(
    "postmark:ManuallyDeactivated",
    "provider",
    "info",
    ["Postmark: Manuell deaktiviert", "Postmark: Manually deactivated"],
    ["Die Adresse wurde im Postmark-Konto gesperrt.", "The address was deactivated in the Postmark account."],
    [
      "Im Postmark-Konto prüfen, ob die Sperre aufgehoben werden soll.",
      "Check in the Postmark account whether to reactivate it.",
    ],
  ),
  entry(
    "postmark:Blocked",
    "provider",
    "soft",
    ["Postmark: Blockiert", "Postmark: Blocked"],
    [
      "Der E-Mail-Anbieter des Empfängers hat die Nachricht blockiert.",
      "The recipient's mailbox provider blocked the message.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "postmark:DMARCPolicy",
    "provider",
    "soft",
    ["Postmark: DMARC-Richtlinie", "Postmark: DMARC policy"],
    [
      "Die Nachricht wurde wegen der DMARC-Richtlinie der Absenderdomain abgelehnt.",
      "The message was refused because of the sender domain's DMARC policy.",
    ],
    OWN_DOMAIN,
  ),
  entry(
    "postmark:Unknown",
    "provider",
    "soft",
    ["Postmark: Unbekannt", "Postmark: Unknown"],
    ["Postmark konnte den Rückläufer nicht einordnen.", "Postmark could not classify the bounce."],
    [
      "Diagnose lesen; im Zweifel später erneut senden.",
      "Read the diagnostic; if in doubt, send again later.",
    ],
  ),
  // Amazon SES bounce types and subtypes
  entry(
    "ses:Permanent/General",
    "provider",
    "hard",
    ["Amazon SES: Dauerhafter Rückläufer", "Amazon SES: Permanent bounce"],
    [
      "Der Empfänger-Server hat die Nachricht endgültig abgelehnt.",
      "The recipient's server refused the message for good.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "ses:Permanent/NoEmail",
    "provider",
    "hard",
    ["Amazon SES: Adresse existiert nicht", "Amazon SES: No such address"],
    ["Die Adresse existiert nicht.", "The address does not exist."],
    ASK_CUSTOMER,
  ),
  entry(
    "ses:Permanent/Suppressed",
    "provider",
    "info",
    ["Amazon SES: Unterdrückt", "Amazon SES: Suppressed"],
    [
      "Die Adresse steht auf der Unterdrückungsliste von Amazon SES (frühere harte Rückläufer).",
      "The address is on Amazon SES's suppression list (earlier hard bounces).",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "ses:Permanent/OnAccountSuppressionList",
    "provider",
    "info",
    ["Amazon SES: Auf Kontosperrliste", "Amazon SES: On account suppression list"],
    [
      "Die Adresse steht auf der Sperrliste des eigenen SES-Kontos.",
      "The address is on the SES account's own suppression list.",
    ],
    [
      "Im SES-Konto prüfen, warum die Adresse gesperrt ist.",
      "Check in the SES account why the address is suppressed.",
    ],
  ),
  entry(
    "ses:Transient/General",
    "provider",
    "soft",
    ["Amazon SES: Vorübergehender Rückläufer", "Amazon SES: Transient bounce"],
    ["Vorübergehendes Problem beim Empfänger.", "A temporary problem at the recipient."],
    RETRY_LATER,
  ),
  entry(
    "ses:Transient/MailboxFull",
    "provider",
    "soft",
    ["Amazon SES: Postfach voll", "Amazon SES: Mailbox full"],
    ["Das Postfach des Empfängers ist voll.", "The recipient's mailbox is full."],
    RETRY_LATER,
  ),
  entry(
    "ses:Transient/MessageTooLarge",
    "provider",
    "soft",
    ["Amazon SES: Nachricht zu groß", "Amazon SES: Message too large"],
    ["Die Nachricht ist für den Empfänger zu groß.", "The message is too large for the recipient."],
    ["Anhänge verkleinern und erneut senden.", "Make attachments smaller and send again."],
  ),
  entry(
    "ses:Transient/ContentRejected",
    "provider",
    "soft",
    ["Amazon SES: Inhalt abgelehnt", "Amazon SES: Content rejected"],
    ["Der Empfänger hat den Inhalt abgelehnt.", "The recipient rejected the content."],
    CHECK_CONTENT,
  ),
  entry(
    "ses:Transient/AttachmentRejected",
    "provider",
    "soft",
    ["Amazon SES: Anhang abgelehnt", "Amazon SES: Attachment rejected"],
    ["Der Empfänger hat einen Anhang abgelehnt.", "The recipient rejected an attachment."],
    [
      "Ohne den Anhang oder mit einem anderen Dateiformat erneut senden.",
      "Send again without the attachment or in another file format.",
    ],
  ),
  entry(
    "ses:Undetermined",
    "provider",
    "soft",
    ["Amazon SES: Unbestimmt", "Amazon SES: Undetermined"],
    ["Amazon SES konnte den Rückläufer nicht einordnen.", "Amazon SES could not classify the bounce."],
    [
      "Diagnose lesen; im Zweifel später erneut senden.",
      "Read the diagnostic; if in doubt, send again later.",
    ],
  ),
];

const poststelle: CatalogueEntry[] = [
  entry(
    "blocklisted",
    "poststelle",
    "info",
    ["Adresse gesperrt", "Address blocklisted"],
    [
      "Die Adresse steht auf der Sperrliste dieses Arbeitsbereichs; Poststelle hat nicht gesendet.",
      "The address is on this workspace's blocklist; Poststelle did not send.",
    ],
    [
      "Sperrgrund unter „Sperrliste“ ansehen. Nur ein Administrator kann die Sperre aufheben.",
      'See the reason under "Blocklist". Only an administrator can lift the block.',
    ],
  ),
  entry(
    "no_consent",
    "poststelle",
    "info",
    ["Keine Einwilligung", "No consent"],
    [
      "Für diesen Zweck liegt keine Einwilligung des Kontakts vor; Poststelle hat nicht gesendet.",
      "There is no consent from the contact for this purpose; Poststelle did not send.",
    ],
    [
      "Einwilligung beim Kunden einholen und im Kontakt erfassen.",
      "Obtain consent from the customer and record it in the contact.",
    ],
  ),
  entry(
    "unsubscribed",
    "poststelle",
    "info",
    ["Abgemeldet", "Unsubscribed"],
    [
      "Der Kontakt hat sich von dieser Liste abgemeldet; Poststelle hat nicht gesendet.",
      "The contact unsubscribed from this list; Poststelle did not send.",
    ],
    [
      "Nichts senden, solange sich der Kunde nicht erneut anmeldet.",
      "Send nothing unless the customer subscribes again.",
    ],
  ),
  entry(
    "no_address",
    "poststelle",
    "info",
    ["Keine E-Mail-Adresse", "No e-mail address"],
    ["Der Kontakt hat keine verwendbare E-Mail-Adresse.", "The contact has no usable e-mail address."],
    [
      "E-Mail-Adresse beim Kunden erfragen und im Kontakt eintragen.",
      "Ask the customer for an e-mail address and add it to the contact.",
    ],
  ),
  entry(
    "earlier_hard_bounce",
    "poststelle",
    "info",
    ["Früherer harter Rückläufer", "Earlier hard bounce"],
    [
      "An diese Adresse ist schon einmal eine Nachricht endgültig nicht zugestellt worden; Poststelle sendet nicht erneut.",
      "A message to this address already failed permanently; Poststelle does not send again.",
    ],
    ASK_CUSTOMER,
  ),
  entry(
    "unknown_outcome",
    "poststelle",
    "info",
    ["Ergebnis unbekannt", "Outcome unknown"],
    [
      "Der Versand wurde unterbrochen, während die Nachricht übertragen wurde. Ob sie angekommen ist, ist unklar; Poststelle sendet sie nicht von selbst erneut.",
      "Sending was interrupted while the message was being transferred. Whether it arrived is unclear; Poststelle does not resend it by itself.",
    ],
    [
      "Beim Kunden nachfragen oder die Nachricht bewusst erneut senden.",
      "Ask the customer, or deliberately send the message again.",
    ],
  ),
  entry(
    "smtp_connection",
    "poststelle",
    "soft",
    ["Keine Verbindung zum Versandserver", "Cannot reach the sending server"],
    [
      "Poststelle konnte den eingestellten Versandserver (SMTP) nicht erreichen.",
      "Poststelle could not reach the configured sending server (SMTP).",
    ],
    [
      "Einstellungen des Versandwegs (Server, Port, Zugangsdaten) prüfen; bei Bedarf die IT fragen.",
      "Check the transport settings (server, port, credentials); ask your IT if needed.",
    ],
  ),
];

export const catalogue: readonly CatalogueEntry[] = [
  ...reasons,
  ...smtp,
  ...enhanced,
  ...providers,
  ...poststelle,
];

const byCode = new Map(catalogue.map((e) => [e.code.toLowerCase(), e]));

/** The shipped entry of a code (case-insensitive), if there is one. */
export function shippedEntry(code: string): CatalogueEntry | undefined {
  return byCode.get(code.toLowerCase());
}
