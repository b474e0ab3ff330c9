// The dashboard (web/, built by Vite into web/dist) served by the API process at `/`: hashed assets are
// cached for a year, index.html never (so a new build is picked up at once), no directory listings, and
// every other GET that is not an API path gets index.html so the browser's router can show the page.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
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

/**
 * Registers the dashboard on the app when it has been built; returns false (and serves nothing) when
 * web/dist/index.html is missing, so the API still runs from a checkout without a build.
 */
export async function serveDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): Promise<boolean> {
  if (!fs.existsSync(`${dir}/index.html`)) return false;
  await app.register(fastifyStatic, {
    root: dir,
    prefix: "/",
    // One route per built file, found at start: nothing outside web/dist, no listing, no index routes.
    wildcard: false,
    index: false,
    list: false,
    dotfiles: "deny",
    cacheControl: false,
    setHeaders: setDashboardHeaders,
  });
  const fallback = (req: { url: string; method: string }, reply: FastifyReply) => {
    if (NOT_PAGES.test(req.url)) {
      return sendError(reply, 404, "not_found", `There is no route ${req.method} ${req.url.split("?")[0]}.`);
    }
    return sendIndex(reply);
  };
  app.get("/", (_req, reply) => sendIndex(reply));
  app.get("/*", (req, reply) => fallback(req, reply));
  return true;
}
