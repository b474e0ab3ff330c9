// The page table: one entry per route, in one place, so a new page is a folder under pages/ plus one line
// here (and one in nav.ts if it belongs in the navigation).
import type { ReactElement } from "react";
import { ActivitiesPage } from "./activities/ActivitiesPage";
import { ContactPage } from "./contact/ContactPage";
import { ContactsPage } from "./contacts/ContactsPage";
import { ImportWizard } from "./import/ImportWizard";
import { MessagePage } from "./message/MessagePage";
import { MessagesPage } from "./messages/MessagesPage";
import { Placeholder } from "./placeholder/Placeholder";
import { SettingsPage } from "./settings/SettingsPage";

export interface PageRoute {
  path: string;
  element: ReactElement;
}

export const pageRoutes: PageRoute[] = [
  { path: "/activities", element: <ActivitiesPage /> },
  { path: "/messages", element: <MessagesPage /> },
  { path: "/messages/:id", element: <MessagePage /> },
  { path: "/contacts", element: <ContactsPage /> },
  { path: "/contacts/import", element: <ImportWizard /> },
  { path: "/contacts/:id", element: <ContactPage /> },
  // Pages still to come (issue 7): lists + sync workbench, campaigns, letters, statistics.
  { path: "/lists/*", element: <Placeholder titleKey="lists" /> },
  { path: "/campaigns/*", element: <Placeholder titleKey="campaigns" /> },
  { path: "/statistics/*", element: <Placeholder titleKey="statistics" /> },
  { path: "/settings", element: <SettingsPage /> },
];
