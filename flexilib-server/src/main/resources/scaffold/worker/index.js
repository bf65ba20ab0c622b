// {{name}}: answers every request with a greeting and what it was asked.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    return Response.json({
      message: `${env.GREETING} from {{name}}`,
      method: request.method,
      path: url.pathname,
      from: request.headers.get("cf-connecting-ip"),
    });
  },
};
