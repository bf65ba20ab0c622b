// A Worker that streams its response: a line every 100 ms (?lines=N, default 10), each written
// as it is made, through a TransformStream, with ctx.waitUntil keeping the Worker alive to finish.
export default {
  fetch(request, env, ctx) {
    const lines = Number(new URL(request.url).searchParams.get("lines") ?? 10);
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    ctx.waitUntil((async () => {
      for (let i = 1; i <= lines; i++) {
        await writer.write(encoder.encode(`line ${i} of ${lines}\n`));
        await new Promise((done) => setTimeout(done, 100));
      }
      await writer.close();
    })());
    return new Response(readable, { headers: { "content-type": "text/plain;charset=UTF-8" } });
  },
};
