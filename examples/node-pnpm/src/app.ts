/**
 * The service's request handler: `/links/<title>` answers the title's slug, `/healthz` the
 * load balancer and the smoke test with the version and commit the image was built from.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { slugify } from "@links/slug";

export interface Build {
  version?: string | undefined;
  commit?: string | undefined;
}

export function createHandler(build: Build): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let status = 200;
    let body: unknown;
    if (url.pathname === "/healthz") {
      body = {
        status: "ok",
        version: build.version ?? "0.0.0-dev",
        commit: build.commit ?? "unknown",
      };
    } else if (url.pathname.startsWith("/links/")) {
      body = { slug: slugify(decodeURIComponent(url.pathname.slice("/links/".length))) };
    } else {
      status = 404;
      body = { error: "not found" };
    }
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
}
