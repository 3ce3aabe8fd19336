/**
 * The service's request handler: `/notes` lists the notes, `/healthz` answers the load
 * balancer and the smoke test with the version and commit the image was built from.
 */
const NOTES = [{ id: 1, text: "deploy on Fridays only with a rollback" }];

/**
 * @param {{ version?: string, commit?: string }} build
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void}
 */
export function createHandler(build) {
  return (req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    const [status, body] =
      pathname === "/healthz"
        ? [200, { status: "ok", version: build.version ?? "0.0.0-dev", commit: build.commit ?? "unknown" }]
        : pathname === "/notes"
          ? [200, NOTES]
          : [404, { error: "not found" }];
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
}
