// Parse-at-the-door helpers: a route reads its input only through a protocol schema.
import type { Request } from 'express';
import type { z } from 'zod';
import { IdSchema } from '@voxanne/protocol';
import { AppError } from '../errors.js';

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const result = schema.safeParse(req.body ?? {});
  if (!result.success) throw AppError.fromZod(result.error, 'request body');
  return result.data;
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const result = schema.safeParse(req.query);
  if (!result.success) throw AppError.fromZod(result.error, 'query');
  return result.data;
}

/** `:id` route parameters are uuids; anything else is simply not found (no 500 from a cast). */
export function parseIdParam(req: Request, what: string): string {
  const result = IdSchema.safeParse(req.params.id);
  if (!result.success) throw AppError.notFound(what);
  return result.data;
}
