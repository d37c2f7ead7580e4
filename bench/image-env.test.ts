import { describe, expect, it } from 'vitest';
import { imageEnv } from './image-env.js';

describe('imageEnv (the image memory settings the benches start the bundle with)', () => {
  it('reads the backend image as it is', () => {
    expect(imageEnv()).toEqual({ MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=8' });
  });

  it('takes the runtime stage only, joins continued lines and drops quotes', () => {
    const dockerfile = [
      'FROM node AS build',
      'ENV MALLOC_ARENA_MAX=8 NODE_OPTIONS=--build-only',
      'FROM node',
      'ENV NODE_ENV=production \\',
      '    MALLOC_ARENA_MAX=2',
      'ENV NODE_OPTIONS="--max-semi-space-size=4"',
      'CMD ["node", "dist/server.js"]',
    ].join('\n');
    expect(imageEnv(dockerfile)).toEqual({ MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=4' });
  });

  it('names what the runtime stage no longer sets', () => {
    expect(() => imageEnv('FROM node\nENV MALLOC_ARENA_MAX=2\n')).toThrow(/sets no NODE_OPTIONS/);
  });
});
