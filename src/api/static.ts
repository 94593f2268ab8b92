/**
 * `serve` serves `static/` (sounds, TTS audio) itself when no nginx is in front, at the same
 * paths the deployed media vhost uses, with the same cross-origin read access.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Registers `GET /static/*` from `mediaDir/static`. */
export async function registerStatic(app: FastifyInstance, mediaDir: string): Promise<void> {
  const root = path.resolve(mediaDir, 'static');
  mkdirSync(root, { recursive: true });
  await app.register(fastifyStatic, {
    root,
    prefix: '/static/',
    decorateReply: false,
    dotfiles: 'deny',
    index: false,
    list: false,
    immutable: true,
    maxAge: '30d',
    setHeaders: (res) => res.setHeader('access-control-allow-origin', '*'),
  });
}
