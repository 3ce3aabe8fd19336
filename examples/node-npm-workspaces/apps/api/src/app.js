/**
 * The API's request handler: `/` greets, `/healthz` answers the load balancer and the smoke
 * test with the version and commit the image was built from.
 */
import { greeting, health } from "@acme/format";

/**
 * @param {{ version?: string, commit?: string }} build
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void}
 */
export function createHandler(build) {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [status, body] =
      url.pathname === "/healthz"
        ? [200, health(build)]
        : url.pathname === "/"
          ? [200, greeting(url.searchParams.get("name") ?? "")]
          : [404, { error: "not found" }];
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
}
