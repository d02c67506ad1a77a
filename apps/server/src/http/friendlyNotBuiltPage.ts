/** The page served at / when the editor has not been built yet. Plain HTML, no script (the CSP allows none inline). */
export function friendlyNotBuiltPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2d27}code{background:#eef5f1;padding:.1rem .3rem;border-radius:4px}h1{color:#128c7e}</style>
</head><body>
<h1>Parley is running</h1>
<p>The server is up, but the flow editor has not been built yet.</p>
<p>Stop the server and run <code>npm start</code> (it builds the editor first), or run <code>npm run build</code> and start it again.</p>
<p>The API is at <code>/api</code> (see <code>/api/openapi.json</code>); health at <code>/healthz</code>.</p>
</body></html>
`;
}
