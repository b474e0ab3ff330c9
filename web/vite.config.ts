// The dashboard's build: one static bundle served by the API process (src/http/static.ts). In development
// `npx vite web` proxies the API to a running `npm start` (POSTSTELLE_API, default http://127.0.0.1:8025).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.POSTSTELLE_API ?? "http://127.0.0.1:8025";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { "/v1": api, "/health": api } },
});
