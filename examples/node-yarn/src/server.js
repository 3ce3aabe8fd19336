/**
 * Listens on $PORT (8080) and drains on SIGTERM: in-flight requests finish, then it exits
 * (the task's stop timeout is 30 s).
 */
import { createServer } from "node:http";

import { createHandler } from "./app.js";

const port = Number(process.env.PORT ?? 8080);
const server = createServer(createHandler({ version: process.env.APP_VERSION, commit: process.env.GIT_COMMIT }));
// 65 s: above the ALB's 60 s idle timeout, so the load balancer closes idle connections first.
server.keepAliveTimeout = 65_000;
server.listen(port, () => console.log(`listening on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
