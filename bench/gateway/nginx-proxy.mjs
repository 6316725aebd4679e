// A reverse proxy written in C, as a floor for what one HTTP hop costs on this machine: nginx
// (if installed), one worker, no buffering, kept-alive upstream connections. Prints its URL.
// Usage: node nginx-proxy.mjs <upstream-url>
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const upstream = new URL(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), "cf-bench-nginx-"));
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
writeFileSync(
  join(dir, "nginx.conf"),
  `daemon off; master_process off; worker_processes 1; error_log ${dir}/error.log; pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  upstream sim { server ${upstream.host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_request_buffering off;
    }
  }
}
`,
);
const nginx = spawn("nginx", ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "inherit" });
const stop = () => {
  nginx.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
nginx.on("exit", stop);
process.on("SIGTERM", stop);
for (;;) {
  const up = await new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => resolve(true)).on("error", () => resolve(false));
    socket.unref();
  });
  if (up) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.stdout.write(`http://127.0.0.1:${port}\n`);
