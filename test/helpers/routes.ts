/**
 * Every (method, path) an app registers, read from its route tree, so tests that must
 * cover every route (the fuzz run, the OpenAPI check) cover a new one by themselves.
 */

/** One registered route. */
export interface Route {
  method: string;
  path: string;
}

/**
 * `printRoutes()` with its default common-prefix layout prints each node's own part of the
 * path (its own slashes included), so a route's path is the parts from the root down joined.
 */
export function routesOf(tree: string): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([\s│]*?)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    if (m[3]) for (const method of m[3].split(',').map((s) => s.trim())) routes.push({ method, path: stack.join('') });
  }
  return routes;
}
