/**
 * A stand-in for a provider's payment page, as a real local server: `GET /pay/:id` shows
 * "Pay" and "Decline" buttons; paying marks the order paid in the Checkout double (as the
 * provider's notification would) and sends the browser back to the order's status link,
 * as the provider's Success URL does.
 */
import { readBody, startHttpServer, type StartedServer } from '../fakes/http.js';
import type { MemoryCheckout } from './memory-checkout.js';

/** Starts the fake payment page for a checkout (set later: the app and this server need each other's URLs). */
export async function startFakePayPage(checkout: () => MemoryCheckout): Promise<StartedServer & { visits: number[] }> {
  const visits: number[] = [];
  const server = await startHttpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/pay\/([0-9]+)$/.exec(url.pathname);
    const id = m ? Number(m[1]) : 0;
    if (!m || !checkout().orders.has(id)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such payment');
      return;
    }
    if (req.method === 'GET') {
      visits.push(id);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Fake provider</title><h1>Pay for order ${id}</h1>
<form method="post"><button name="answer" value="pay" id="pay">Pay</button><button name="answer" value="decline" id="decline">Decline</button></form>`);
      return;
    }
    const answer = new URLSearchParams((await readBody(req)).toString('utf8')).get('answer');
    if (answer === 'pay') await checkout().markPaid(id);
    else checkout().markFailed(id);
    res.writeHead(303, { location: checkout().statusUrl(id) }).end();
  });
  return Object.assign(server, { visits });
}
