// Notes kept in a KV namespace: GET /workers/notes/{key} reads one, PUT writes one (with the
// EDIT_TOKEN secret as a bearer token), GET /workers/notes/ lists them. The hourly cron trigger
// records when it last ran; /workers/notes/about is a static asset (public/workers/notes/about.html).
import { page } from "./page.js";

const PREFIX = "/workers/notes/";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = decodeURIComponent(url.pathname.slice(PREFIX.length));
    if (key === "") {
      const listed = await env.NOTES.list();
      return new Response(page(env.TITLE, listed.keys.map((k) => k.name)), {
        headers: { "content-type": "text/html;charset=UTF-8" },
      });
    }
    if (request.method === "PUT") {
      if (request.headers.get("authorization") !== `Bearer ${env.EDIT_TOKEN}`) {
        return new Response("a PUT needs Authorization: Bearer <EDIT_TOKEN>\n", { status: 401 });
      }
      await env.NOTES.put(key, await request.text());
      return new Response(null, { status: 204 });
    }
    const note = await env.NOTES.get(key);
    return note === null ? new Response(`no note ${key}\n`, { status: 404 }) : new Response(note);
  },

  async scheduled(controller, env) {
    await env.NOTES.put("last-cron", new Date(controller.scheduledTime).toISOString());
  },
};
