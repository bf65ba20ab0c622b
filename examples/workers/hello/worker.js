// A Cloudflare Worker, as `wrangler init` writes one: it runs unchanged under `wrangler dev`,
// on Cloudflare, and on flexilib from the proxy.ini line `/workers/hello = examples/workers/hello/worker.js`.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    return new Response(`Hello from a Worker, ${name}!\n`, {
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  },
};
