// The image's HEALTHCHECK: exit 0 when /healthz answers 200 (the slim image has no curl).
const res = await fetch(`http://127.0.0.1:${process.env.PORT ?? 8080}/healthz`, { signal: AbortSignal.timeout(3000) });
process.exit(res.status === 200 ? 0 : 1);
