// Per test run, so that several runs against one server (two developers, two suites) never collide.
export const TEMPLATE_DB = `poststelle_tpl_${process.pid}`;

/** The maintenance database of the server in DATABASE_URL (to create and drop test databases). */
export function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

export function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
