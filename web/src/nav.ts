// The navigation: groups of links; labels are keys of t.nav. Later pages add one entry here.
import type { Dict } from "./i18n/de";

export type NavKey = Exclude<
  keyof Dict["nav"],
  "main" | "logout" | "language" | "signedInAs" | "notifications"
>;

export interface NavLink {
  to: string;
  label: NavKey;
  adminOnly?: boolean;
}

export interface NavGroup {
  /** A heading over the links (Meldungen), or none. */
  heading?: "notifications";
  links: NavLink[];
}

export const navGroups: NavGroup[] = [
  {
    heading: "notifications",
    links: [
      { to: "/activities", label: "activities" },
      { to: "/messages", label: "emailStatus" },
      { to: "/event-log", label: "eventLog" },
    ],
  },
  { links: [{ to: "/contacts", label: "contacts" }] },
  { links: [{ to: "/lists", label: "lists" }] },
  { links: [{ to: "/campaigns", label: "campaigns" }] },
  { links: [{ to: "/statistics", label: "statistics" }] },
  { links: [{ to: "/settings", label: "settings", adminOnly: true }] },
  { links: [{ to: "/account", label: "account" }] },
];
