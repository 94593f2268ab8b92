/**
 * `/v2/sounds`: upload (multipart `file`), list, delete. The size limit is enforced while the
 * body streams — a declared length over it is refused before reading, and a body that grows
 * past it is cut off with the connection — so a 50 MB upload is never buffered.
 */
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { InvalidInputError, isTtopsError } from '../../errors.js';
import { SOUND_LIMITS, fileTooLarge, type SoundService } from '../../sounds/service.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';
import { BEARER, documentOnly, errorResponses } from '../schemas.js';

/** Room for the multipart envelope around the file itself. */
const ENVELOPE_BYTES = 16 * 1024;

const soundView = {
  type: 'object',
  required: ['filename', 'url', 'size', 'duration_ms'],
  properties: {
    filename: { type: 'string' },
    url: { type: 'string' },
    size: { type: 'integer' },
    duration_ms: { type: 'integer' },
    format: { type: 'string', enum: ['mp3', 'ogg', 'wav'] },
    original_name: { type: ['string', 'null'] },
    created_at: { type: 'string' },
  },
} as const;

/** Multipart failures, renamed to our codes. */
function uploadError(error: unknown): unknown {
  if (isTtopsError(error)) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return fileTooLarge();
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new InvalidInputError('not_multipart', 'send the sound as multipart/form-data with a `file` field');
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new InvalidInputError('invalid_request', 'send exactly one `file` field and nothing else');
  return new InvalidInputError('invalid_request', 'the multipart body is malformed — send one `file` field');
}

/**
 * Reads an uploaded file. Multipart signals `limit` the moment the file passes the size
 * limit but would go on reading (and skipping) the rest of the body; we refuse right then.
 */
function readCapped(stream: NodeJS.ReadableStream & { truncated?: boolean }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('limit', () => reject(fileTooLarge()));
    stream.once('error', reject);
    stream.once('end', () => (stream.truncated ? reject(fileTooLarge()) : resolve(Buffer.concat(chunks))));
  });
}

/** Registers `/v2/sounds`. */
export function soundRoutes(sounds: SoundService): FastifyPluginAsync<{ ctx: AppContext }> {
  return async (app, { ctx }) => {
    await app.register(multipart, { limits: { fileSize: SOUND_LIMITS.maxBytes, files: 1, fields: 4, parts: 5, fieldSize: 1024, headerPairs: 50 } });
    app.addHook('preHandler', userGuard(ctx.accounts));

    const uploadSchema = {
      summary: 'Upload a sound',
      tags: ['sounds'],
      description: `multipart/form-data with one \`file\` field: MP3, OGG or WAV, at most ${SOUND_LIMITS.maxBytes / 1024} KB and ${SOUND_LIMITS.maxMs / 1000} s (413 beyond the size, and the connection is closed).`,
      security: BEARER,
      consumes: ['multipart/form-data'],
      body: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'the audio file' } } },
      response: { 201: soundView, ...errorResponses },
    };
    // The multipart stream is read by the handler (size-capped as it streams): the body schema only documents it.
    app.post('/upload', { schema: uploadSchema, validatorCompiler: documentOnly }, async (request, reply) => {
      // Past the limit, the rest of the body is not read: answer, then drop the connection.
      const hangUp = () => {
        reply.header('connection', 'close');
        reply.raw.once('finish', () => request.raw.destroy());
      };
      const declared = Number(request.headers['content-length']);
      if (declared > SOUND_LIMITS.maxBytes + ENVELOPE_BYTES) {
        hangUp();
        throw fileTooLarge();
      }
      try {
        const file = await request.file();
        if (!file || file.fieldname !== 'file') throw new InvalidInputError('file_missing', 'send the sound in a multipart field named `file`');
        const bytes = await readCapped(file.file);
        return reply.code(201).send(await sounds.upload(request.user!.id, bytes, file.filename));
      } catch (error) {
        const mapped = uploadError(error);
        if (!isTtopsError(mapped) || mapped.status === 413 || mapped.code === 'invalid_request') hangUp();
        throw mapped;
      }
    });

    const listSchema = {
      summary: 'Your sounds',
      tags: ['sounds'],
      security: BEARER,
      response: { 200: { type: 'object', required: ['sounds'], properties: { sounds: { type: 'array', items: soundView } } }, ...errorResponses },
    };
    app.get('/list', { schema: listSchema }, async (request) => ({
      sounds: await sounds.list(request.user!.id),
    }));

    app.post<{ Body: { filename: string } }>(
      '/delete',
      {
        schema: {
          summary: 'Delete a sound',
          tags: ['sounds'],
          security: BEARER,
          body: { type: 'object', required: ['filename'], additionalProperties: false, properties: { filename: { type: 'string', minLength: 1, maxLength: 200 } } },
          response: { 200: { type: 'object', required: ['deleted'], properties: { deleted: soundView } }, ...errorResponses },
        },
      },
      async (request) => ({ deleted: await sounds.delete(request.user!.id, request.body.filename) }),
    );
  };
}
