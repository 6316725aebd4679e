// The least an HTTP proxy written with Node and undici can do: forward each request to the upstream
// and pipe the response back, nothing else (no secret, no metering, no ledger). bench/gateway
// measures it beside the gateway, so the cost of a third process and an HTTP hop on this machine
// is told apart from the cost of what the gateway adds. Prints its URL.
// Usage: node bare-proxy.mjs <upstream-url>
import { createServer } from "node:http";
import { pipeline } from "node:stream/promises";
import { Pool } from "undici";

const upstream = new URL(process.argv[2]);
const pool = new Pool(upstream.origin, { connections: 32, pipelining: 1 });
const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const { host: _host, connection: _connection, ...headers } = req.headers;
    const answer = await pool.request({
      path: req.url,
      method: req.method,
      headers,
      body: Buffer.concat(chunks),
    });
    res.writeHead(answer.statusCode, answer.headers);
    await pipeline(answer.body, res);
  } catch {
    res.destroy();
  }
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
