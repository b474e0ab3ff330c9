// The page table: one entry per route, in one place, so a new page is a folder under pages/ plus one line
// here (and one in nav.ts if it belongs in the navigation).
import type { ReactElement } from "react";
import { AccountPage } from "./account/AccountPage";
import { ActivitiesPage } from "./activities/ActivitiesPage";
import { CampaignNewPage } from "./campaigns/CampaignNewPage";
import { CampaignPage } from "./campaigns/CampaignPage";
import { CampaignsPage } from "./campaigns/CampaignsPage";
import { TemplateEditorPage } from "./campaigns/TemplateEditorPage";
import { ContactPage } from "./contact/ContactPage";
import { ContactsPage } from "./contacts/ContactsPage";
import { EventLogPage } from "./eventlog/EventLogPage";
import { ImportReportPage } from "./import/ImportReportPage";
import { ImportsPage } from "./import/ImportsPage";
import { ImportWizard } from "./import/ImportWizard";
import { ListPage } from "./lists/ListPage";
import { ListsPage } from "./lists/ListsPage";
import { MessagePage } from "./message/MessagePage";
import { MessagesPage } from "./messages/MessagesPage";
import { SettingsPage } from "./settings/SettingsPage";
import { StatisticsPage } from "./statistics/StatisticsPage";

export interface PageRoute {
  path: string;
  element: ReactElement;
}

export const pageRoutes: PageRoute[] = [
  { path: "/activities", element: <ActivitiesPage /> },
  { path: "/account", element: <AccountPage /> },
  { path: "/messages", element: <MessagesPage /> },
  { path: "/messages/:id", element: <MessagePage /> },
  { path: "/event-log", element: <EventLogPage /> },
  { path: "/contacts", element: <ContactsPage /> },
  { path: "/contacts/import", element: <ImportWizard /> },
  { path: "/contacts/imports", element: <ImportsPage /> },
  { path: "/contacts/imports/:id", element: <ImportReportPage /> },
  { path: "/contacts/:id", element: <ContactPage /> },
  { path: "/lists", element: <ListsPage /> },
  { path: "/lists/:id", element: <ListPage /> },
  { path: "/lists/:id/:tab", element: <ListPage /> },
  { path: "/campaigns", element: <CampaignsPage /> },
  { path: "/campaigns/new", element: <CampaignNewPage /> },
  { path: "/campaigns/templates/:id", element: <TemplateEditorPage /> },
  { path: "/campaigns/:id", element: <CampaignPage /> },
  { path: "/statistics", element: <StatisticsPage /> },
  { path: "/settings", element: <SettingsPage /> },
];
