// The dashboard (web/, built by Vite into web/dist) served by the API process at `/`: hashed assets are
// cached for a year, index.html never (so a new build is picked up at once), no directory listings, and
// every other GET that is not an API path gets index.html so the browser's router can show the page.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sendError } from "./errors.js";

export const DASHBOARD_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

/** Paths that belong to the API and its public endpoints, or are built files: an unknown one is a 404,
 * never the SPA's page (a missing script answered with HTML would fail in confusing ways). */
const NOT_PAGES = /^\/(v1|u|s|signup|health|metrics|openapi\.json|assets)(\/|$|\?)/;

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

function setDashboardHeaders(reply: FastifyReply, filePath: string) {
  const immutable = /[\\/]assets[\\/]/.test(filePath);
  reply.header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
}

function sendIndex(reply: FastifyReply) {
  return reply.sendFile("index.html");
}

/** The file under web/dist a request names, or null for a page of the app. */
function builtFile(url: string, dir: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.split("?")[0]);
  } catch {
    return null;
  }
  if (pathname.startsWith("/assets/")) return pathname.slice(1);
  // Top-level files of the build (icons, robots.txt); checked on disk so a rebuild needs no restart.
  const name = pathname.slice(1);
  if (/^[\w.-]+\.[a-z0-9]+$/i.test(name) && !name.startsWith(".") && fs.existsSync(path.join(dir, name)))
    return name;
  return null;
}

/**
 * Registers the dashboard on the app when it has been built; returns false (and serves nothing) when
 * web/dist/index.html is missing, so the API still runs from a checkout without a build.
 */
export async function serveDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): Promise<boolean> {
  if (!fs.existsSync(path.join(dir, "index.html"))) return false;
  await app.register(fastifyStatic, {
    root: dir,
    // Files are looked up per request (a rebuild is served without a restart); `send` keeps every path
    // inside web/dist, refuses dotfiles and never lists a directory.
    serve: false,
    index: false,
    list: false,
    dotfiles: "deny",
    cacheControl: false,
    setHeaders: setDashboardHeaders,
  });
  const handler = (req: FastifyRequest, reply: FastifyReply) => {
    const file = builtFile(req.url, dir);
    if (file) return reply.sendFile(file);
    if (NOT_PAGES.test(req.url)) {
      return sendError(reply, 404, "not_found", `There is no route ${req.method} ${req.url.split("?")[0]}.`);
    }
    return sendIndex(reply);
  };
  app.get("/", handler);
  app.get("/*", handler);
  return true;
}
