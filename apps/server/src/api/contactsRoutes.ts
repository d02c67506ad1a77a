import { z } from 'zod';
import { HttpError } from '../http/HttpError.js';
import { defineRoute, type ApiRoute } from './defineRoute.js';
import { idParams } from './schemas.js';

/** Contacts: the privacy requests (export everything held, erase everything). */
export const contactsRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/contacts/:id/export',
    tag: 'Contacts',
    summary: 'Export everything held about a contact',
    description:
      'The contact id is the conversation key `<phone number id>:<user id>`. Returns the contact, its conversations, transcripts, outbound messages and timers as JSON. Audited.',
    access: 'editor',
    params: idParams,
    responses: { 200: { description: 'Everything held (JSON)', schema: z.record(z.string(), z.unknown()) } },
    errors: [404],
    handler: async ({ deps, params, actor }) => {
      const data = await deps.store.exportContact(params.id);
      if (!data) throw new HttpError(404, 'contact.not_found', 'Nothing is held about this contact.');
      // A read, but one a privacy officer must be able to account for: who exported whom, never what.
      await deps.store.appendAudit({
        id: `aud_${crypto.randomUUID()}`,
        at: deps.now(),
        actor: actor.label,
        action: 'contact.export',
        target: params.id,
      });
      const safeName = params.id.replace(/[^A-Za-z0-9_-]/g, '_');
      return {
        status: 200,
        body: { exportedAt: deps.now(), ...data },
        headers: { 'Content-Disposition': `attachment; filename="parley-contact-${safeName}.json"` },
      };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/contacts/:id',
    tag: 'Contacts',
    summary: 'Erase a contact',
    description:
      'Removes all conversations, transcripts, inbox and outbox rows, timers and the phone number itself.',
    access: 'owner',
    params: idParams,
    responses: { 204: { description: 'Erased' } },
    errors: [404],
    audit: 'contact.erase',
    handler: async ({ deps, params }) => {
      const { erased } = await deps.store.eraseContact(params.id);
      if (!erased) throw new HttpError(404, 'contact.not_found', 'Nothing is held about this contact.');
      return { status: 204 };
    },
  }),
];
