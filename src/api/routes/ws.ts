/**
 * `GET /v2/ws?token=JWT`: a streamer's live socket. The token is checked after the upgrade
 * so that a refusal reaches the client as a close code it can act on (browsers hide the
 * status of a refused upgrade); the codes are in `src/live/protocol.ts`.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import { isTtopsError } from '../../errors.js';
import type { Hub } from '../../live/hub.js';
import { WS_CLOSE, type ServerMessage } from '../../live/protocol.js';
import type { UserRecord } from '../../store/types.js';
import type { AppContext } from '../app.js';
import { sendError } from '../errors.js';
import { wsRouteSchema } from '../schemas.js';

/** The close code for a failed authentication. */
function closeCodeFor(error: unknown): number {
  const code = isTtopsError(error) ? error.code : '';
  if (code === 'token_expired') return WS_CLOSE.tokenExpired;
  if (code === 'license_expired') return WS_CLOSE.licenseExpired;
  return WS_CLOSE.tokenInvalid;
}

/** What a socket hears first: where the live source stands for this user. */
export type Greeting = (user: UserRecord) => ServerMessage[] | Promise<ServerMessage[]>;

/** Registers `/v2/ws`. */
export function wsRoutes(hub: Hub, greeting: Greeting): FastifyPluginAsync<{ ctx: AppContext }> {
  return async (app, { ctx }) => {
    await app.register(websocket, {
      options: { maxPayload: 4096 },
      // On shutdown every socket hears 1001 ("reconnect in a moment"), as docs/websocket.md says,
      // instead of the plugin's bare close (1005).
      preClose(done) {
        for (const client of this.websocketServer.clients) client.close(WS_CLOSE.goingAway, 'server shutting down');
        this.websocketServer.close();
        done();
      },
    });
    app.route<{ Querystring: { token?: string } }>({
      method: 'GET',
      url: '/ws',
      schema: wsRouteSchema,
      // A plain GET (no upgrade) gets a coded answer instead of an empty 404.
      handler: async (_request, reply) => sendError(reply, 426, 'upgrade_required', 'this is a WebSocket endpoint — connect with a WebSocket client and ?token=<access_token>'),
      wsHandler: async (socket, request) => {
        const token = typeof request.query.token === 'string' ? request.query.token : '';
        if (!token) return socket.close(WS_CLOSE.tokenMissing, 'token_missing: pass ?token=<access_token>');
        let user: UserRecord;
        try {
          user = await ctx.accounts.authenticate(token);
        } catch (error) {
          return socket.close(closeCodeFor(error), isTtopsError(error) ? error.code : 'token_invalid');
        }
        const first = await greeting(user);
        // The client may have gone while the greeting was looked up: a closed socket never joins the hub.
        if (socket.readyState !== socket.OPEN) return;
        hub.add(user.id, socket, first);
      },
    });
  };
}
